import { describe, expect, it } from 'vitest';
import { judgeSeqs, type StoredEvent } from './seq-order';

const ev = (seq: number, id = `e${seq}`) => ({ id, seq });
const stored = (...events: StoredEvent[]) => new Map(events.map((e) => [e.seq, e]));
const applied = (seq: number, id = `e${seq}`): StoredEvent => ({ id, seq, status: 'applied', refusal: null });

describe('judgeSeqs: a request judged from seqs alone', () => {
  it('a station with no progress must start at seq 1', () => {
    expect(judgeSeqs('ST-1', 0, stored(), [ev(1), ev(2)])).toEqual({ ok: true, duplicates: [], fresh: [ev(1), ev(2)] });
    const gap = judgeSeqs('ST-1', 0, stored(), [ev(2)]);
    expect(gap.ok || gap.error).toMatchObject({ status: 409, code: 'seq_gap', message: 'expected seq 1 from ST-1, got 2: push from there' });
  });

  it('a hole inside the fresh events is a gap naming the first missing seq', () => {
    const r = judgeSeqs('ST-1', 3, stored(), [ev(4), ev(5), ev(7)]);
    expect(r.ok || r.error).toMatchObject({ code: 'seq_gap', message: expect.stringContaining('expected seq 6') });
  });

  it('events at or below progress get the first answer again, refusal included; the rest continue from progress + 1', () => {
    const refused: StoredEvent = { id: 'e2', seq: 2, status: 'refused', refusal: { code: 'line_halted', message: 'halted' } };
    const r = judgeSeqs('ST-1', 2, stored(applied(1), refused), [ev(1), ev(2), ev(3)]);
    expect(r).toEqual({
      ok: true,
      duplicates: [
        { id: 'e1', seq: 1, status: 'duplicate', refusal: null },
        { id: 'e2', seq: 2, status: 'duplicate', refusal: { code: 'line_halted', message: 'halted' } },
      ],
      fresh: [ev(3)],
    });
  });

  it('a seq at or below progress held by another event is a seq_conflict, never an overwrite', () => {
    const r = judgeSeqs('ST-1', 2, stored(applied(1), applied(2)), [ev(2, 'other'), ev(3)]);
    expect(r.ok || r.error).toMatchObject({ status: 409, code: 'seq_conflict', message: 'seq 2 of ST-1 is already taken by another event' });
  });

  it('a seq at or below progress that the server has no event for is a seq_conflict (the station is confused)', () => {
    const r = judgeSeqs('ST-1', 5, stored(), [ev(5)]);
    expect(r.ok || r.error).toMatchObject({ code: 'seq_conflict' });
  });

  it('a seq conflict is judged before a gap', () => {
    const r = judgeSeqs('ST-1', 2, stored(applied(1), applied(2)), [ev(1, 'other'), ev(9)]);
    expect(r.ok || r.error).toMatchObject({ code: 'seq_conflict' });
  });
});
