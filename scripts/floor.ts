/**
 * `npm start`: a whole floor on one machine, in separate processes as on a real floor. The sync server
 * (sync-server/main.ts, on embedded PGlite in `<dir>/pglite`, or DATABASE_URL) and one station process per department
 * (scripts/floor-station.ts: the station core, its sync and its simulated devices), each enrolled with a one-time
 * code. This process seeds the office's roster and a few manufacturing orders on every route, and watches its
 * children: one that stops (stopping the server alone shows every screen going offline) is started again after a
 * moment, on the same port. Ctrl-C / SIGTERM stops them all.
 *
 * Ports are stable across restarts: the server listens on PORT (default 8787), the stations on PORT+1 … PORT+5
 * (cutting, embroidery, sewing, finishing, packing); PORT=0 takes free ports. HOST (default 127.0.0.1) is where they
 * all listen: HOST=0.0.0.0 lets a tablet on the LAN be a screen (the printed URLs then name this PC's LAN address).
 * The finishing station's metal detector and every station's scanner are simulated (in-process mock serial ports in
 * each station process) when QSF_FLOOR_DEVICES is not "off".
 *
 * Data persists under QSF_FLOOR_DIR (default .data/floor): a second start reuses it. One floor per folder: the folder
 * is held (`writer.lock`, shared/node/dir-lock.ts) while this runs, as are the PGlite folder and every station's (by
 * the processes using them), so a second `npm start` on it stops with one line naming the holder instead of running
 * a second core on the same stations. The folder and the ports are checked before anything is made, so a start that
 * cannot run leaves nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { z } from 'zod';
import { PLACE_CODE, type Department } from '../shared/master';
import { assertDirFree, DirInUseError, lockDir } from '../shared/node/dir-lock';
import { makePrivateDir, writePrivateFileAtomic } from '../shared/node/private-files';
import { ARTICLE_BOMS, mo } from '../shared/testing/fixtures';
import { openDb } from '../sync-server/db';
import { migrate } from '../sync-server/db/migrate';
import { describeListenError } from '../sync-server/http/port';
import { ensureDashboardScreen, ensureStationScreen } from '../renderer/build';
import { demoDashboardLogin } from '../sync-server/dashboard/demo';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
const DEPARTMENTS: Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];
/** Demo PINs: operator OP-<DEPT>1 and supervisor OP-<DEPT>SV of each department (supervisors need 6–8 digits). */
const OPERATOR_PIN = '1357';
const SUPERVISOR_PIN = '246802';
/** The demo's GS1 company prefix (899: GS1 Indonesia) for the packing station's leased carton numbers. */
const DEMO_SSCC_PREFIX = '8990000';
/** A child that stops is started again after this long, doubling up to the cap while it keeps stopping. */
const RESTART_MS = { initial: 1_000, max: 30_000 };

/** What the roster was seeded with, kept so the printed credentials stay true for a floor seeded by an older version. */
const Seeded = z.object({ seededAt: z.string(), operatorPin: z.string(), supervisorPin: z.string() });
type Seeded = z.infer<typeof Seeded>;
/** Before the PINs were recorded, `seeded` held only a date, and the supervisors' PIN was 2468. */
const LEGACY_SEED: Omit<Seeded, 'seededAt'> = { operatorPin: '1357', supervisorPin: '2468' };

const floorEnv = z
  .object({
    QSF_FLOOR_DIR: z.string().default('.data/floor'),
    PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535 - DEPARTMENTS.length, `PORT must leave room for the ${DEPARTMENTS.length} station ports after it`)
      .default(8787),
    HOST: z.string().min(1).default('127.0.0.1'),
  })
  .safeParse(process.env);
