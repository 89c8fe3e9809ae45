/**
 * An operator deactivated while a station works offline: a real sync server (TEST_DATABASE_URL, else PGlite) and a real
 * station core filled only by what it pulls. Work recorded while the station's roster had the operator active counts
 * on the server, flagged for review (recorded before the deactivation, or after it but before the station could
 * know); once the station has pulled the deactivation it refuses the operator itself.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrderDoc } from '../../shared/docs';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { partitionableFetch } from '../../electron/sync/testing';
import { buildApp } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
let t: TestDb;
let app: FastifyInstance;
let baseUrl = '';
const cleanups: (() => Promise<unknown> | unknown)[] = [];

async function adminPost(url: string, payload: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${url}`, { method: 'POST', headers: admin, body: JSON.stringify(payload) });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

const operator = (id: string, active: boolean) => ({ id, name: id, roles: ['operator'], departments: ['cutting'], pin: TEST_PIN, active });

beforeAll(async () => {
  t = await createTestDb();
  app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await app?.close();
  await t?.cleanup();
});

describe(`an operator deactivated while the station is offline (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('work done while the station had them on its roster counts, flagged; after it pulled the deactivation, refused at the station', async () => {
    await adminPost('/api/operators', operator('OP-CUTX', true));
    await adminPost('/api/operators', operator('OP-CUTY', true));
    const M = mo(41, { route: 'R1', quantity: 100 });
    await adminPost('/api/manufacturing-orders', M);
    const W = workOrderIdFor(M.id, 'cutting');
    const { code } = await adminPost('/api/enrollment-codes', { stationId: 'ST-CUT-41', department: 'cutting', lineId: 'LN-CUT-41' });
    const tmp = tempDir('qsf-roster-');
    cleanups.push(tmp.cleanup);
    const cfg = stationConfig('cutting', tmp.dir, { stationId: 'ST-CUT-41', lineId: 'LN-CUT-41', serverUrl: baseUrl, enrollmentCode: String(code) });
    const core = await StationCore.open(cfg, { devMode: true });
    cleanups.push(() => core.close());
    const net = partitionableFetch();
    const sync = startSync(core, { retryTimeMs: 150, reconnect: { initialMs: 50, maxMs: 500 }, streamIdleTimeoutMs: 5_000, fetch: net.fetch });
    cleanups.push(() => sync.stop());
    await sync.awaitInSync(20_000);
    const cut = (qty: number) => core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: W, lineId: 'LN-CUT-41', size: 'M', part: 'body', goodQty: qty } } });

    net.cut();
    // X records, then the office deactivates X.
    await core.call('session.login', { badge: 'B:OP-CUTX', pin: TEST_PIN });
    await cut(5);
    await cut(6);
    await core.call('session.logout', {});
    await adminPost('/api/operators', operator('OP-CUTX', false));
    // The office deactivates Y first; the station, still cut off, cannot know and lets Y work.
    await adminPost('/api/operators', operator('OP-CUTY', false));
    await core.call('session.login', { badge: 'B:OP-CUTY', pin: TEST_PIN });
    await cut(7);
    await core.call('session.logout', {});
    const recorded = core.lastSequence;
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(18);

    net.heal();
    await sync.awaitInSync(20_000);
    const rows = await t.db.query<{ seq: string; status: string; flag: { code: string } | null; type: string }>(
      'SELECT seq, status, flag, type FROM events WHERE station_id = $1 ORDER BY seq',
      ['ST-CUT-41'],
    );
    expect(rows).toHaveLength(recorded);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'applied'));
    // Every event of the operators who have left the roster is flagged for review.
    expect(rows.map((r) => r.flag?.code ?? null)).toEqual(rows.map(() => 'unknown_operator'));
    const [wo] = await t.db.query<{ body: WorkOrderDoc }>("SELECT body FROM documents WHERE kind = 'workOrder' AND id = $1", [W]);
    expect(wo?.body.stageQty.cut).toBe(18);
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(18);
    expect(core.view().refused).toEqual([]);
    expect(core.pendingCount).toBe(0);

    // The station has pulled both deactivations: neither operator can log in there any more.
    await expect(core.call('session.login', { badge: 'B:OP-CUTX', pin: TEST_PIN })).rejects.toMatchObject({ error: { code: 'unauthenticated' } });
    await expect(core.call('session.login', { badge: 'B:OP-CUTY', pin: TEST_PIN })).rejects.toMatchObject({ error: { code: 'unauthenticated' } });
  });
});
