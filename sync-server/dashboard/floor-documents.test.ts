/**
 * The Floor view's documents kept in memory and read incrementally (floor-view.ts FloorDocuments): after any mix of
 * writes, closes, status changes and deletions, the view computed from them equals the view computed from a full
 * read; a database that went back (head below what was seen) is read in full again. The view lists the first
 * FLOOR_ORDERS_LISTED open orders and counts them all; the others are found by search (`findOrders`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLineDoc, newWorkOrderDoc, type WorkOrderDoc } from '../../shared/docs';
import { fanOut } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { writeDocuments, writeTx } from '../changes';
import { migrate } from '../db/migrate';
import { createTestDb, type TestDb } from '../db/testing';
import { FLOOR_ORDERS_LISTED, FLOOR_ORDERS_MAX } from './contract';
import { FloorDocuments, loadFloorView } from './floor-view';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await migrate(t.db);
});
afterAll(() => t.cleanup());

const write = (docs: { kind: string; id: string; body: unknown; deleted?: boolean }[]) =>
  writeTx(t.db, (q) => writeDocuments(q, docs.map((d) => ({ ...d, scope: ['all'] }))));
const wo = (doc: WorkOrderDoc) => ({ kind: 'workOrder', id: doc.id, body: doc });
/** The view without its clock (`at`, running labour), to compare two computations. */
const comparable = async (docs?: FloorDocuments) => {
  const v = await loadFloorView(t.db, docs);
  return { ...v, at: '' };
};

describe('FloorDocuments: the floor read since the last computation only', () => {
  it("equals a full read after writes, a close, a deletion and a line's change", async () => {
    const docs = new FloorDocuments();
    const spks = [1, 2, 3].flatMap((n) => fanOut(mo(n, { quantity: 50 })).map((w) => newWorkOrderDoc(w)));
    await write(spks.map(wo));
    await write([{ kind: 'line', id: 'LN-CUT-1', body: newLineDoc('LN-CUT-1', 'cutting') }]);
    const first = await comparable(docs);
    expect(first).toEqual(await comparable());
    expect(first.orders.map((o) => o.moId)).toHaveLength(3);

    // Pieces cut on one SPK, another SPK closed, one deleted, a line halted: the kept view follows.
    const [a, b, c] = spks.filter((s) => s.place === 'cutting');
    await write([
      wo({ ...a!, stageQty: { ...a!.stageQty, cut: 20 } }),
      wo({ ...b!, status: 'closed' }),
      { ...wo(c!), deleted: true },
      { kind: 'line', id: 'LN-CUT-1', body: { ...newLineDoc('LN-CUT-1', 'cutting'), halt: null } },
    ]);
    const second = await comparable(docs);
    expect(second).toEqual(await comparable());
    expect(second).not.toEqual(first);
    const cutting = (v: typeof second) => v.orders.flatMap((o) => o.places).filter((p) => p.place === 'cutting').map((p) => p.workOrderId).sort();
    expect(cutting(second)).toEqual([a!.id]);
  });

  it('reads everything again when the database went back (its head below what was seen)', async () => {
    const docs = new FloorDocuments();
    const extra = fanOut(mo(9, { quantity: 10 })).map((w) => newWorkOrderDoc(w));
    await write(extra.map(wo));
    await comparable(docs);
    // A restore: the counter goes back and a document it had is gone.
    await t.db.query("DELETE FROM documents WHERE kind = 'workOrder' AND id = $1", [extra[0]!.id]);
    await t.db.query('UPDATE change_counter SET value = 1');
    const after = await comparable(docs);
    expect(after).toEqual(await comparable());
    expect(after.orders.flatMap((o) => o.places).some((p) => p.workOrderId === extra[0]!.id)).toBe(false);
  });

  it('lists the first orders by MO id and counts every open one; search finds the others by MO, article or destination, any case', async () => {
    const docs = new FloorDocuments();
    const before = await loadFloorView(t.db, docs);
    const many = Array.from({ length: FLOOR_ORDERS_LISTED + 5 }, (_, i) => mo(2000 + i, { quantity: 10, destination: i === 3 ? 'JP-OSAKA' : 'DE-DC1', articleCode: i === 7 ? 'RABBIT-20' : 'BEAR-30' }));
    await write(many.flatMap((m) => fanOut(m).map((w) => wo(newWorkOrderDoc(w)))));
    const v = await loadFloorView(t.db, docs);
    expect(v.ordersOpen).toBe(before.ordersOpen + many.length);
    expect(v.orders).toHaveLength(FLOOR_ORDERS_LISTED);
    const all = docs.findOrders({ find: '', limit: FLOOR_ORDERS_MAX });
    expect(all.matching).toBe(v.ordersOpen);
    expect(all.orders.map((o) => o.moId)).toEqual([...all.orders.map((o) => o.moId)].sort());
    expect(v.orders).toEqual(all.orders.slice(0, FLOOR_ORDERS_LISTED));

    // The last one created is past the listed ones: found by its MO id (any case), with its places.
    const last = many.at(-1)!;
    expect(v.orders.some((o) => o.moId === last.id)).toBe(false);
    const found = docs.findOrders({ find: last.id.toLowerCase(), limit: FLOOR_ORDERS_LISTED });
    expect(found.matching).toBe(1);
    expect(found.orders[0]).toMatchObject({ moId: last.id, places: expect.arrayContaining([expect.objectContaining({ place: 'cutting', planned: 10 })]) });
    expect(docs.findOrders({ find: 'osaka', limit: 10 }).orders.map((o) => o.moId)).toEqual([many[3]!.id]);
    expect(docs.findOrders({ find: 'Rabbit', limit: 10 }).orders.map((o) => o.moId)).toEqual([many[7]!.id]);
    expect(docs.findOrders({ find: 'no such order', limit: 10 })).toEqual({ orders: [], matching: 0 });
    // `limit` cuts what is sent, not what is counted.
    const cut = docs.findOrders({ find: 'MO-2026-2', limit: 3 });
    expect(cut.orders).toHaveLength(3);
    expect(cut.matching).toBe(many.length);

    // A closed order is gone from the search as from the view.
    await write(fanOut(many[3]!).map((w) => wo({ ...newWorkOrderDoc(w), status: 'closed' })));
    const after = await loadFloorView(t.db, docs);
    expect(after.ordersOpen).toBe(v.ordersOpen - 1);
    expect(docs.findOrders({ find: 'osaka', limit: 10 }).matching).toBe(0);
  });
});
