/** Device health and backlog reach the office: the station's heartbeat lands in the stations table and metrics. */
import { afterAll, describe, expect, it } from 'vitest';
import { StationCore } from '../../electron/core/station-core';
import { stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { startTestServer, type ListeningTestServer } from '../../sync-server/testing';

let server: ListeningTestServer | undefined;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await server?.close();
});

describe('station heartbeat', () => {
  it('reports backlog and device health to the server, and again soon after a device drops', async () => {
    server = await startTestServer();
    const { base } = server;
    const t = server.db;
    const { code } = (await server.adminPost('/api/enrollment-codes', { stationId: 'ST-FIN-1', department: 'finishing' })) as { code: string };
    const tmp = tempDir('qsf-hb-');
    const core = await StationCore.open(stationConfig('finishing', tmp.dir, { serverUrl: base, enrollmentCode: code }));
    const device = { deviceId: 'MD01', kind: 'framed-detector', connected: true, lastFrameAt: null, faults: 0, errors: 0, reconnects: 0, message: null };
    core.setHardware([device]);
    const sync = startSync(core, { heartbeatMs: 60_000, retryTimeMs: 100, appVersion: '1.4.2' });
    cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());

    const row = async () =>
      (await t.db.query<{ devices: { deviceId: string; connected: boolean }[] | null; backlog: number | null; app_version: string | null }>("SELECT devices, backlog, app_version FROM stations WHERE id = 'ST-FIN-1'"))[0];
    const until = async (ok: () => Promise<boolean>) => {
      const deadline = Date.now() + 20_000;
      while (!(await ok())) {
        if (Date.now() > deadline) throw new Error('heartbeat never arrived');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await until(async () => (await row())?.devices?.[0]?.connected === true);
    expect((await row())?.backlog).toBe(0);
    // The app version reaches the office (issue 15: the fleet view shows which stations run which version).
    expect((await row())?.app_version).toBe('1.4.2');
    // The cable is pulled: the office knows within seconds, not at the next minute's beat.
    core.setHardware([{ ...device, connected: false, message: 'port closed' }]);
    await until(async () => (await row())?.devices?.[0]?.connected === false);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('qsf_device_connected{device="MD01",station="ST-FIN-1"} 0');
  }, 60_000);
});