if (!floorEnv.success) stopWith(`npm start: ${floorEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
const dir = resolve(floorEnv.data.QSF_FLOOR_DIR);
const port = floorEnv.data.PORT;
const host = floorEnv.data.HOST;
const wildcard = host === '0.0.0.0' || host === '::';
/** Where this machine's processes reach the server. */
const localHost = wildcard ? '127.0.0.1' : host;
/** The address printed for screens: a LAN address when listening on every interface. */
const shownHost = wildcard ? (lanAddresses()[0] ?? '127.0.0.1') : host;
/** Station ports: PORT+1 … (stable across restarts); 0 when PORT is 0. */
const stationPort = (i: number) => (port === 0 ? 0 : port + 1 + i);
const log = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

/** One line on stderr and a non-zero exit: what an operator at a terminal needs, not a stack. */
function stopWith(message: string): never {
  console.error(message);
  process.exit(1);
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && a.family === 'IPv4' && !a.internal)
    .map((a) => (a as { address: string }).address);
}

/** The one line for a listen that failed: a busy port most likely (another floor), else the listen's own words. */
function listenProblem(err: unknown, p: number): string {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return `port ${p} is in use: stop the other floor (or whatever listens there) or set PORT= (PORT=0 takes any free port)`;
  }
  return describeListenError(err, p, host);
}

/** Why nothing can listen on `p` now (asked by listening and closing at once), or null; 0 always can. */
function portProblem(p: number): Promise<string | null> {
  if (p === 0) return Promise.resolve(null);
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err) => done(listenProblem(err, p)));
    probe.listen({ host, port: p, exclusive: true }, () => probe.close(() => done(null)));
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

const Ready = z.looseObject({ port: z.number().int().optional(), url: z.string().optional() });

/**
 * A child process of the floor, started again when it stops (not while the floor stops). Its READY line (the server's
 * and the stations' runners print one) resolves `ready` the first time; later lines are its output.
 */
class FloorChild {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restartMs = RESTART_MS.initial;
  private timer: ReturnType<typeof setTimeout> | null = null;
  readonly ready: Promise<z.infer<typeof Ready>>;
  private resolveReady!: (r: z.infer<typeof Ready>) => void;
  private rejectReady!: (err: Error) => void;
  private started = false;

  constructor(
    readonly name: string,
    private readonly script: string,
    /** The env for each start (a restart re-reads it: e.g. the port it got the first time). */
    private readonly env: () => NodeJS.ProcessEnv,
  ) {
    this.ready = new Promise((res, rej) => {
      this.resolveReady = res;
      this.rejectReady = rej;
    });
    this.start();
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private start(): void {
    const stderr: string[] = [];
    // An IPC channel: a child sees 'disconnect' if this process dies without stopping it, and stops too.
    const child = spawn(process.execPath, ['--import', 'tsx', this.script], { cwd: ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.child = child;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('READY ')) {
        this.restartMs = RESTART_MS.initial;
        if (!this.started) {
          this.started = true;
          this.resolveReady(Ready.parse(JSON.parse(line.slice(6))));
        }
      } else process.stdout.write(`${line}\n`);
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      if (!this.started) stderr.push(line);
      else process.stderr.write(`${this.name}: ${line}\n`);
    });
    child.once('exit', (code, signal) => {
      this.child = null;
      if (this.stopping) return;
      if (!this.started) {
        // It never came up: the floor cannot run (its own line says why).
        this.rejectReady(new Error(stderr.join('\n') || `${this.name} exited (${code ?? signal}) before it was ready`));
        return;
      }
      process.stderr.write(`${this.name} stopped (${code ?? signal}): starting it again in ${this.restartMs / 1000} s\n`);
      this.timer = setTimeout(() => this.start(), this.restartMs);
      this.restartMs = Math.min(this.restartMs * 2, RESTART_MS.max);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs` if it has not exited. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.kill('SIGTERM');
    });
  }
}

