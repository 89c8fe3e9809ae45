/**
 * Shared plumbing of the sync benchmarks: a throw-away PostgreSQL database per phase, the server in a child process
 * (real socket on 127.0.0.1, real HTTP), enrollment and office set-up through the server's own admin routes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { PLACE_CODE, type Department, type ManufacturingOrder } from '../../../shared/master';
import { createPgDb } from '../../../sync-server/db/pg';
import { createScratchDatabase } from '../../../sync-server/db/testing';
import type { Db } from '../../../sync-server/db/types';
import { meetsGoal, type BenchResult } from '../bench-format';

export const BENCH_ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
export const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
export const BENCH_PIN = '246802';

export function pgBaseUrl(): string {
  return process.env.SYNC_BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? DEFAULT_PG_URL;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function result(metric: string, value: number, unit: string, goal: string): BenchResult {
  return { metric, value: Math.round(value * 1000) / 1000, unit, goal, met: meetsGoal(value, goal) };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * CPU time (user + system, ms) a process has used so far, read from /proc/<pid>/stat (Linux; clock ticks taken as
 * 100 Hz, so 10 ms steps); undefined elsewhere. The server's own CPU for a phase, which its wall time hides when the
 * station, PostgreSQL and the server share two cores.
 */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces, in parentheses): utime and stime are the 12th and 13th.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** The bench's own pool on it (set-up, verification, the bare-insert reference). */
  db: Db;
  drop(): Promise<void>;
}

/** `CREATE DATABASE qsf_bench_<random>` on the base server; drop() closes the pool and drops it (FORCE). */
export async function createBenchDatabase(base = pgBaseUrl(), poolMax = 10): Promise<BenchDatabase> {
  const scratch = await createScratchDatabase(base, 'qsf_bench');
  const db = createPgDb({ connectionString: scratch.url, max: poolMax });
  return {
    name: scratch.name,
    url: scratch.url,
    db,
    async drop() {
      await db.close().catch(() => undefined);
      await scratch.drop();
    },
  };
}

