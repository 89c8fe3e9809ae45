/**
 * Counts never double and never vanish during a multi-batch catch-up. A station records output on two work orders
 * while it cannot pull; the server applies both (three pushes, so its `stationProgress` moves past the documents of
 * the earlier pushes); then the station pulls one document per batch. Local state may only change when the pull
 * cycle reaches the head: at every step each work order shows exactly the 10 pieces recorded, never 20, never 0 —
 * also when the station is stopped in the middle of the cycle and reopened, and when it then finishes the cycle; and
 * also when a cycle is larger than the station gathers in memory (`maxCycleDocuments`), so it is written in parts
 * (held back by the running core until the head).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { PULL_WRITE_CONTEXT } from '../../electron/core/pulled-documents';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { pullGate, watchDocumentWrites } from '../../electron/sync/testing';
import { startTestServer, type ListeningTestServer } from '../../sync-server/testing';

let server: ListeningTestServer | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
});

/**
 * A cutting station with two work orders, in sync; then its pulls are cut off while it records 10 pieces on each and
 * the server applies them (three pushes). Pulls are still cut off when this returns.
 */
async function stationBehindTheServer(maxCycleDocuments?: number, onOpen: (core: StationCore) => void = () => undefined) {
  if (server) await server.close();
  server = await startTestServer();
    const { base, adminPost: post } = server;
    const t = server.db;
    await post('/api/operators', { id: 'OP-CUT1', name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
    const M1 = mo(1, { quantity: 100 });
    const M2 = mo(2, { quantity: 100 });
    await post('/api/manufacturing-orders', M1);
    await post('/api/manufacturing-orders', M2);
    const W1 = workOrderIdFor(M1.id, 'cutting');
    const W2 = workOrderIdFor(M2.id, 'cutting');
    const { code } = await post('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });

    // Pulls (and the live stream) can be held off while pushes go through, or cut after so many answers.
    const { gate, fetch: gated } = pullGate();
    const tmp = tempDir('qsf-pullcycle-');
    cleanups.push(tmp.cleanup);
    const config = stationConfig('cutting', tmp.dir, { serverUrl: base, enrollmentCode: String(code) });
    const core = await StationCore.open(config);
    onOpen(core);
    const watched = watchCounts(core, W1, W2);
    const sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, fetch: gated, pullBatchSize: 1, pushBatchSize: 1, maxCycleDocuments });
    await sync.awaitInSync(30_000);

    gate.pullsBlocked = true;
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    for (const w of [W1, W2]) {
      await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: w, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 10 } } });
    }
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [row] = await t.db.query<{ last_applied_seq: number }>("SELECT last_applied_seq FROM station_progress WHERE station_id = 'ST-CUT-1'");
      if (Number(row?.last_applied_seq ?? 0) >= 3) break;
      if (Date.now() > deadline) throw new Error('the server never applied the pushes');
      await new Promise((r) => setTimeout(r, 50));
    }
    watched.seen.length = 0;
    gate.pullsAnswered = 0;
    gate.pullsRefused = 0;
    return { core, sync, gate, seen: watched.seen, config, W1, W2, gated };
}

/** Records both work orders' cut quantity after every applyPulled (each pulled cycle, or part of one). */
function watchCounts(core: StationCore, W1: string, W2: string) {
  const seen: [number | undefined, number | undefined][] = [];
  core.subscribe('view', () => undefined); // keep views flowing
  const original = core.applyPulled.bind(core);
  core.applyPulled = async (...args: Parameters<StationCore['applyPulled']>) => {
    const rewound = await original(...args);
    seen.push([core.state.workOrder[W1]?.stageQty.cut, core.state.workOrder[W2]?.stageQty.cut]);
    return rewound;
  };
  return { seen };
}

/** Every write to the station's documents collection: its context and the keys it wrote. */
function watchWrites(core: StationCore) {
  const watched = watchDocumentWrites(core);
  cleanups.push(watched.stop);
  return watched;
}

const cuts = (core: StationCore, W1: string, W2: string) => [core.state.workOrder[W1]?.stageQty.cut, core.state.workOrder[W2]?.stageQty.cut];

