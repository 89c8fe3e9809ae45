import { createPgDb, SERVER_POOL_MIN, type DbLog } from './pg';
import { createPgliteDb } from './pglite';
import type { Db } from './types';

export type { Db, Queryable, Row, ListenHandlers, Unsubscribe } from './types';
export { createPgDb, SERVER_POOL_MIN } from './pg';
export { createPgliteDb } from './pglite';
export type { DbLog } from './pg';

export interface OpenDbEnv {
  DATABASE_URL?: string;
  PGLITE_DIR?: string;
}

/** PostgreSQL when `DATABASE_URL` is set, otherwise embedded PGlite on `PGLITE_DIR` (default `.data/pglite`). */
export async function openDb(env: OpenDbEnv, log?: DbLog): Promise<Db> {
  if (env.DATABASE_URL) return createPgDb({ connectionString: env.DATABASE_URL, min: SERVER_POOL_MIN, log });
  return createPgliteDb(env.PGLITE_DIR || '.data/pglite');
}
