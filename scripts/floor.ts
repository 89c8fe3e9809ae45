/**
 * `npm start`: a whole floor on one machine. The sync server on embedded PGlite (`.data/floor/pglite`, or
 * DATABASE_URL), the office's roster and a few manufacturing orders on every route, and one station core per
 * department, each enrolled with a one-time code, syncing, and serving its station API on localhost. The finishing
 * station's metal detector and every station's scanner are simulated (in-process mock serial ports) when
 * QSF_FLOOR_DEVICES is not "off".
 *
 * Data persists under QSF_FLOOR_DIR (default .data/floor): a second start reuses it. One floor per folder: the folder
 * is held (`writer.lock`, shared/node/dir-lock.ts) while this runs, as are the PGlite folder and every station's, so
 * a second `npm start` on it stops with one line naming the holder instead of running a second core on the same
 * stations. The folder and the port are checked before anything is made, so a start that cannot run leaves nothing.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { z } from 'zod';
import { PLACE_CODE, type Department } from '../shared/master';
import { assertDirFree, DirInUseError, lockDir } from '../shared/node/dir-lock';
import { makePrivateDir, writePrivateFileAtomic } from '../shared/node/private-files';
import { ARTICLE_BOMS, mo } from '../shared/testing/fixtures';
import { startSync } from '../electron/sync';
import { runStation, type RuntimePart, type StationRuntime } from '../electron/kiosk/run';
import { buildApp } from '../sync-server/app';
import { SsccLeaseConfig } from '../sync-server/floor/sscc-leases';
import { openDb, type Db } from '../sync-server/db';
import { describeListenError } from '../sync-server/http/port';
import { ensureDashboardScreen, ensureStationScreen } from '../renderer/build';
import { floorDevices } from './floor-devices';
import { demoDashboardLogin } from '../sync-server/dashboard/demo';

/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
const DEPARTMENTS: Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];
/** Demo PINs: operator OP-<DEPT>1 and supervisor OP-<DEPT>SV of each department (supervisors need 6–8 digits). */
const OPERATOR_PIN = '1357';
const SUPERVISOR_PIN = '246802';
const HOST = '127.0.0.1';

/** What the roster was seeded with, kept so the printed credentials stay true for a floor seeded by an older version. */
const Seeded = z.object({ seededAt: z.string(), operatorPin: z.string(), supervisorPin: z.string() });
type Seeded = z.infer<typeof Seeded>;
/** Before the PINs were recorded, `seeded` held only a date, and the supervisors' PIN was 2468. */
const LEGACY_SEED: Omit<Seeded, 'seededAt'> = { operatorPin: '1357', supervisorPin: '2468' };

/** The demo floor's GS1 company prefix (899: GS1 Indonesia) for carton SSCCs; a real floor sets SSCC_COMPANY_PREFIX to its own. */
const DEMO_SSCC_PREFIX = '8990000';

