/**
 * RxDB's pull replication is handed only what its checkpoint needs (pull-cycle.ts `forRxdb`), not the whole cycle the
 * core wrote: it must still store the checkpoint of every cycle. A station that synced, stopped and started again
 * asks the server for what came after its last cycle (not everything again), and its documents were written by the
 * core alone, once each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mo } from '../../shared/testing/fixtures';
import { PULL_WRITE_CONTEXT } from '../core/pulled-documents';
import { StationCore } from '../core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../core/testing';
import { startTestServer, type ListeningTestServer } from '../../sync-server/testing';
import type { Fetch } from './http';
import { startSync } from './index';
import { watchDocumentWrites } from './testing';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the pull checkpoint', () => {
  it('is stored for every cycle: a restarted sync pulls from where the last one ended, and RxDB wrote no document', async () => {
    const server: ListeningTestServer = await startTestServer();
    cleanups.push(() => server.close());
    await server.adminPost('/api/operators', { id: 'OP-CUT1', name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
    for (let n = 1; n <= 5; n++) await server.adminPost('/api/manufacturing-orders', mo(n, { quantity: 100 }));
    const { code } = await server.adminPost('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });

    const pulls: URLSearchParams[] = [];
    const counting: Fetch = async (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === '/api/pull') pulls.push(url.searchParams);
      return fetch(input, init);
    };
    const tmp = tempDir('qsf-pull-checkpoint-');
    cleanups.push(tmp.cleanup);
    const core = await StationCore.open(stationConfig('cutting', tmp.dir, { serverUrl: server.base, enrollmentCode: String(code) }));
    cleanups.push(() => core.close());
    const { writes, stop } = watchDocumentWrites(core);
    cleanups.push(stop);

    // Batches of 2: the first cycle (roster, station, 5 work orders, …) is several batches, more than RxDB is handed.
    const opts = { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, fetch: counting, pullBatchSize: 2 };
    const first = startSync(core, opts);
    await first.awaitInSync(30_000);
    await first.stop();
    const workOrders = Object.keys(core.state.workOrder).length;
    expect(workOrders).toBe(5);
    const written = writes.flatMap((w) => w.keys);
    expect(written.length).toBeGreaterThan(2);
    expect(new Set(written).size).toBe(written.length); // each document once
    expect(new Set(writes.map((w) => w.context))).toEqual(new Set([PULL_WRITE_CONTEXT]));
    const lastCheckpoint = Math.max(...pulls.map((q) => Number(q.get('checkpoint') ?? 0)));
    expect(lastCheckpoint).toBeGreaterThan(0);

    // Started again (same replication): it asks from its stored checkpoint, and finds nothing new to write.
    const asked = pulls.length;
    const again = startSync(core, opts);
    cleanups.push(() => again.stop());
    await again.awaitInSync(30_000);
    const resumed = pulls.slice(asked);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((q) => Number(q.get('checkpoint')) >= lastCheckpoint)).toBe(true);
    expect(writes.flatMap((w) => w.keys)).toEqual(written);
    expect(Object.keys(core.state.workOrder)).toHaveLength(workOrders);
  }, 60_000);
});
