/**
 * Per station, events apply strictly in seq order: what a push request's seqs alone say about it (pure), decided
 * BEFORE any rule runs or anything is written, so a request refused here (409 seq_gap) changes nothing and does not
 * disturb the other requests of its group.
 *
 * SEQ CONFLICTS: an event at a seq the server already holds under another id is not a duplicate and never overwrites
 * it. A station restored from an old copy of its database numbers its new events from where the copy stopped, so
 * they arrive with seqs its lost events took: real records, made on a state that had lost the station's own later
 * work (the operator may well have recorded again what the screen no longer showed). They are kept, refused
 * `seq_conflict` (stored beside the event holding the seq: conflict_no 1, 2, …), not counted, and a supervisor
 * re-records what was really missing; the request goes on, so nothing blocks the station. Pushed again, each gets the
 * same answer (a duplicate by id).
 */
import type { RefusalCode } from '../../shared/refusal';
import type { PushOutcome } from '../../shared/sync';
import { PushError } from './push-error';

/** An event at or below the station's progress: stored before, or written earlier in the same group. */
export interface StoredEvent {
  id: string;
  seq: number;
  status: 'applied' | 'refused';
  refusal: { code: string; message: string } | null;
  /** The server's flag on an applied event (clock-bounds.ts), null when none. */
  flag?: { code: string; message: string } | null;
  /** 0: the event holding the seq; 1, 2, …: events kept refused seq_conflict beside it. */
  conflictNo: number;
}

export const SEQ_CONFLICT = 'seq_conflict' satisfies RefusalCode;

/** An event at a seq another event holds: to store refused `seq_conflict` with `conflictNo`. */
export interface SeqConflict<E> {
  event: E;
  conflictNo: number;
  refusal: { code: string; message: string };
}

/** An event at or below progress, in seq order: a duplicate's answer, or a conflict to keep. */
export type OldEvent<E> = { duplicate: PushOutcome } | { conflict: SeqConflict<E> };

export type SeqVerdict<E> =
  /** The events at or below progress (duplicates and conflicts) and the events to decide, each in seq order. */
  | { ok: true; old: OldEvent<E>[]; fresh: E[] }
  | { ok: false; error: PushError };

/**
 * `events` sorted by seq (parseBatch); `progress` the station's last processed seq; `stored` its events at or below it
 * by seq (the one holding the seq first). Fresh events must continue from progress + 1 without a hole (seq_gap names
 * the expected seq, the station pushes from there).
 */
export function judgeSeqs<E extends { id: string; seq: number }>(
  stationId: string,
  progress: number,
  stored: ReadonlyMap<number, readonly StoredEvent[]>,
  events: readonly E[],
): SeqVerdict<E> {
  const fresh = events.filter((e) => e.seq > progress);
  const gapAt = fresh.findIndex((e, i) => e.seq !== progress + 1 + i);
  if (gapAt >= 0) {
    const error = new PushError(409, 'seq_gap', `expected seq ${progress + 1 + gapAt} from ${stationId}, got ${fresh[gapAt]!.seq}: push from there`);
    return { ok: false, error };
  }
  // Sorted by seq, so every old event comes first.
  const old = events.filter((e) => e.seq <= progress).map((e): OldEvent<E> => {
    const at = stored.get(e.seq) ?? [];
    const s = at.find((x) => x.id === e.id);
    if (s) return { duplicate: { id: e.id, seq: e.seq, status: 'duplicate', refusal: s.status === 'refused' ? s.refusal : null, ...(s.flag ? { flag: s.flag } : {}) } };
    const holder = at.find((x) => x.conflictNo === 0);
    const message = `seq ${e.seq} of ${stationId} is already taken by event ${holder?.id ?? '(not found)'}: kept for review, not counted (was the station restored from an old copy?)`;
    return { conflict: { event: e, conflictNo: Math.max(0, ...at.map((x) => x.conflictNo)) + 1, refusal: { code: SEQ_CONFLICT, message } } };
  });
  return { ok: true, old, fresh };
}