describe('pull cycles', () => {
  it.each([
    ['gathered whole in memory', undefined],
    ['written in parts of one document, held back by the core', 1],
  ])('a catch-up pulled one document per batch never shows an event twice or not at all (%s)', async (_, maxCycleDocuments) => {
    const { core, sync, gate, seen } = await stationBehindTheServer(maxCycleDocuments);
    cleanups.push(() => core.close(), () => sync.stop());
    gate.pullsBlocked = false;
    await sync.awaitInSync(30_000);

    expect(gate.pullsAnswered).toBeGreaterThan(2); // several batches really were pulled
    expect(seen.length).toBeGreaterThan(0);
    for (const [a, b] of seen) expect([a, b]).toEqual([10, 10]);
    expect(core.pendingCount).toBe(0);
    await sync.stop();
    await core.close(); // the next test opens a station of the same id in this process
  }, 90_000);

  it('each pulled document is written to the documents collection once per pull, by the core; a re-pull of what the station has writes nothing', async () => {
    let watched: ReturnType<typeof watchWrites> | undefined;
    const { core, sync, gate, W1, W2, gated } = await stationBehindTheServer(undefined, (c) => (watched = watchWrites(c)));
    cleanups.push(() => core.close(), () => sync.stop());
    if (!watched) throw new Error('not watching');
    const { writes, perKey } = watched;
    // The first sync: roster, station, keys, work orders, progress; every one written once.
    expect(writes.length).toBeGreaterThan(0);
    expect([...perKey().values()].every((n) => n === 1)).toBe(true);
    expect(perKey().get(`workOrder:${W1}`)).toBe(1);

    // The catch-up (three server transactions, pulled one document per batch): what changed is written once more.
    const before = writes.length;
    gate.pullsBlocked = false;
    await sync.awaitInSync(30_000);
    expect(gate.pullsAnswered).toBeGreaterThan(2);
    const caughtUp = perKey(before);
    expect(caughtUp.get(`workOrder:${W1}`)).toBe(1);
    expect(caughtUp.get(`workOrder:${W2}`)).toBe(1);
    expect(caughtUp.get('stationProgress:ST-CUT-1')).toBe(1);
    expect([...caughtUp.values()].every((n) => n === 1)).toBe(true);

    // A new replication (empty checkpoint) pulls everything again: all of it is stored as pulled, nothing is written.
    await sync.stop();
    const settled = writes.length;
    const again = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, fetch: gated, replicationSuffix: ':again' });
    cleanups.push(() => again.stop());
    await again.awaitInSync(30_000);
    expect(writes.slice(settled)).toEqual([]);
    // Every write was the core's (none by RxDB's replication).
    expect(new Set(writes.map((w) => w.context))).toEqual(new Set([PULL_WRITE_CONTEXT]));
    expect(cuts(core, W1, W2)).toEqual([10, 10]);
    await again.stop();
    await core.close();
  }, 90_000);

  it('a station stopped in the middle of a catch-up reopens on its last complete cycle, then finishes it', async () => {
    const { core, sync, gate, config, W1, W2, gated } = await stationBehindTheServer();
    // Exactly one batch (one work order, without the progress that accounts for it) reaches the station; the next
    // pull request fails, and the station is stopped.
    gate.pullsAllowed = 1;
    gate.pullsBlocked = false;
    const deadline = Date.now() + 20_000;
    while (gate.pullsRefused < 2) {
      if (Date.now() > deadline) throw new Error('the cut-off pull never happened');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(gate.pullsAnswered).toBe(1);
    await sync.stop();
    await core.close();

    const reopened = await StationCore.open(config);
    cleanups.push(() => reopened.close());
    expect(cuts(reopened, W1, W2)).toEqual([10, 10]);

    const watched = watchCounts(reopened, W1, W2);
    gate.pullsAllowed = Infinity;
    const resumed = startSync(reopened, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, fetch: gated, pullBatchSize: 1, pushBatchSize: 1 });
    cleanups.push(() => resumed.stop());
    await resumed.awaitInSync(30_000);
    for (const [a, b] of watched.seen) expect([a, b]).toEqual([10, 10]);
    expect(cuts(reopened, W1, W2)).toEqual([10, 10]);
    expect(reopened.pendingCount).toBe(0);
  }, 90_000);
});
