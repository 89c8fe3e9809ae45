/**
 * More than one server: two sync-server processes on one PostgreSQL. A station connected to one sees, live, what a
 * station connected to the other pushed (LISTEN/NOTIFY fans the change out). Needs real PostgreSQL
 * (TEST_DATABASE_URL; CI sets it): PGlite is one process's database and cannot be shared.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PLACE_CODE, workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync } from '../../electron/sync';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'two-servers-admin-token-0123456789';
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function startServerProcess(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(String(d)));
  cleanups.push(() => new Promise<void>((r) => (child.exitCode !== null ? r() : (child.once('exit', () => r()), child.kill('SIGTERM')))));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`server did not start: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;

describe.skipIf(!process.env.TEST_DATABASE_URL)('two sync servers on one PostgreSQL', () => {
  it('a station on server A sees, live, a transfer pushed by a station on server B', async () => {
    const t: TestDb = await createTestDb();
    cleanups.push(() => t.cleanup());
    if (!t.url) throw new Error('needs a PostgreSQL url');
    const a = await startServerProcess(t.url);
    const b = await startServerProcess(t.url);
    const post = async (base: string, path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    };
    for (const d of ['cutting', 'embroidery'] as const) {
      await post(a.url, '/api/operators', { id: `OP-${CODE[d]}1`, name: d, roles: ['operator'], departments: [d], pin: TEST_PIN });
    }
    const M = mo(7, { route: 'R1', quantity: 50 });
    await post(b.url, '/api/manufacturing-orders', M);

    const open = async (d: Department, server: string) => {
      const id = `ST-${CODE[d]}-1`;
      const { code } = await post(server, '/api/enrollment-codes', { stationId: id, department: d });
      const tmp = tempDir('qsf-2srv-');
      const core = await StationCore.open(stationConfig(d, tmp.dir, { serverUrl: server, enrollmentCode: String(code) }));
      const sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 500 } });
      cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());
      await sync.awaitInSync(20_000);
      await core.call('session.login', { badge: `B:OP-${CODE[d]}1`, pin: TEST_PIN });
      return { core, sync };
    };
    const cutting = await open('cutting', b.url);
    const embroidery = await open('embroidery', a.url);

    await cutting.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(M.id, 'cutting'), lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 20 } } });
    const { transferId } = await cutting.core.call('transfer.create', { workOrderId: workOrderIdFor(M.id, 'cutting'), quantity: 20 });
    const sent = Date.now();
    // Embroidery never asks: the change arrives over its live stream from server A.
    const deadline = sent + 10_000;
    while (!embroidery.core.view().incoming.some((x) => x.id === transferId)) {
      if (Date.now() > deadline) throw new Error('the transfer never reached the station on the other server');
      await new Promise((r) => setTimeout(r, 10));
    }
    const latency = Date.now() - sent;
    expect(latency).toBeLessThan(5_000);
    await embroidery.core.call('transfer.accept', { transferId, countedQty: 20 });
    await embroidery.sync.awaitInSync(20_000);
    await cutting.sync.awaitInSync(20_000);
    expect(cutting.core.state.transfer[transferId]?.status).toBe('accepted');
  }, 120_000);
});