const floorEnv = z
  .object({
    QSF_FLOOR_DIR: z.string().default('.data/floor'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  })
  .safeParse(process.env);
if (!floorEnv.success) stopWith(`npm start: ${floorEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
const dir = resolve(floorEnv.data.QSF_FLOOR_DIR);
const port = floorEnv.data.PORT;
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

/** One line on stderr and a non-zero exit: what an operator at a terminal needs, not a stack. */
function stopWith(message: string): never {
  console.error(message);
  process.exit(1);
}

/** The one line for a listen that failed: a busy port most likely (another floor), else the server's own words. */
function listenProblem(err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return `port ${port} is in use: stop the other floor (or whatever listens there) or set PORT= (PORT=0 takes any free port)`;
  }
  return describeListenError(err, port, HOST);
}

/** Why the server could not listen on `port` now (asked by listening and closing at once), or null; 0 always can. */
function portProblem(): Promise<string | null> {
  if (port === 0) return Promise.resolve(null);
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err) => done(listenProblem(err)));
    probe.listen({ host: HOST, port, exclusive: true }, () => probe.close(() => done(null)));
  });
}

/** The admin token survives restarts so enrollment state stays consistent. */
function adminToken(): string {
  const file = join(dir, 'admin-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writePrivateFileAtomic(file, token);
  return token;
}

function readSeeded(file: string): Seeded | null {
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  try {
    const parsed = Seeded.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
  } catch {
    // an older floor: the file holds only the date
  }
  return { seededAt: text.trim(), ...LEGACY_SEED };
}

async function main(): Promise<void> {
  // Both checks read only: a floor that cannot start makes no folder and changes nothing in one.
  assertDirFree(dir);
  const problem = await portProblem();
  if (problem) stopWith(problem);
  const existed = existsSync(dir);
  const lock = lockDir(dir, { purpose: 'npm start (floor)' });
  makePrivateDir(dir);
  const token = adminToken();
  let db: Db | undefined;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    db = await openDb({ DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: join(dir, 'pglite') }, log);
    const sscc = SsccLeaseConfig.parse({
      companyPrefix: process.env.SSCC_COMPANY_PREFIX ?? DEMO_SSCC_PREFIX,
      ...(process.env.SSCC_BLOCK_SIZE ? { blockSize: Number(process.env.SSCC_BLOCK_SIZE) } : {}),
    });
    app = await buildApp({ db, loggerInstance: log, adminToken: token, sscc });
    await app.listen({ host: HOST, port });
  } catch (err) {
    // Taken between the check and now (or the database failed): undo this start, and the folder if it made it.
    await app?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    lock.release();
    if (!existed) rmSync(dir, { recursive: true, force: true });
    // A failed listen is one line; the database's own failures keep their stack (they are not a setting).
    if ((err as NodeJS.ErrnoException).syscall === 'listen') stopWith(listenProblem(err));
    throw err;
  }
  const openedDb = db;
  const server = app;
  const serverUrl = `http://${HOST}:${(server.server.address() as { port: number }).port}`;
  const admin = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${serverUrl}${path}`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  const seededFile = join(dir, 'seeded');
  let seeded = readSeeded(seededFile);
  if (!seeded) {
    // Checked, so the credentials printed below are the ones the roster really holds.
    const created = async (path: string, body: unknown) => {
      const res = await post(path, body);
      if (res.status >= 300) throw new Error(`seeding ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    };
    for (const d of DEPARTMENTS) {
      await created('/api/operators', { id: `OP-${CODE[d]}1`, name: `Operator ${d}`, roles: ['operator'], departments: [d], pin: OPERATOR_PIN });
      await created('/api/operators', { id: `OP-${CODE[d]}SV`, name: `Supervisor ${d}`, roles: ['supervisor'], departments: [d], pin: SUPERVISOR_PIN });
    }
    const orders = [
      mo(1, { route: 'R1', quantity: 120, articleCode: 'BEAR-30', cutParts: [...ARTICLE_BOMS['BEAR-30']] }),
      mo(2, { route: 'R2', quantity: 80, articleCode: 'BUNNY-25', destination: 'US-DC2', cutParts: [...ARTICLE_BOMS['BUNNY-25']] }),
      mo(3, { route: 'R3', quantity: 60, articleCode: 'ELEPHANT-40', cutParts: [...ARTICLE_BOMS['ELEPHANT-40']] }),
    ];
    for (const m of orders) await created('/api/manufacturing-orders', m);
    seeded = { seededAt: new Date().toISOString(), operatorPin: OPERATOR_PIN, supervisorPin: SUPERVISOR_PIN };
    writePrivateFileAtomic(seededFile, JSON.stringify(seeded));
  }

  const dashboardLogin = await demoDashboardLogin(openedDb, dir);
  await ensureDashboardScreen((line) => console.log(line));
  const screenDir = await ensureStationScreen((line) => console.log(line));
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
      QSF_SCREEN_DIR: screenDir,
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

  // Handlers before the lines that say the floor is up: whoever reads them may stop it at once, and a SIGTERM that
  // finds no handler kills the process outright (no clean close; the locks are then left for the next start to take
  // over as stale).
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    for (const rt of runtimes.reverse()) await rt.stop();
    await server.close();
    await openedDb.close();
    lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  console.log(`\nQuty Shop Floor is running (data in ${dir})`);
  console.log(`  sync server   ${serverUrl}   (health ${serverUrl}/health, metrics ${serverUrl}/metrics)`);
  for (const rt of runtimes) console.log(`  ${rt.core.station.id.padEnd(12)}  screen ${rt.url}/   (station API ws${rt.url.slice(4)}/api)`);
  console.log(`  operators     B:OP-CUT1 … B:OP-PCK1, PIN ${seeded.operatorPin};  supervisors B:OP-CUTSV … B:OP-PCKSV, PIN ${seeded.supervisorPin}`);
  console.log(`  dashboard     ${serverUrl}/   log in as ${dashboardLogin.user} / ${dashboardLogin.password}\n`);
}

void main().catch((err: unknown) => {
  // Held by another process (this floor's folder, or one of its stations' or PGlite's run on its own): one line.
  if (err instanceof DirInUseError) stopWith(err.message);
  console.error(err);
  process.exit(1);
});
