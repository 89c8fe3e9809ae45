/**
 * What a failed push group does next (pure). A deadlock or serialization failure (two server processes' groups; the
 * shared rule of db/tx-retry.ts) says nothing about the requests: the whole group runs again. Anything else that fails a group of several requests (a
 * write-time conflict, e.g. one event id pushed by two stations; a bug in a rule) rolled it back, and the requests are
 * applied one by one, each in its own transaction, so only the faulty one fails. A group of one fails with its error.
 */
import { EventConflict } from '../changes';
import { isRetryableTxError, MAX_TX_ATTEMPTS } from '../db/tx-retry';
import { PushError } from './push-error';

export type AfterFailure = 'retry' | 'one-by-one' | 'fail';

/** `attempt` counts from 1; `requests` is the group's size. */
export function afterFailure(err: unknown, attempt: number, requests: number): AfterFailure {
  if (attempt < MAX_TX_ATTEMPTS && isRetryableTxError(err)) return 'retry';
  return requests > 1 ? 'one-by-one' : 'fail';
}

/**
 * A stored event holds one of the group's ids or (station, seq)s (EventConflict): alone, the request is refused with
 * 409 seq_conflict; in a group of several, the conflict is the group's failure (then applied one by one).
 */
export function writeConflict(err: EventConflict, requests: number): Error {
  return requests > 1 ? err : new PushError(409, 'seq_conflict', err.message);
}
