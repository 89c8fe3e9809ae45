import { describe, expect, it } from 'vitest';
import { judgeSeqs, type StoredEvent } from './seq-order';

const ev = (seq: number, id = `e${seq}`) => ({ id, seq });
const stored = (...events: StoredEvent[]) => {
  const m = new Map<number, StoredEvent[]>();
  for (const e of events) m.set(e.seq, [...(m.get(e.seq) ?? []), e]);
  return m;
};
const applied = (seq: number, id = `e${seq}`): StoredEvent => ({ id, seq, status: 'applied', refusal: null, conflictNo: 0 });

describe('judgeSeqs: a request judged from seqs alone', () => {
  it('a station with no progress must start at seq 1', () => {
    expect(judgeSeqs('ST-1', 0, stored(), [ev(1), ev(2)])).toEqual({ ok: true, old: [], fresh: [ev(1), ev(2)] });
    const gap = judgeSeqs('ST-1', 0, stored(), [ev(2)]);
    expect(gap.ok || gap.error).toMatchObject({ status: 409, code: 'seq_gap', message: 'expected seq 1 from ST-1, got 2: push from there' });
  });

  it('a hole inside the fresh events is a gap naming the first missing seq', () => {
    const r = judgeSeqs('ST-1', 3, stored(), [ev(4), ev(5), ev(7)]);
    expect(r.ok || r.error).toMatchObject({ code: 'seq_gap', message: expect.stringContaining('expected seq 6') });
  });

  it('events at or below progress get the first answer again, refusal included; the rest continue from progress + 1', () => {
    const refused: StoredEvent = { id: 'e2', seq: 2, status: 'refused', refusal: { code: 'line_halted', message: 'halted' }, conflictNo: 0 };
    const r = judgeSeqs('ST-1', 2, stored(applied(1), refused), [ev(1), ev(2), ev(3)]);
    expect(r).toEqual({
      ok: true,
      old: [
        { duplicate: { id: 'e1', seq: 1, status: 'duplicate', refusal: null } },
        { duplicate: { id: 'e2', seq: 2, status: 'duplicate', refusal: { code: 'line_halted', message: 'halted' } } },
      ],
      fresh: [ev(3)],
    });
  });

  it('a seq at or below progress held by another event is kept as a seq_conflict beside it, never an overwrite; the rest goes on', () => {
    const r = judgeSeqs('ST-1', 2, stored(applied(1), applied(2)), [ev(2, 'other'), ev(3)]);
    if (!r.ok) throw r.error;
    expect(r.old).toEqual([
      { conflict: { event: ev(2, 'other'), conflictNo: 1, refusal: { code: 'seq_conflict', message: expect.stringContaining('already taken by event e2') } } },
    ]);
    expect(r.fresh).toEqual([ev(3)]);
  });

  it('a second conflict at the same seq gets the next number; a kept conflict pushed again is its duplicate', () => {
    const kept: StoredEvent = { id: 'x', seq: 2, status: 'refused', refusal: { code: 'seq_conflict', message: 'taken' }, conflictNo: 1 };
    const r = judgeSeqs('ST-1', 2, stored(applied(2), kept), [ev(2, 'y')]);
    expect(r.ok && r.old[0]).toMatchObject({ conflict: { conflictNo: 2 } });
    const again = judgeSeqs('ST-1', 2, stored(applied(2), kept), [ev(2, 'x')]);
    expect(again.ok && again.old[0]).toEqual({ duplicate: { id: 'x', seq: 2, status: 'duplicate', refusal: { code: 'seq_conflict', message: 'taken' } } });
  });

  it('a gap is judged first: nothing of the request is kept, the station pushes from the seq named', () => {
    const r = judgeSeqs('ST-1', 2, stored(applied(1), applied(2)), [ev(1, 'other'), ev(9)]);
    expect(r.ok || r.error).toMatchObject({ code: 'seq_gap', message: expect.stringContaining('expected seq 3') });
  });
});
