/**
 * Duplicate delivery after reconnect (issue 16, faults): two stations sync through a proxy that delivers every
 * connection's requests to the server a second time once the connection closes (pushes, pulls, the live stream, the
 * enrollment), and resets all connections every so often so the stations reconnect while the copies arrive. Cutting
 * records and hands over, embroidery accepts. Afterwards: every event once on the server and applied, the order's
 * counts as recorded (nothing applied twice), the transfer accepted once, both stations equal to the server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type SyncClient } from '../../electron/sync';
import { startTestServer } from '../../sync-server/testing';
import { createTcpProxy } from './tcp-proxy';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('duplicate delivery after reconnect', () => {
  it('every request delivered twice and connections reset: each event applied once, the transfer accepted once', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    const proxy = await createTcpProxy(Number(new URL(server.base).port));
    cleanups.push(() => proxy.close());
    proxy.setMode({ kind: 'duplicate' });
    for (const d of ['cutting', 'embroidery'] as const) {
      await server.adminPost('/api/operators', { id: `OP-${d === 'cutting' ? 'CUT' : 'EMB'}1`, name: d, roles: ['operator'], departments: [d], pin: TEST_PIN });
    }
    const M = mo(41, { route: 'R1', quantity: 100 });
    await server.adminPost('/api/manufacturing-orders', M);

    const open = async (d: Department, code: string): Promise<{ core: StationCore; sync: SyncClient }> => {
      const { code: enrollment } = await server.adminPost('/api/enrollment-codes', { stationId: `ST-${code}-1`, department: d });
      const tmp = tempDir('qsf-dup-');
      const core = await StationCore.open(stationConfig(d, tmp.dir, { serverUrl: proxy.url, enrollmentCode: String(enrollment) }));
      const sync = startSync(core, { retryTimeMs: 50, pushBatchSize: 4, requestTimeoutMs: 2_000, reconnect: { initialMs: 50, maxMs: 300 } });
      cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());
      await sync.awaitInSync(20_000);
      await core.call('session.login', { badge: `B:OP-${code}1`, pin: TEST_PIN });
      return { core, sync };
    };
    const cutting = await open('cutting', 'CUT');
    const embroidery = await open('embroidery', 'EMB');

    // Every 400 ms all connections are reset for 100 ms: the stations reconnect, the copies of what they sent arrive.
    let resetting = true;
    const resets = (async () => {
      while (resetting) {
        await new Promise((r) => setTimeout(r, 400));
        proxy.setMode({ kind: 'cut' });
        await new Promise((r) => setTimeout(r, 100));
        proxy.setMode({ kind: 'duplicate' });
      }
    })();
    const CUT = workOrderIdFor(M.id, 'cutting');
    const EMB = workOrderIdFor(M.id, 'embroidery');
    for (let i = 0; i < 30; i++) {
      await cutting.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: CUT, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } } });
      await new Promise((r) => setTimeout(r, 20));
    }
    const { transferId } = await cutting.core.call('transfer.create', { workOrderId: CUT, quantity: 30 });
    const deadline = Date.now() + 30_000;
    while (!embroidery.core.view().incoming.some((x) => x.id === transferId)) {
      if (Date.now() > deadline) throw new Error('the transfer never reached embroidery');
      await new Promise((r) => setTimeout(r, 50));
    }
    await embroidery.core.call('transfer.accept', { transferId, countedQty: 30 });
    await new Promise((r) => setTimeout(r, 1_000));
    resetting = false;
    await resets;
    proxy.setMode({ kind: 'duplicate' });
    await cutting.sync.awaitInSync(30_000);
    await embroidery.sync.awaitInSync(30_000);
    // Let the last copies arrive before counting.
    await new Promise((r) => setTimeout(r, 3_500));
    expect(proxy.replays, 'requests were delivered twice').toBeGreaterThan(10);

    const rows = await server.db.db.query<{ station_id: string; n: number; applied: number; max_seq: number }>(
      "SELECT station_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'applied')::int AS applied, max(seq)::int AS max_seq FROM events GROUP BY station_id ORDER BY station_id",
    );
    expect(rows.map((r) => [r.station_id, r.n, r.applied, r.max_seq])).toEqual([
      ['ST-CUT-1', cutting.core.lastSequence, cutting.core.lastSequence, cutting.core.lastSequence],
      ['ST-EMB-1', embroidery.core.lastSequence, embroidery.core.lastSequence, embroidery.core.lastSequence],
    ]);
    const doc = async (id: string) =>
      (await server.db.db.query<{ body: { stageQty: Record<string, number>; sentQty: number; receivedQty: number } }>("SELECT body FROM documents WHERE kind = 'workOrder' AND id = $1", [id]))[0]?.body;
    expect((await doc(CUT))?.stageQty.cut).toBe(30);
    expect((await doc(CUT))?.sentQty).toBe(30);
    expect((await doc(EMB))?.receivedQty).toBe(30);
    const [transfer] = await server.db.db.query<{ status: string }>("SELECT body->>'status' AS status FROM documents WHERE kind = 'transfer' AND id = $1", [transferId]);
    expect(transfer?.status).toBe('accepted');
    expect(cutting.core.state.workOrder[CUT]?.stageQty.cut).toBe(30);
    expect(embroidery.core.state.workOrder[EMB]?.receivedQty).toBe(30);
    expect(cutting.core.state.transfer[transferId]?.status).toBe('accepted');
  }, 120_000);
});
