/**
 * The Floor's order search (order-search.ts): typing is waited out, one read at a time, a Floor that keeps changing
 * while a read runs makes one more read after it (not one per change), a late answer for a search given up is
 * dropped, and a failed read is said and tried again when the Floor next changes.
 */
import { describe, expect, it } from 'vitest';
import { FLOOR_ORDERS_LISTED, type FloorOrders } from '../../sync-server/dashboard/contract';
import { NOT_SEARCHING, OrderSearch, type OrderAsk, type OrderSearchState } from './order-search';

const TIMING = { settleMs: 20, minGapMs: 30, bigGapMs: 300 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server whose reads the test answers by hand, in order. */
function server() {
  const reads: { ask: OrderAsk; at: number; answer(found: FloorOrders): void; fail(err: Error): void }[] = [];
  const states: OrderSearchState[] = [];
  const search = new OrderSearch(
    (ask) => new Promise<FloorOrders>((answer, fail) => reads.push({ ask, at: Date.now(), answer, fail })),
    (s) => states.push(s),
    (err) => (err instanceof Error ? err.message : 'error'),
    TIMING,
  );
  return { reads, states, search };
}
const found = (moId: string, matching = 1): FloorOrders => ({ orders: [{ moId, articleCode: 'BEAR-30', route: 'R1', destination: 'DE-DC1', shipWeek: '2026-W50', places: [], inTransit: 0 }], matching });

describe('OrderSearch', () => {
  it('waits out the typing: one read, for what was typed last', async () => {
    const { reads, search } = server();
    for (const find of ['M', 'MO', 'MO-7']) search.set({ find, limit: FLOOR_ORDERS_LISTED }, 'a1');
    expect(search.current.ask).toEqual({ find: 'MO-7', limit: FLOOR_ORDERS_LISTED });
    await sleep(TIMING.settleMs * 3);
    expect(reads.map((r) => r.ask.find)).toEqual(['MO-7']);
    expect(search.current.busy).toBe(true);
    reads[0]!.answer(found('MO-7'));
    await sleep(1);
    expect(search.current).toMatchObject({ found: found('MO-7'), foundFor: { find: 'MO-7' }, busy: false, failed: null });
    search.close();
  });

  it('reads again as the Floor changes, one read at a time: changes during a read make one more read', async () => {
    const { reads, search } = server();
    const ask = { find: 'BEAR', limit: FLOOR_ORDERS_LISTED };
    search.set(ask, 'a1');
    await sleep(TIMING.settleMs * 2);
    expect(reads).toHaveLength(1);
    for (const at of ['a2', 'a3', 'a4']) search.set(ask, at);
    await sleep(TIMING.minGapMs * 2);
    expect(reads).toHaveLength(1);
    reads[0]!.answer(found('MO-1'));
    await expect.poll(() => reads.length, { timeout: TIMING.minGapMs * 20, interval: 5 }).toBe(2);
    reads[1]!.answer(found('MO-2'));
    await sleep(TIMING.minGapMs * 3);
    // Nothing changed since: no third read.
    expect(reads).toHaveLength(2);
    expect(search.current.found).toEqual(found('MO-2'));
    // The same `at` again (a re-render): no read.
    search.set(ask, 'a4');
    await sleep(TIMING.minGapMs * 2);
    expect(reads).toHaveLength(2);
    search.close();
  });

  it('a search given up drops its late answer; a new search keeps the last answer shown until its own arrives', async () => {
    const { reads, search, states } = server();
    search.set({ find: 'MO-1', limit: FLOOR_ORDERS_LISTED }, 'a1');
    await sleep(TIMING.settleMs * 2);
    search.set(null, 'a1');
    expect(search.current).toEqual(NOT_SEARCHING);
    reads[0]!.answer(found('MO-1'));
    await sleep(1);
    expect(search.current.found).toBeNull();
    expect(states.at(-1)?.ask).toBeNull();

    search.set({ find: 'MO-2', limit: FLOOR_ORDERS_LISTED }, 'a1');
    await sleep(TIMING.settleMs * 2);
    reads.at(-1)!.answer(found('MO-2'));
    await sleep(1);
    search.set({ find: 'MO-3', limit: FLOOR_ORDERS_LISTED }, 'a1');
    expect(search.current).toMatchObject({ ask: { find: 'MO-3' }, foundFor: { find: 'MO-2' } });
    await sleep(TIMING.settleMs * 2);
    reads.at(-1)!.answer(found('MO-3'));
    await sleep(1);
    expect(search.current.foundFor).toEqual({ find: 'MO-3', limit: FLOOR_ORDERS_LISTED });
    search.close();
  });

  it('a failed read is said, and tried again when the Floor next changes', async () => {
    const { reads, search } = server();
    const ask = { find: 'MO-1', limit: FLOOR_ORDERS_LISTED };
    search.set(ask, 'a1');
    await sleep(TIMING.settleMs * 2);
    reads[0]!.fail(new Error('unreachable'));
    await sleep(TIMING.minGapMs * 2);
    expect(search.current).toMatchObject({ failed: 'unreachable', busy: false, found: null });
    expect(reads).toHaveLength(1);
    search.set(ask, 'a2');
    await sleep(5);
    expect(reads).toHaveLength(2);
    reads[1]!.answer(found('MO-1', 2_000));
    await sleep(1);
    expect(search.current).toMatchObject({ failed: null, found: { matching: 2_000 } });
    search.close();
  });

  it('"show all" (more than the Floor lists) is read again no sooner than bigGapMs after the last read, however often the Floor changes', async () => {
    const { reads, search } = server();
    const ask = { find: '', limit: 20_000 };
    search.set(ask, 'a1');
    await sleep(TIMING.settleMs * 2);
    const answeredAt = Date.now();
    reads[0]!.answer(found('MO-1', 2_000));
    let n = 0;
    while (reads.length === 1 && Date.now() - answeredAt < TIMING.bigGapMs * 4) {
      search.set(ask, `b${++n}`);
      await sleep(10);
    }
    expect(reads).toHaveLength(2);
    expect(n).toBeGreaterThan(5);
    expect(reads[1]!.at - answeredAt).toBeGreaterThanOrEqual(TIMING.bigGapMs - 2);
    reads[1]!.answer(found('MO-1', 2_000));
    // A search of the listed size follows the Floor within minGapMs.
    search.set({ find: 'MO-1', limit: FLOOR_ORDERS_LISTED }, 'c1');
    await sleep(TIMING.settleMs + TIMING.minGapMs);
    expect(reads.map((r) => r.ask.limit)).toEqual([20_000, 20_000, FLOOR_ORDERS_LISTED]);
    reads[2]!.answer(found('MO-1'));
    await sleep(1);
    search.set({ find: 'MO-1', limit: FLOOR_ORDERS_LISTED }, 'c2');
    await sleep(TIMING.minGapMs * 2);
    expect(reads).toHaveLength(4);
    search.close();
  });
});
