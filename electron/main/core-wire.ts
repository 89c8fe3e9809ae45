/**
 * Messages between main and the core process (utilityProcess, structured clone). A screen's message travels inside
 * `screen` untouched: the core process parses it with the shared `ClientMessage` schema (screen-conversation.ts),
 * exactly as the kiosk does a WebSocket frame. What the core process sends back is parsed here before main acts on it.
 */
import { z } from 'zod';
import type { ClientMessage } from '../../shared/api';
import { StationReply } from '../../renderer/transport/ipc-wire';

export type ToCore =
  | { t: 'screen'; screen: string; msg: ClientMessage }
  /** The screen closed: its subscriptions end. */
  | { t: 'screen-gone'; screen: string }
  /** Close the store and exit (the core's own clean stop; main kills it if it takes too long). */
  | { t: 'stop' };

export const FromCore = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready'), station: z.string(), lastSeq: z.number().int().nonnegative() }),
  z.object({ t: z.literal('reply'), screen: z.string(), msg: StationReply }),
  /** Why it could not start (bad config, data directory held by another process): shown while it is retried. */
  z.object({ t: z.literal('fatal'), message: z.string() }),
]);
export type FromCore = z.infer<typeof FromCore>;

/** Exit codes of the core process (the same as electron/kiosk/run.ts). */
export const CORE_EXIT = { stopped: 0, failed: 1, config: 2, dirInUse: 3 } as const;
