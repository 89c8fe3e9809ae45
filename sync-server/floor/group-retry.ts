/**
 * What a failed push group does next (pure). A deadlock or serialization failure (two server processes' groups) says
 * nothing about the requests: the whole group runs again. Anything else that fails a group of several requests (a
 * write-time conflict, e.g. one event id pushed by two stations; a bug in a rule) rolled it back, and the requests are
 * applied one by one, each in its own transaction, so only the faulty one fails. A group of one fails with its error.
 */
import { EventConflict } from '../changes';
import { PushError } from './push-error';

const DEADLOCK = '40P01';
const SERIALIZATION = '40001';
export const MAX_ATTEMPTS = 6;

export type AfterFailure = 'retry' | 'one-by-one' | 'fail';

const isRetryable = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === DEADLOCK || code === SERIALIZATION;
};

/** `attempt` counts from 1; `requests` is the group's size. */
export function afterFailure(err: unknown, attempt: number, requests: number): AfterFailure {
  if (attempt < MAX_ATTEMPTS && isRetryable(err)) return 'retry';
  return requests > 1 ? 'one-by-one' : 'fail';
}

/**
 * A stored event holds one of the group's ids or (station, seq)s (EventConflict): alone, the request is refused with
 * 409 seq_conflict; in a group of several, the conflict is the group's failure (then applied one by one).
 */
export function writeConflict(err: EventConflict, requests: number): Error {
  return requests > 1 ? err : new PushError(409, 'seq_conflict', err.message);
}
