/**
 * A station's database copied to a new PC (issue 16, faults): the old PC's data directory (SQLite file, signing key,
 * sync token) restored on a new one from a copy taken earlier, after the old PC had recorded and pushed more. The new
 * PC, the same station to the server, must never reuse a seq the server already holds for other events (it learns
 * the server's progress by pull before it records), gets the later work through the server's documents, and goes on:
 * every event once on the server, nothing refused, the new PC equal to the server.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { startTestServer } from '../../sync-server/testing';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("a station's database copied to a new PC", () => {
  it('from an older copy: no seq reused, the later work arrives from the server, and the new PC goes on', async () => {
    const server = await startTestServer();
    cleanups.push(() => server.close());
    await server.adminPost('/api/operators', { id: 'OP-CUT1', name: 'cutting', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
    const M = mo(51, { route: 'R2', quantity: 1_000 });
    await server.adminPost('/api/manufacturing-orders', M);
    const WO = workOrderIdFor(M.id, 'cutting');
    const { code } = await server.adminPost('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });
    const t = tempDir('qsf-copy-');
    cleanups.push(t.cleanup);
    const oldPc = join(t.dir, 'old-pc');
    const newPc = join(t.dir, 'new-pc');

    /** A session at the station: open, sync, log in, record `n` pieces, get in sync, close. */
    const shift = async (dataDir: string, n: number, enrollmentCode?: string) => {
      const core = await StationCore.open(stationConfig('cutting', dataDir, { serverUrl: server.base, ...(enrollmentCode ? { enrollmentCode } : {}) }));
      const sync = startSync(core, { retryTimeMs: 50 });
      try {
        await sync.awaitInSync(20_000);
        await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
        for (let i = 0; i < n; i++) {
          await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } } });
        }
        await sync.awaitInSync(20_000);
        return { lastSeq: core.lastSequence, cut: core.state.workOrder[WO]?.stageQty.cut, refused: core.view().refused };
      } finally {
        await sync.stop();
        await core.close();
      }
    };

    const first = await shift(oldPc, 10, String(code));
    cpSync(oldPc, newPc, { recursive: true }); // IT's copy, taken after the first shift
    const second = await shift(oldPc, 10); // the old PC works on, then dies
    expect(second.lastSeq).toBeGreaterThan(first.lastSeq);

    // The new PC from the older copy: it had seq `first.lastSeq`; the server holds up to `second.lastSeq`.
    const third = await shift(newPc, 5);
    expect(third.lastSeq, 'no seq the server holds is reused').toBeGreaterThan(second.lastSeq);
    expect(third.refused).toEqual([]);
    expect(third.cut, 'the old PC\'s later work arrived from the server').toBe(25);
    const rows = await server.db.db.query<{ n: number; applied: number; distinct_seqs: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'applied')::int AS applied, count(DISTINCT seq)::int AS distinct_seqs FROM events WHERE station_id = 'ST-CUT-1' AND type = 'cutting.output'",
    );
    expect(rows[0]).toEqual({ n: 25, applied: 25, distinct_seqs: 25 });
    const [doc] = await server.db.db.query<{ cut: number }>("SELECT (body->'stageQty'->>'cut')::int AS cut FROM documents WHERE kind = 'workOrder' AND id = $1", [WO]);
    expect(doc?.cut).toBe(25);
  }, 120_000);
});
