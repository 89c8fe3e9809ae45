/**
 * The pull and stream contract lives in shared/sync.ts (the station parses with the same schemas). These names stay
 * only for sync-server/testing.ts until it imports shared/sync.ts itself.
 */
export { StreamMessage as streamMessageSchema, type StreamMessage } from '../../shared/sync';
