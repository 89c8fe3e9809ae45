/**
 * Clocks lie: a cutting station whose clock is a day fast and an embroidery station a day slow hand goods over.
 * Nothing is lost, the server orders by its own sequence (not by the stations' HLCs), the transfer is accepted once,
 * and the skew is visible (metrics and the stations table) without poisoning anything.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hlcWallTime } from '../../shared/hlc';
import { PLACE_CODE, workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { buildApp } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';

const DAY = 86_400_000;
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
let t: TestDb;
let app: FastifyInstance;
let base = '';
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  t = await createTestDb();
  app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await app?.close();
  await t?.cleanup();
});

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function station(d: Department, offsetMs: number) {
  const id = `ST-${CODE[d]}-1`;
  const { code } = await post('/api/enrollment-codes', { stationId: id, department: d });
  const tmp = tempDir('qsf-skew-');
  const core = await StationCore.open(stationConfig(d, tmp.dir, { serverUrl: base, enrollmentCode: String(code) }), { now: () => Date.now() + offsetMs });
  const sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 500 } });
  cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());
  await sync.awaitInSync(20_000);
  await core.call('session.login', { badge: `B:OP-${CODE[d]}1`, pin: TEST_PIN });
  return { core, sync };
}

describe('clock skew', () => {
  it('a station a day fast and one a day slow: ordered by the server, nothing lost, skew shown', async () => {
    for (const d of ['cutting', 'embroidery'] as const) {
      await post('/api/operators', { id: `OP-${CODE[d]}1`, name: d, roles: ['operator'], departments: [d], pin: TEST_PIN });
    }
    const M = mo(31, { route: 'R1', quantity: 40 });
    await post('/api/manufacturing-orders', M);
    const fast = await station('cutting', DAY);
    const slow = await station('embroidery', -DAY);

    await fast.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(M.id, 'cutting'), lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 40 } } });
    const { transferId } = await fast.core.call('transfer.create', { workOrderId: workOrderIdFor(M.id, 'cutting'), quantity: 40 });
    await fast.sync.awaitInSync(20_000);
    const deadline = Date.now() + 10_000;
    while (!slow.core.view().incoming.some((x) => x.id === transferId)) {
      if (Date.now() > deadline) throw new Error('transfer never arrived');
      await new Promise((r) => setTimeout(r, 20));
    }
    // The slow station's accept carries an HLC two days "before" the LOCK it answers.
    await slow.core.call('transfer.accept', { transferId, countedQty: 40 });
    await slow.sync.awaitInSync(20_000);
    await fast.sync.awaitInSync(20_000);

    const rows = await t.db.query<{ station_id: string; type: string; hlc: string; server_seq: number; status: string }>(
      "SELECT station_id, type, hlc, server_seq, status FROM events WHERE type IN ('transfer.created', 'transfer.accepted') ORDER BY server_seq",
    );
    expect(rows.map((r) => [r.type, r.status])).toEqual([
      ['transfer.created', 'applied'],
      ['transfer.accepted', 'applied'],
    ]);
    // By HLC the acceptance would come first: the server's order does not depend on station clocks.
    const [created, accepted] = rows;
    expect(hlcWallTime(accepted!.hlc)).toBeLessThan(hlcWallTime(created!.hlc) - DAY);
    expect(fast.core.state.transfer[transferId]?.status).toBe('accepted');
    expect(slow.core.state.workOrder[workOrderIdFor(M.id, 'embroidery')]?.receivedQty).toBe(40);
    expect(fast.core.pendingCount + slow.core.pendingCount).toBe(0);

    // Every event each station recorded is on the server.
    for (const s of [fast, slow]) {
      const local = (await s.core.eventsAfter(0)).length;
      const [remote] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE station_id = $1', [s.core.station.id]);
      expect(remote?.n).toBe(local);
    }

    // The skew is shown: metrics and the stations table (what the dashboard reads).
    const skews = await t.db.query<{ id: string; clock_skew_ms: number }>('SELECT id, clock_skew_ms FROM stations ORDER BY id');
    const byId = new Map(skews.map((r) => [r.id, Number(r.clock_skew_ms)]));
    expect(Math.abs((byId.get('ST-CUT-1') ?? 0) - DAY)).toBeLessThan(60_000);
    expect(Math.abs((byId.get('ST-EMB-1') ?? 0) + DAY)).toBeLessThan(60_000);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/qsf_station_clock_skew_seconds\{station="ST-CUT-1"\} 86\d{3}/);
    expect(metrics).toMatch(/qsf_station_clock_skew_seconds\{station="ST-EMB-1"\} -86\d{3}/);
  }, 120_000);
});
