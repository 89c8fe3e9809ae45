/**
 * Counts never double and never vanish during a multi-batch catch-up. A station records output on two work orders
 * while it cannot pull; the server applies both (three pushes, so its `stationProgress` moves past the documents of
 * the earlier pushes); then the station pulls one document per batch. Local state may only change when the pull
 * cycle reaches the head: at every step each work order shows exactly the 10 pieces recorded, never 20, never 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type Fetch } from '../../electron/sync';
import { startTestServer, type ListeningTestServer } from '../../sync-server/testing';

let server: ListeningTestServer | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
});

describe('pull cycles', () => {
  it('a catch-up pulled one document per batch never shows an event twice or not at all', async () => {
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

    // Pulls (and the live stream) can be held off while pushes go through.
    let pullsBlocked = false;
    const gated: Fetch = async (input, init) => {
      const url = String(input);
      if (pullsBlocked && (url.includes('/api/pull') || url.includes('/api/stream'))) throw new TypeError('fetch failed');
      return fetch(input, init);
    };
    const tmp = tempDir('qsf-pullcycle-');
    const core = await StationCore.open(stationConfig('cutting', tmp.dir, { serverUrl: base, enrollmentCode: String(code) }));
    cleanups.push(tmp.cleanup, () => core.close());
    const seen: [number | undefined, number | undefined][] = [];
    core.subscribe('view', () => undefined); // keep views flowing
    const original = core.documentsChanged.bind(core);
    core.documentsChanged = async (...args: Parameters<StationCore['documentsChanged']>) => {
      await original(...args);
      seen.push([core.state.workOrder[W1]?.stageQty.cut, core.state.workOrder[W2]?.stageQty.cut]);
    };
    const sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, fetch: gated, pullBatchSize: 1, pushBatchSize: 1 });
    cleanups.push(() => sync.stop());
    await sync.awaitInSync(30_000);

    pullsBlocked = true;
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
    seen.length = 0;
    pullsBlocked = false;
    await sync.awaitInSync(30_000);

    expect(seen.length).toBeGreaterThan(1); // several batches really were pulled
    for (const [a, b] of seen) expect([a, b]).toEqual([10, 10]);
    expect(core.pendingCount).toBe(0);
  }, 90_000);
});
