import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ViewRevisions } from './view-revisions';
import { applyDelta, DeltaMismatch, heldAfter, viewsPath, type Delta } from './views-sync';

type Row = { id: string; n: number };
type View = { at: string; rows: Row[]; other: string[] };
const LISTS = { rows: 'id' } as const;
const Schema = z.object({ at: z.string(), rows: z.array(z.object({ id: z.string(), n: z.number().int() })), other: z.array(z.string()) });
const view = (at: string, rows: Row[], other: string[] = []): View => ({ at, rows, other });
const parse = (json: string | null): Delta => {
  if (json === null) throw new Error('no delta');
  return JSON.parse(json) as Delta;
};

describe('ViewRevisions: a view sent as what changed since the revision a dashboard holds', () => {
  it('the first answer is the whole view; later ones only the changed fields and rows; nothing when nothing changed', () => {
    const revs = new ViewRevisions(Schema, LISTS);
    const v1 = view('t1', [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }], ['x']);
    expect(revs.update(v1)).toBe(1);
    const whole = parse(revs.delta(null));
    expect(whole).toEqual({ rev: 1, base: null, fields: { at: 't1', other: ['x'] }, lists: { rows: { keys: ['a', 'b', 'c'], rows: v1.rows } } });
    expect(JSON.parse(revs.whole())).toEqual(v1);
    expect(revs.delta(1)).toBeNull();

    // The same content again: no new revision.
    expect(revs.update(view('t1', [{ id: 'a', n: 1 }, { id: 'b', n: 2 }, { id: 'c', n: 3 }], ['x']))).toBe(1);

    const v2 = view('t2', [{ id: 'a', n: 1 }, { id: 'b', n: 20 }, { id: 'c', n: 3 }], ['x']);
    expect(revs.update(v2)).toBe(2);
    expect(parse(revs.delta(1))).toEqual({ rev: 2, base: 1, fields: { at: 't2' }, lists: { rows: { rows: [{ id: 'b', n: 20 }] } } });
    expect(applyDelta(view('t1', v1.rows, ['x']), 1, parse(revs.delta(1)), LISTS)).toEqual(v2);

    // A row gone and one added: the key order is sent, the new row with it; from revision 1, both changes.
    const v3 = view('t2', [{ id: 'd', n: 4 }, { id: 'a', n: 1 }, { id: 'b', n: 20 }], ['x']);
    expect(revs.update(v3)).toBe(3);
    expect(parse(revs.delta(2))).toEqual({ rev: 3, base: 2, fields: {}, lists: { rows: { keys: ['d', 'a', 'b'], rows: [{ id: 'd', n: 4 }] } } });
    expect(applyDelta(v2, 2, parse(revs.delta(2)), LISTS)).toEqual(v3);
    expect(applyDelta(v1, 1, parse(revs.delta(1)), LISTS)).toEqual(v3);
    expect(applyDelta(null, undefined, parse(revs.delta(null)), LISTS)).toEqual(v3);
    expect(JSON.parse(revs.whole())).toEqual(v3);
  });

  it('a revision it never gave (ahead of it) gets the whole view; a row key must be a unique string', () => {
    const revs = new ViewRevisions(Schema, LISTS);
    revs.update(view('t', [{ id: 'a', n: 1 }]));
    expect(parse(revs.delta(7)).base).toBeNull();
    expect(() => revs.update(view('t', [{ id: 'a', n: 1 }, { id: 'a', n: 2 }]))).toThrow('id a twice');
    // A changed row is checked against its list's schema.
    expect(() => revs.update(view('t', [{ id: 'a', n: 1.5 }]))).toThrow('view failed its schema at rows.n');
  });

  it('a delta that does not fit what is held is refused (the screen then reads the whole views)', () => {
    const revs = new ViewRevisions(Schema, LISTS);
    revs.update(view('t1', [{ id: 'a', n: 1 }]));
    revs.update(view('t2', [{ id: 'a', n: 2 }]));
    const d = parse(revs.delta(1));
    expect(() => applyDelta(view('t0', [{ id: 'a', n: 0 }]), 0, d, LISTS)).toThrow(DeltaMismatch);
    expect(() => applyDelta(null, undefined, d, LISTS)).toThrow(DeltaMismatch);
    // Keys naming a row neither held nor sent.
    expect(() => applyDelta(view('t1', []), 1, { rev: 2, base: 1, fields: {}, lists: { rows: { keys: ['a'], rows: [] } } }, LISTS)).toThrow(DeltaMismatch);
  });
});

describe('views-sync: the query of what is held, and what is held after an answer', () => {
  it('nothing held asks for the whole views; an answer from another instance replaces every revision', () => {
    expect(viewsPath({ instance: null, floor: 3 }, 'open')).toBe('/api/dashboard/views?show=open');
    const held = { instance: 'A', floor: 3, alerts: 1, conflicts: 2, orders: 4, fleet: 5, articles: 6 };
    expect(viewsPath(held, 'resolved')).toBe('/api/dashboard/views?show=resolved&instance=A&floor=3&alerts=1&conflicts=2&orders=4&fleet=5&articles=6');
    const unchanged = { instance: 'A', floor: null, alerts: null, conflicts: null, orders: null, fleet: null, accounts: null, articles: null };
    // An answer without the Accounts list (not an admin's) leaves it unheld.
    expect(heldAfter({ instance: 'A' }, { ...unchanged, articles: { rev: 2 } })).toEqual({ instance: 'A', articles: 2 });
    expect(heldAfter(held, { ...unchanged, floor: { rev: 9 } })).toEqual({ ...held, floor: 9 });
    expect(heldAfter(held, { ...unchanged, instance: 'B', floor: { rev: 1 } })).toEqual({ instance: 'B', floor: 1 });
  });
});
