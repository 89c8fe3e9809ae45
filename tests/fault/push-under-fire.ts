/**
 * Stations pushing while something breaks (tests/fault/server-kill.test.ts, postgres-restart.test.ts): the sync
 * server as its own process, cutting stations that record and push small batches as fast as they can, a fault loop
 * that runs beside them, and the one check that matters afterwards: every event each station recorded is on the
 * server exactly once and applied, the server's work order counts each piece once, and every station equals it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type SyncClient } from '../../electron/sync';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ADMIN = 'under-fire-admin-token-0123456789';
type Cleanups = (() => Promise<unknown> | unknown)[];

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** The sync server process on `port` and `databaseUrl`, resolved once it listens (its READY line). */
export function startServerProcess(databaseUrl: string, port: number, cleanups: Cleanups): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'fatal' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(String(d)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => String(d).includes('READY ') && resolve(child));
    child.once('exit', (code, signal) => {
      reject(new Error(`server exited ${code}: ${stderr.join('')}`));
      // After it was up: a crash the test's checks will show; its last words say why.
      if (signal !== 'SIGKILL') console.error(`sync server exited (${code ?? signal}): ${stderr.join('').slice(-2000)}`);
    });
  });
}

/** SIGKILL and wait for the exit. */
export async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await exited;
}

export interface PushingFloor {
  stations: { core: StationCore; sync: SyncClient }[];
  workOrderId: string;
}

/** `n` cutting stations (each on its own line) enrolled on the server at `base`, in sync and logged in. */
export async function openCuttingStations(base: string, n: number, cleanups: Cleanups): Promise<PushingFloor> {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  await post('/api/operators', { id: 'OP-CUT1', name: 'cutting', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  const M = mo(31, { route: 'R2', quantity: 1_000_000 });
  await post('/api/manufacturing-orders', M);
  const stations: PushingFloor['stations'] = [];
  for (let i = 1; i <= n; i++) {
    const stationId = `ST-CUT-${i}`;
    const { code } = await post('/api/enrollment-codes', { stationId, department: 'cutting' });
    const tmp = tempDir('qsf-fire-');
    const core = await StationCore.open(stationConfig('cutting', tmp.dir, { stationId, lineId: `LN-CUT-${i}`, serverUrl: base, enrollmentCode: String(code) }));
    // Small batches and fast retries: many push groups in flight when the fault lands.
    const sync = startSync(core, { retryTimeMs: 50, pushBatchSize: 5, requestTimeoutMs: 2_000, reconnect: { initialMs: 50, maxMs: 300 } });
    cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());
    await sync.awaitInSync(20_000);
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    stations.push({ core, sync });
  }
  return { stations, workOrderId: workOrderIdFor(M.id, 'cutting') };
}

/**
 * Every station records one piece at a time until `faults` has run (and at least `minEach` each). Resolves how many
 * each recorded and, for each time `faults` called `landed()`, how many recorded events had no server answer then.
 */
export async function recordThrough(floor: PushingFloor, minEach: number, faults: (landed: () => void) => Promise<void>): Promise<{ recorded: number[]; unansweredAtFault: number[] }> {
  let done = false;
  const recorded = floor.stations.map(() => 0);
  const unansweredAtFault: number[] = [];
  const recorders = floor.stations.map(async ({ core }, i) => {
    while (!done || (recorded[i] ?? 0) < minEach) {
      await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: floor.workOrderId, lineId: core.config.lineId, size: 'M', part: 'body', goodQty: 1 } } });
      recorded[i] = (recorded[i] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  const landed = () => unansweredAtFault.push(floor.stations.reduce((n, { core }) => n + core.pendingCount, 0));
  await Promise.all([...recorders, faults(landed).finally(() => (done = true))]);
  return { recorded, unansweredAtFault };
}

type Query = <R extends Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<R[]>;

/** After healing: each station's events on the server once each and applied; pieces counted once; stations equal. */
export async function expectExactlyOnce(query: Query, floor: PushingFloor, recorded: readonly number[]): Promise<void> {
  // Every station's events on the server first; then a second round, so each station's pull starts after the last
  // station's push was acknowledged (one round left the first station a pull behind the others' last pushes).
  for (const { sync } of floor.stations) await sync.awaitInSync(60_000);
  for (const { sync } of floor.stations) await sync.awaitInSync(60_000);
  const rows = await query<{ station_id: string; n: number; applied: number }>(
    "SELECT station_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'applied')::int AS applied FROM events WHERE type = 'cutting.output' GROUP BY station_id ORDER BY station_id",
  );
  expect(rows.map((r) => [r.station_id, r.n, r.applied])).toEqual(floor.stations.map(({ core }, i) => [core.station.id, recorded[i], recorded[i]]));
  const total = recorded.reduce((a, b) => a + b, 0);
  const [doc] = await query<{ cut: number }>("SELECT (body->'stageQty'->>'cut')::int AS cut FROM documents WHERE kind = 'workOrder' AND id = $1", [floor.workOrderId]);
  expect(doc?.cut, 'the server counts each piece once').toBe(total);
  for (const { core } of floor.stations) {
    expect(core.pendingCount).toBe(0);
    expect(core.state.workOrder[floor.workOrderId]?.stageQty.cut, `${core.station.id} equals the server`).toBe(total);
  }
}