export interface ServerProcess {
  baseUrl: string;
  pid: number;
  /** Server heap (after a full GC) and RSS, in bytes. */
  mem(): Promise<{ heapUsed: number; rss: number }>;
  /** Ends the server's CPU profile being taken (written to its file) and, with `file`, starts one there. */
  profile(file: string | null): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A bench database and the server process on it for `run`; afterwards (also after a failure) the server stops and
 * the database is dropped.
 */
export async function withBenchServer<T>(run: (env: { bdb: BenchDatabase; server: ServerProcess }) => Promise<T>): Promise<T> {
  const bdb = await createBenchDatabase();
  try {
    const server = await startServerProcess(bdb.url);
    try {
      return await run({ bdb, server });
    } finally {
      await server.stop();
    }
  } finally {
    await bdb.drop();
  }
}

const FromChild = z.discriminatedUnion('type', [
  z.object({ type: z.literal('listening'), port: z.number() }),
  z.object({ type: z.literal('mem'), id: z.number(), heapUsed: z.number(), rss: z.number() }),
  z.object({ type: z.literal('profiled'), id: z.number() }),
]);

/**
 * fork()'s options for a Node.js child with `nodeArgs`; with `nice`, the whole process (every thread it starts) at
 * that CPU priority, started through nice(1) as systemd's Nice= starts a service.
 */
export function nodeProcess(nodeArgs: readonly string[], nice?: number): { execPath?: string; execArgv: string[] } {
  return nice === undefined ? { execArgv: [...nodeArgs] } : { execPath: 'nice', execArgv: ['-n', String(nice), process.execPath, ...nodeArgs] };
}

/** Forks tests/bench/sync/server-process.ts on `databaseUrl` and waits until it listens (it migrates first). */
export async function startServerProcess(databaseUrl: string, opts: { poolMax?: number; heartbeatMs?: number; nice?: number } = {}): Promise<ServerProcess> {
  const entry = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  // SYNC_BENCH_SERVER_NODE_ARGS: extra node flags for the server (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
  const nodeArgs = ['--import', 'tsx', '--expose-gc', ...(process.env.SYNC_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child: ChildProcess = fork(entry, [], {
    ...nodeProcess(nodeArgs, opts.nice),
    env: {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      BENCH_ADMIN_TOKEN,
      BENCH_POOL_MAX: String(opts.poolMax ?? 10),
      BENCH_HEARTBEAT_MS: String(opts.heartbeatMs ?? 25_000),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiters = new Map<number, (m: { heapUsed: number; rss: number }) => void>();
  const profiled = new Map<number, () => void>();
  let nextId = 1;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sync server process did not start within 60 s')), 60_000);
    child.on('message', (raw) => {
      const m = FromChild.safeParse(raw);
      if (!m.success) return;
      if (m.data.type === 'listening') {
        clearTimeout(timer);
        resolve(m.data.port);
      } else if (m.data.type === 'mem') {
        waiters.get(m.data.id)?.({ heapUsed: m.data.heapUsed, rss: m.data.rss });
        waiters.delete(m.data.id);
      } else {
        profiled.get(m.data.id)?.();
        profiled.delete(m.data.id);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sync server process exited with ${code}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid ?? -1,
    mem() {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not answer the memory probe')), 10_000);
        waiters.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send({ type: 'mem', id });
      });
    },
    profile(file) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not answer the profile request')), 60_000);
        profiled.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'profile', id, file });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A lean HTTP client for the load generators: node:http over keep-alive sockets (one per concurrent caller), which
 * costs the bench process a fraction of what fetch (undici, web streams) does per request. The bench shares the
 * machine's cores with the server and PostgreSQL, so its own overhead would otherwise be counted against the server.
 */
export class BenchHttp {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.url = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** POST a JSON body (already serialised); resolves with the status and the response text. */
  post(path: string, headers: Readonly<Record<string, string>>, body: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path,
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---- office set-up through the server's admin routes -----------------------------------------------------------------

export async function adminPost<T>(baseUrl: string, url: string, payload: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}${url}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  const body: unknown = await res.json();
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

export interface BenchStation {
  id: string;
  department: Department;
  lineId: string;
  token: string;
  auth: { authorization: string };
}

/** Issues a one-time code and enrolls the station with a fresh Ed25519 key, as a station does on first start. */
export async function enrollStation(baseUrl: string, department: Department, n: number): Promise<BenchStation> {
  const id = `ST-${CODE[department]}-${n}`;
  const lineId = `LN-${CODE[department]}-${n}`;
  const { code } = await adminPost<{ code: string }>(baseUrl, '/api/enrollment-codes', { stationId: id, department, lineId });
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const res = await fetch(`${baseUrl}/api/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, stationId: id, publicKey: jwk.x }),
  });
  if (res.status !== 200) throw new Error(`enroll ${id}: ${res.status} ${await res.text()}`);
  const { token } = (await res.json()) as { token: string };
  return { id, department, lineId, token, auth: { authorization: `Bearer ${token}` } };
}

export async function issueCode(baseUrl: string, department: Department, n: number): Promise<{ stationId: string; lineId: string; code: string }> {
  const stationId = `ST-${CODE[department]}-${n}`;
  const lineId = `LN-${CODE[department]}-${n}`;
  const { code } = await adminPost<{ code: string }>(baseUrl, '/api/enrollment-codes', { stationId, department, lineId });
  return { stationId, lineId, code };
}

/** One operator per department (OP-CUT1 …), PIN 246802 (hashed by the server; the station test PIN). */
export async function createOperators(baseUrl: string, departments: readonly Department[]): Promise<void> {
  for (const d of departments) {
    await adminPost(baseUrl, '/api/operators', { id: `OP-${CODE[d]}1`, name: `${d} operator`, roles: ['operator'], departments: [d], pin: BENCH_PIN });
  }
}

export async function createOrder(baseUrl: string, m: ManufacturingOrder): Promise<void> {
  await adminPost(baseUrl, '/api/manufacturing-orders', m);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}
