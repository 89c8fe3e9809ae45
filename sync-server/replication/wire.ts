/**
 * Wire shapes of pull and stream. Candidates to move into shared/sync.ts (owned by the domain) so the station's
 * replication client parses exactly what the server sends.
 */
import { z } from 'zod';
import { checkpointSchema } from '../changes';

export const pullQuerySchema = z.object({
  /** Last checkpoint.version received; omit for "from the beginning". */
  checkpoint: z.coerce.number().int().nonnegative().optional(),
  /** Target batch size; a batch is extended to the end of its last transaction, so it may be larger. */
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const pulledDocumentSchema = z.object({
  kind: z.string(),
  id: z.string(),
  body: z.unknown(),
  deleted: z.boolean(),
  version: z.number().int(),
});

export const pullResponseSchema = z.object({
  documents: z.array(pulledDocumentSchema),
  checkpoint: checkpointSchema,
  /**
   * The server's latest change number. Change numbers only grow, so a station whose checkpoint is above it knows the
   * server's database went back (restored from a backup, failed over to a replica that had not seen everything).
   */
  head: z.number().int().nonnegative(),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/**
 * SSE `data:` payloads (JSON). 'RESYNC' is sent on connect (and after the server may have missed notifications):
 * exactly what RxDB's pull.stream$ accepts to run a checkpoint pull. A 'change' says "something you may see changed
 * up to this checkpoint": the client pulls (or simply emits 'RESYNC'). 'revoked' precedes the server closing the
 * stream for good: stop reconnecting.
 */
export const streamMessageSchema = z.union([
  z.literal('RESYNC'),
  z.object({ type: z.literal('change'), checkpoint: checkpointSchema }),
  z.object({ type: z.literal('revoked') }),
]);
export type StreamMessage = z.infer<typeof streamMessageSchema>;
