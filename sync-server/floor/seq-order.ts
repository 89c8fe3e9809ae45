/**
 * Per station, events apply strictly in seq order: what a push request's seqs alone say about it (pure), decided
 * BEFORE any rule runs or anything is written, so a request refused here (409) changes nothing and does not disturb
 * the other requests of its group.
 */
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
}

export type SeqVerdict<E> =
  /** The duplicates' answers (the same as the first time) and the events to decide, in seq order. */
  | { ok: true; duplicates: PushOutcome[]; fresh: E[] }
  | { ok: false; error: PushError };

/**
 * `events` sorted by seq (parseBatch); `progress` the station's last processed seq; `stored` its events at or below it
 * by seq. A seq at or below progress held by another id is a seq_conflict (the station is confused: a restored
 * backup? never overwrite); fresh events must continue from progress + 1 without a hole (seq_gap names the expected
 * seq, the station pushes from there).
 */
export function judgeSeqs<E extends { id: string; seq: number }>(
  stationId: string,
  progress: number,
  stored: ReadonlyMap<number, StoredEvent>,
  events: readonly E[],
): SeqVerdict<E> {
  const old = events.filter((e) => e.seq <= progress);
  const fresh = events.filter((e) => e.seq > progress);
  // A duplicate is recognised by its id among the events stored at the request's old seqs.
  const storedById = new Map<string, StoredEvent>();
  for (const e of old) {
    const s = stored.get(e.seq);
    if (s) storedById.set(s.id, s);
  }
  const duplicates: PushOutcome[] = [];
  // Sorted by seq, so all duplicates come first, as when they were checked one by one.
  for (const e of old) {
    const s = storedById.get(e.id);
    if (!s) return { ok: false, error: new PushError(409, 'seq_conflict', `seq ${e.seq} of ${stationId} is already taken by another event`) };
    duplicates.push({ id: e.id, seq: e.seq, status: 'duplicate', refusal: s.status === 'refused' ? s.refusal : null, ...(s.flag ? { flag: s.flag } : {}) });
  }
  const gapAt = fresh.findIndex((e, i) => e.seq !== progress + 1 + i);
  if (gapAt >= 0) {
    const error = new PushError(409, 'seq_gap', `expected seq ${progress + 1 + gapAt} from ${stationId}, got ${fresh[gapAt]!.seq}: push from there`);
    return { ok: false, error };
  }
  return { ok: true, duplicates, fresh };
}
