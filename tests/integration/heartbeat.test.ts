/** Device health and backlog reach the office: the station's heartbeat lands in the stations table and metrics. */
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { StationCore } from '../../electron/core/station-core';
import { stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { buildApp } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';

let t: TestDb;
let app: FastifyInstance;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await app?.close();
  await t?.cleanup();
});

describe('station heartbeat', () => {
  it('reports backlog and device health to the server, and again soon after a device drops', async () => {
    t = await createTestDb();
    app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const res = await fetch(`${base}/api/enrollment-codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stationId: 'ST-FIN-1', department: 'finishing' }),
    });
    const { code } = (await res.json()) as { code: string };
    const tmp = tempDir('qsf-hb-');
    const core = await StationCore.open(stationConfig('finishing', tmp.dir, { serverUrl: base, enrollmentCode: code }));
    const device = { deviceId: 'MD01', kind: 'framed-detector', connected: true, lastFrameAt: null, faults: 0, errors: 0, reconnects: 0, message: null };
    core.setHardware([device]);
    const sync = startSync(core, { heartbeatMs: 60_000, retryTimeMs: 100 });
    cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());

    const row = async () => (await t.db.query<{ devices: { deviceId: string; connected: boolean }[] | null; backlog: number | null }>("SELECT devices, backlog FROM stations WHERE id = 'ST-FIN-1'"))[0];
    const until = async (ok: () => Promise<boolean>) => {
      const deadline = Date.now() + 20_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error('heartbeat never arrived');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(async () => (await row())?.devices?.[0]?.connected === true);
    expect((await row())?.backlog).toBe(0);
    // The cable is pulled: the office knows within seconds, not at the next minute's beat.
    core.setHardware([{ ...device, connected: false, message: 'port closed' }]);
    await until(async () => (await row())?.devices?.[0]?.connected === false);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('qsf_device_connected{device="MD01",station="ST-FIN-1"} 0');
  }, 60_000);
});
