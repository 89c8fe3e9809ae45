/**
 * The sync server under benchmark, in its own process (so the load generator does not share its event loop, and its
 * memory can be sampled on its own). Started by `startServerProcess` with `fork` (tsx loader, `--expose-gc`).
 *
 * Env: BENCH_DATABASE_URL, BENCH_ADMIN_TOKEN, BENCH_POOL_MAX (default 10, the server's own default), BENCH_HEARTBEAT_MS,
 * BENCH_STALL_TRACE_FILE (optional: each event-loop stall over 10 ms and each garbage collection over 5 ms appended
 * there as a JSON line {kind, at (epoch ms), ms}, to tell a stall of the server from one of PostgreSQL's).
 * IPC: sends {type:'listening', port}; answers {type:'mem', id} with {type:'mem', id, heapUsed, rss} after a full GC;
 * {type:'profile', id, file} ends the CPU profile being taken (written to its file) and, with `file`, starts one
 * (node:inspector; a benchmark's phase profiled on its own), answered {type:'profiled', id}.
 */
import { appendFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { z } from 'zod';
import { buildApp } from '../../../sync-server/app';
import { createPgDb, SERVER_POOL_MIN } from '../../../sync-server/db/pg';

const env = z
  .object({
    BENCH_DATABASE_URL: z.string().url(),
    BENCH_ADMIN_TOKEN: z.string().min(16),
    BENCH_POOL_MAX: z.coerce.number().int().positive().default(10),
    BENCH_HEARTBEAT_MS: z.coerce.number().int().positive().default(25_000),
    BENCH_STALL_TRACE_FILE: z.string().optional(),
  })
  .parse(process.env);

const Request = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mem'), id: z.number() }),
  z.object({ type: z.literal('profile'), id: z.number(), file: z.string().nullable() }),
  z.object({ type: z.literal('stop') }),
]);

// As main.ts's (db/index.ts openDb): SERVER_POOL_MIN connections kept open while idle.
const db = createPgDb({ connectionString: env.BENCH_DATABASE_URL, max: env.BENCH_POOL_MAX, min: SERVER_POOL_MIN });
const app = await buildApp({ db, adminToken: env.BENCH_ADMIN_TOKEN, heartbeatMs: env.BENCH_HEARTBEAT_MS });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
if (addr === null || typeof addr === 'string') throw new Error('server has no port');

const gc = (globalThis as { gc?: () => void }).gc;

if (env.BENCH_STALL_TRACE_FILE) {
  const file = env.BENCH_STALL_TRACE_FILE;
  const note = (kind: string, startedAt: number, ms: number) => appendFileSync(file, `${JSON.stringify({ kind, at: performance.timeOrigin + startedAt, ms })}\n`);
  // A 5 ms tick: how much later than due it ran is how long the event loop was held.
  const TICK_MS = 5;
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last - TICK_MS > 10) note('loop', last + TICK_MS, now - last - TICK_MS);
    last = now;
  }, TICK_MS).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration > 5) note('gc', e.startTime, e.duration);
  }).observe({ entryTypes: ['gc'] });
}

let profiling: { session: Session; file: string } | null = null;
async function profile(file: string | null): Promise<void> {
  if (profiling) {
    const { session, file: to } = profiling;
    profiling = null;
    const { profile: taken } = await session.post('Profiler.stop');
    await writeFile(to, JSON.stringify(taken));
    session.disconnect();
  }
  if (file === null) return;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  profiling = { session, file };
}

process.on('message', (raw) => {
  const msg = Request.safeParse(raw);
  if (!msg.success) return;
  if (msg.data.type === 'mem') {
    gc?.();
    const m = process.memoryUsage();
    process.send?.({ type: 'mem', id: msg.data.id, heapUsed: m.heapUsed, rss: m.rss });
  } else if (msg.data.type === 'profile') {
    const { id } = msg.data;
    void profile(msg.data.file).then(() => process.send?.({ type: 'profiled', id }));
  } else {
    void (async () => {
      await app.close();
      await db.close();
      process.exit(0);
    })();
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'listening', port: addr.port });
