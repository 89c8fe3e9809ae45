/**
 * Starts the sync server: `tsx sync-server/main.ts`.
 * Env: PORT (8787), HOST (127.0.0.1), DATABASE_URL (else embedded PGlite on PGLITE_DIR, default .data/pglite),
 * LOG_LEVEL (info), ADMIN_TOKEN (enables the admin routes until the dashboard has a login).
 */
import pino from 'pino';
import { z } from 'zod';
import { buildApp } from './app';
import { openDb } from './db';

const env = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8787),
    HOST: z.string().default('127.0.0.1'),
    DATABASE_URL: z.string().optional(),
    PGLITE_DIR: z.string().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  })
  .parse(process.env);

const log = pino({ level: env.LOG_LEVEL });
const db = await openDb(env, log);
log.info({ db: db.kind, dir: db.kind === 'pglite' ? (env.PGLITE_DIR ?? '.data/pglite') : undefined }, 'database open');
if (!env.ADMIN_TOKEN) log.warn('ADMIN_TOKEN not set: enrollment codes cannot be issued');

const app = await buildApp({ db, loggerInstance: log, adminToken: env.ADMIN_TOKEN ?? null });
await app.listen({ port: env.PORT, host: env.HOST });

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
