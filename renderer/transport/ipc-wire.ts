/**
 * The Electron shell's IPC contract, shared by main (electron/main), the preload (electron/preload) and the screen
 * (ipc-client.ts): the channel names, what the preload exposes as `window.quty`, and the zod schemas every message
 * is parsed with where it crosses a process boundary. Requests are the kiosk's own `ClientMessage` (shared/api.ts);
 * replies and topic pushes are `StationReply` below, the same `ServerMessage` the kiosk WebSocket carries.
 * Pure: it runs in the preload's sandbox, in the screen, and in Node tests.
 */
import { z } from 'zod';
import { TOPICS, type ServerMessage, type Topic } from '../../shared/api';
import { REFUSAL_CODES } from '../../shared/refusal';

/** The name `window.quty` goes by: the screen picks the IPC transport when it exists. */
export const BRIDGE_KEY = 'quty';

export const IPC_CHANNELS = {
  /** invoke: one command; answers a `CallReply`. */
  call: 'quty:call',
  /** send: watch / stop watching a topic. */
  subscribe: 'quty:subscribe',
  unsubscribe: 'quty:unsubscribe',
  /** main → screen: a topic's data (`TopicPush`). */
  topic: 'quty:topic',
  /** main → screen: the core process's state (`CoreStatus`); invoke answers the current one. */
  status: 'quty:status',
} as const;

const CommandErrorSchema = z.object({
  code: z.enum(['bad_request', 'refused', 'unauthenticated', 'not_found', 'internal']),
  message: z.string(),
  refusal: z.enum(REFUSAL_CODES).optional(),
  text: z.object({ en: z.string(), id: z.string() }).optional(),
});

/** What the core answers a command with, as seen by a screen. */
export const CallReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: CommandErrorSchema }),
]);
export type CallReply = z.infer<typeof CallReply>;

export const TopicPush = z.object({ topic: z.enum(TOPICS), data: z.unknown() });
export type TopicPush = z.infer<typeof TopicPush>;

/** `ServerMessage` (shared/api.ts) as a schema: what the core process sends back for a screen. */
export const StationReply = z.union([
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ t: z.literal('result'), id: z.number().int(), ok: z.literal(false), error: CommandErrorSchema }),
  z.object({ t: z.literal('topic'), topic: z.enum(TOPICS), data: z.unknown() }),
]);
// Both directions of the check: the schema accepts every ServerMessage and yields nothing else.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const replyMatchesServerMessage: Same<z.infer<typeof StationReply>, ServerMessage> = true;
void replyMatchesServerMessage;

/**
 * The core process as the screen sees it. `restarting`: it died and comes back in `retryInMs` (the screen says so;
 * everything it confirmed is on disk). `failed`: it could not start (`message` says why), retried all the same.
 */
export const CoreStatus = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'stopped']),
  /** Restarts since the core last ran steadily. */
  attempt: z.number().int().nonnegative(),
  retryInMs: z.number().int().nonnegative().nullable(),
  message: z.string().nullable(),
});
export type CoreStatus = z.infer<typeof CoreStatus>;

/** What the preload exposes as `window.quty` (contextBridge): plain data and functions only. */
export interface QutyBridge {
  call(name: string, params: unknown): Promise<CallReply>;
  subscribe(topic: Topic, listener: (data: unknown) => void): () => void;
  onStatus(listener: (status: CoreStatus) => void): () => void;
}
