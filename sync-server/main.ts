/**
 * Starts the sync server: `tsx sync-server/main.ts`. Prints `READY {"port":…,"host":…}` once it listens.
 * Env: PORT (8787), HOST (127.0.0.1), DATABASE_URL (else embedded PGlite on PGLITE_DIR, default .data/pglite),
 * LOG_LEVEL (info), ADMIN_TOKEN (enables the admin routes until the dashboard has a login), METRICS_TOKEN (bearer
 * token for /metrics; unset = this machine only), STREAM_MAX_PER_STATION (2), STREAM_MAX_TOTAL (1000),
 * SSCC_COMPANY_PREFIX (GS1 company prefix, 7-10 digits; unset = no carton numbers leased), SSCC_EXTENSION_DIGIT (0),
 * SSCC_BLOCK_SIZE (500 serial references per lease), SSCC_MAX_LEASES_PER_HOUR (20 per station).
 *
 * A start that cannot work (bad settings, a busy port, a folder another server holds, a database it cannot reach)
 * ends with one line on stderr and exit code 1, and leaves nothing half made: the port is checked before the PGlite
 * folder is created, and a folder this start created is removed again if the server then cannot listen.
 */
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { z } from 'zod';
import { DirInUseError } from '../shared/node/dir-lock';
import { buildApp } from './app';
import { openDb, type Db } from './db';
import { checkListenAddress, describeListenError } from './http/port';

const DEFAULT_PGLITE_DIR = '.data/pglite';

const secret = (name: string) => z.string().min(16, `${name} must be at least 16 characters`).optional();
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z.string().optional(),
  PGLITE_DIR: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADMIN_TOKEN: secret('ADMIN_TOKEN'),
  METRICS_TOKEN: secret('METRICS_TOKEN'),
  STREAM_MAX_PER_STATION: z.coerce.number().int().min(1).max(100).optional(),
  STREAM_MAX_TOTAL: z.coerce.number().int().min(1).max(1_000_000).optional(),
  SSCC_COMPANY_PREFIX: z.string().regex(/^\d{7,10}$/, 'SSCC_COMPANY_PREFIX must be a GS1 company prefix of 7-10 digits').optional(),
  SSCC_EXTENSION_DIGIT: z.coerce.number().int().min(0).max(9).default(0),
  SSCC_BLOCK_SIZE: z.coerce.number().int().min(1).max(100_000).default(500),
  SSCC_MAX_LEASES_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(20),
});

/** The one line a failed start prints (no stack: the cause is a setting or another process, not a bug). */
function stop(message: string): never {
  process.stderr.write(`sync-server: ${message}\n`);
  process.exit(1);
}

const parsed = Env.safeParse(process.env);
if (!parsed.success) stop(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
const env = parsed.data;

const addressProblem = await checkListenAddress(env.PORT, env.HOST);
if (addressProblem) stop(addressProblem);

const pgliteDir = env.DATABASE_URL ? null : resolve(env.PGLITE_DIR || DEFAULT_PGLITE_DIR);
/** A PGlite folder this start creates is removed again if the start fails after creating it. */
const madeFolder = pgliteDir !== null && !existsSync(pgliteDir);

const log = pino({ level: env.LOG_LEVEL });
let db: Db;
try {
  db = await openDb(env, log);
} catch (err) {
  // Held by another server: DirInUseError names it (pid, host, since) and touched nothing.
  if (err instanceof DirInUseError) stop(err.message);
  if (madeFolder && pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  stop(`cannot open the database: ${err instanceof Error ? err.message : String(err)}`);
}
log.info({ db: db.kind, dir: pgliteDir ?? undefined }, 'database open');
if (!env.ADMIN_TOKEN) log.warn('ADMIN_TOKEN not set: enrollment codes cannot be issued');
if (!env.METRICS_TOKEN) log.info('METRICS_TOKEN not set: /metrics answers this machine only');

/** Undoes this start (server, database, a PGlite folder it created) and prints why. */
async function abandon(message: string, app?: FastifyInstance): Promise<never> {
  await app?.close().catch(() => undefined);
  await db.close().catch(() => undefined);
  if (madeFolder && pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
  stop(message);
}

const app = await buildApp({
  db,
  loggerInstance: log,
  adminToken: env.ADMIN_TOKEN ?? null,
  metricsToken: env.METRICS_TOKEN ?? null,
  sscc: env.SSCC_COMPANY_PREFIX
    ? {
        companyPrefix: env.SSCC_COMPANY_PREFIX,
        extension: env.SSCC_EXTENSION_DIGIT,
        blockSize: env.SSCC_BLOCK_SIZE,
        maxLeasesPerHour: env.SSCC_MAX_LEASES_PER_HOUR,
      }
    : null,
  streams: {
    ...(env.STREAM_MAX_PER_STATION ? { maxPerStation: env.STREAM_MAX_PER_STATION } : {}),
    ...(env.STREAM_MAX_TOTAL ? { maxTotal: env.STREAM_MAX_TOTAL } : {}),
  },
}).catch((err: unknown) => {
  // e.g. a migration that does not apply: the log has the details, the line says what failed.
  log.error({ err }, 'start failed');
  return abandon(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
});
// Handlers before listening: a stop that arrives the moment the server answers still closes it cleanly.
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await app.close();
  await db.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Started with an IPC channel (the demo floor, scripts/floor.ts): its parent gone without stopping us, we stop too.
process.on('disconnect', () => void shutdown('parent gone'));
try {
  await app.listen({ port: env.PORT, host: env.HOST });
} catch (err) {
  // The port was free a moment ago and another process took it meanwhile.
  await abandon(describeListenError(err, env.PORT, env.HOST), app);
}
// One line for whoever started this process (the demo floor, tests): where it listens (PORT=0 takes any free port).
const address = app.server.address();
const listening = typeof address === 'object' && address !== null ? address.port : env.PORT;
process.stdout.write(`READY ${JSON.stringify({ port: listening, host: env.HOST })}\n`);
