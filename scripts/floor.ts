/**
 * `npm start`: a whole floor on one machine. The sync server on embedded PGlite (`.data/floor/pglite`, or
 * DATABASE_URL), the office's roster and a few manufacturing orders on every route, and one station core per
 * department, each enrolled with a one-time code, syncing, and serving its station API on localhost. The finishing
 * station's metal detector and every station's scanner are simulated (in-process mock serial ports) when
 * QSF_FLOOR_DEVICES is not "off".
 *
 * Data persists under QSF_FLOOR_DIR (default .data/floor): a second start reuses it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { PLACE_CODE, type Department } from '../shared/master';
import { mo } from '../shared/testing/fixtures';
import { startSync } from '../electron/sync';
import { runStation, type RuntimePart, type StationRuntime } from '../electron/kiosk/run';
import { buildApp } from '../sync-server/app';
import { openDb } from '../sync-server/db';
import { floorDevices } from './floor-devices';

/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
const DEPARTMENTS: Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];
/** Demo PINs: operator OP-<DEPT>1 and supervisor OP-<DEPT>SV of each department. Printed at start. */
const OPERATOR_PIN = '1357';
const SUPERVISOR_PIN = '2468';

const dir = resolve(process.env.QSF_FLOOR_DIR ?? '.data/floor');
mkdirSync(dir, { recursive: true });
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

/** The admin token survives restarts so enrollment state stays consistent. */
function adminToken(): string {
  const file = join(dir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

async function main(): Promise<void> {
  const token = adminToken();
  const db = await openDb({ DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: join(dir, 'pglite') }, log);
  const app = await buildApp({ db, loggerInstance: log, adminToken: token });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8787) });
  const serverUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${serverUrl}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const firstStart = !existsSync(join(dir, 'seeded'));
  if (firstStart) {
    for (const d of DEPARTMENTS) {
      await post('/api/operators', { id: `OP-${CODE[d]}1`, name: `Operator ${d}`, roles: ['operator'], departments: [d], pin: OPERATOR_PIN });
      await post('/api/operators', { id: `OP-${CODE[d]}SV`, name: `Supervisor ${d}`, roles: ['supervisor'], departments: [d], pin: SUPERVISOR_PIN });
    }
    const orders = [
      mo(1, { route: 'R1', quantity: 120, articleCode: 'BEAR-30' }),
      mo(2, { route: 'R2', quantity: 80, articleCode: 'BUNNY-25', destination: 'US-DC2' }),
      mo(3, { route: 'R3', quantity: 60, articleCode: 'ELEPHANT-40' }),
    ];
    for (const m of orders) await post('/api/manufacturing-orders', m);
    writeFileSync(join(dir, 'seeded'), new Date().toISOString());
  }

  const runtimes: StationRuntime[] = [];
  for (const d of DEPARTMENTS) {
    const stationId = `ST-${CODE[d]}-1`;
    const lineId = `LN-${CODE[d]}-1`;
    const dataDir = join(dir, stationId.toLowerCase());
    const env: NodeJS.ProcessEnv = {
      QSF_STATION_ID: stationId,
      QSF_DEPARTMENT: d,
      QSF_LINE_ID: lineId,
      QSF_STATION_NAME: `${d} 1`,
      QSF_DATA_DIR: dataDir,
      QSF_SERVER_URL: serverUrl,
      QSF_PORT: '0',
    };
    if (!existsSync(join(dataDir, 'sync-token.json'))) {
      const issued = await post('/api/enrollment-codes', { stationId, department: d, lineId });
      if (issued.status !== 201) throw new Error(`enrollment code for ${stationId}: ${JSON.stringify(issued.json)}`);
      env.QSF_ENROLLMENT_CODE = String(issued.json.code);
    }
    const sync: RuntimePart = async (core) => {
      const client = startSync(core);
      return { stop: () => client.stop() };
    };
    const parts: RuntimePart[] = [sync];
    if (process.env.QSF_FLOOR_DEVICES !== 'off') parts.push(...floorDevices(d));
    runtimes.push(await runStation(env, parts));
  }

  console.log(`\nQuty Shop Floor is running (data in ${dir})`);
  console.log(`  sync server   ${serverUrl}   (health ${serverUrl}/health, metrics ${serverUrl}/metrics)`);
  for (const rt of runtimes) console.log(`  ${rt.core.station.id.padEnd(12)}  station API ws${rt.url.slice(4)}/api`);
  console.log(`  operators     B:OP-CUT1 … B:OP-PCK1, PIN ${OPERATOR_PIN};  supervisors B:OP-CUTSV … B:OP-PCKSV, PIN ${SUPERVISOR_PIN}`);
  console.log('  dashboard     not built yet (see README)\n');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const rt of runtimes.reverse()) await rt.stop();
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