async function main(): Promise<void> {
  // All checks read only: a floor that cannot start makes no folder and changes nothing in one.
  assertDirFree(dir);
  for (const p of [port, ...DEPARTMENTS.map((_, i) => stationPort(i))]) {
    const problem = await portProblem(p);
    if (problem) stopWith(problem);
  }
  const existed = existsSync(dir);
  const lock = lockDir(dir, { purpose: 'npm start (floor)' });
  makePrivateDir(dir);
  const token = adminToken();
  const pgliteDir = join(dir, 'pglite');
  const children: FloorChild[] = [];
  let stopping = false;
  const stopAll = async () => {
    // Stations first (their last pushes reach the server), then the server.
    await Promise.all(children.filter((c) => c.name !== 'sync server').map((c) => c.stop()));
    await Promise.all(children.filter((c) => c.name === 'sync server').map((c) => c.stop()));
  };

  // The dashboard's demo login lives in the database: made (schema first) before the server process opens it.
  let dashboardLogin: Awaited<ReturnType<typeof demoDashboardLogin>>;
  try {
    const db = await openDb({ DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: pgliteDir }, log);
    try {
      await migrate(db);
      dashboardLogin = await demoDashboardLogin(db, dir);
    } finally {
      await db.close();
    }
  } catch (err) {
    lock.release();
    if (!existed) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  await ensureDashboardScreen((line) => console.log(line));
  const screenDir = await ensureStationScreen((line) => console.log(line));

  let serverPort = port;
  const server = new FloorChild('sync server', 'sync-server/main.ts', () => ({
    ...process.env,
    PORT: String(serverPort),
    HOST: host,
    PGLITE_DIR: pgliteDir,
    ADMIN_TOKEN: token,
    SSCC_COMPANY_PREFIX: process.env.SSCC_COMPANY_PREFIX ?? DEMO_SSCC_PREFIX,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  }));
  children.push(server);
  try {
    serverPort = (await server.ready).port ?? port;
  } catch (err) {
    lock.release();
    if (!existed) rmSync(dir, { recursive: true, force: true });
    // Its one line (a busy port taken since the check, the database): the floor's one line.
    stopWith(err instanceof Error ? err.message : String(err));
  }
  const serverUrl = `http://${localHost}:${serverPort}`;
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

  // The names a screen on another machine reaches the stations by (the kiosk refuses Hosts it does not know).
  const kioskHosts = wildcard || host !== '127.0.0.1' ? [hostname(), ...lanAddresses(), ...(wildcard ? [] : [host])].join(',') : undefined;
  const stations = await Promise.all(
    DEPARTMENTS.map(async (d, i) => {
      const stationId = `ST-${CODE[d]}-1`;
      const dataDir = join(dir, stationId.toLowerCase());
      let enrollmentCode: string | undefined;
      if (!existsSync(join(dataDir, 'sync-token.json'))) {
        const issued = await post('/api/enrollment-codes', { stationId, department: d, lineId: `LN-${CODE[d]}-1` });
        if (issued.status !== 201) throw new Error(`enrollment code for ${stationId}: ${JSON.stringify(issued.json)}`);
        enrollmentCode = String(issued.json.code);
      }
      let kioskPort = stationPort(i);
      const station = new FloorChild(stationId, 'scripts/floor-station.ts', () => ({
        ...process.env,
        QSF_STATION_ID: stationId,
        QSF_DEPARTMENT: d,
        QSF_LINE_ID: `LN-${CODE[d]}-1`,
        QSF_STATION_NAME: `${d} 1`,
        QSF_DATA_DIR: dataDir,
        QSF_SERVER_URL: serverUrl,
        QSF_PORT: String(kioskPort),
        QSF_HOST: host,
        QSF_SCREEN_DIR: screenDir,
        // Used once: a restart finds the station's token.
        ...(enrollmentCode && !existsSync(join(dataDir, 'sync-token.json')) ? { QSF_ENROLLMENT_CODE: enrollmentCode } : {}),
        ...(kioskHosts ? { QSF_KIOSK_HOSTS: kioskHosts } : {}),
      }));
      children.push(station);
      const ready = await station.ready;
      const url = new URL(ready.url ?? '');
      kioskPort = Number(url.port);
      return { stationId, url: `http://${shownHost}:${url.port}`, station };
    }),
  ).catch(async (err: unknown) => {
    await stopAll();
    lock.release();
    if (err instanceof DirInUseError) stopWith(err.message);
    throw err;
  });

  // Handlers before the lines that say the floor is up: whoever reads them may stop it at once.
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stopAll();
    lock.release();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const shownServer = `http://${shownHost}:${serverPort}`;
  console.log(`\nQuty Shop Floor is running (data in ${dir})`);
  console.log(`  sync server   ${shownServer}   (health ${shownServer}/health, metrics ${serverUrl}/metrics)`);
  for (const s of stations) console.log(`  ${s.stationId.padEnd(12)}  screen ${s.url}/   (station API ws${s.url.slice(4)}/api)`);
  console.log(`  operators     B:OP-CUT1 … B:OP-PCK1, PIN ${seeded.operatorPin};  supervisors B:OP-CUTSV … B:OP-PCKSV, PIN ${seeded.supervisorPin}`);
  console.log(`  dashboard     ${shownServer}/   log in as ${dashboardLogin.user} / ${dashboardLogin.password}`);
  console.log(`  processes     sync server pid ${server.pid ?? '?'}, ${stations.map((s) => `${s.stationId} pid ${s.station.pid ?? '?'}`).join(', ')} (one stopped alone is started again)\n`);
}

void main().catch((err: unknown) => {
  // Held by another process (this floor's folder, or one of its stations' or PGlite's run on its own): one line.
  if (err instanceof DirInUseError) stopWith(err.message);
  console.error(err);
  process.exit(1);
});
