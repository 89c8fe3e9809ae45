import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPgDb } from './pg';
import { createPgliteDb } from './pglite';
import type { Db } from './types';

export interface TestDb {
  db: Db;
  /** Which backend this run uses: real PostgreSQL when TEST_DATABASE_URL is set, otherwise in-memory PGlite. */
  kind: Db['kind'];
  /** Connection URL of the isolated database (pg only; null on PGlite). */
  url: string | null;
  /** Another independent connection pool to the same database (pg only), e.g. a second server instance. */
  openAnother(): Promise<Db>;
  /** Closes every pool opened here and drops the database. */
  cleanup(): Promise<void>;
}

/**
 * An isolated database per test file: on PostgreSQL a fresh `CREATE DATABASE qsf_test_<random>` (dropped after), so
 * files can run in parallel and migrations start from empty; on PGlite a new in-memory instance.
 */
export async function createTestDb(env: { TEST_DATABASE_URL?: string } = process.env): Promise<TestDb> {
  const base = env.TEST_DATABASE_URL;
  if (!base) {
    const db = await createPgliteDb();
    return {
      db,
      kind: 'pglite',
      url: null,
      openAnother: () => Promise.reject(new Error('PGlite is one process, one connection: no second instance')),
      cleanup: () => db.close(),
    };
  }

  const scratch = await createScratchDatabase(base, 'qsf_test');
  const opened: Db[] = [];
  const open = async (): Promise<Db> => {
    const db = createPgDb({ connectionString: scratch.url, max: 10 });
    opened.push(db);
    return db;
  };
  const db = await open();
  return {
    db,
    kind: 'pg',
    url: scratch.url,
    openAnother: open,
    async cleanup() {
      await namedIfSlow(`closing the pools of ${scratch.name}`, () => Promise.all(opened.map((d) => d.close().catch(() => undefined))));
      await namedIfSlow(`dropping ${scratch.name}`, () => scratch.drop());
    },
  };
}

/** A fresh, empty database on a PostgreSQL server, so test files and benchmark phases can run side by side. */
export interface ScratchDatabase {
  /** `<prefix>_<12 random hex digits>` */
  name: string;
  /** The server's URL with this database. */
  url: string;
  /** Drops it, connections still open included (FORCE). */
  drop(): Promise<void>;
}

/** A clean-up step still running after this long is named on stderr. */
const SLOW_STEP_MS = 5_000;

/**
 * Runs `step`, saying on stderr which one it is when it is still running after SLOW_STEP_MS: a test hook that times
 * out (an afterAll seen hanging once in a full run, electron/sync/sscc-lease.test.ts) then names the step that hung.
 */
export async function namedIfSlow<T>(what: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const timer = setTimeout(() => console.warn(`[test clean-up] ${what}: still running after ${SLOW_STEP_MS} ms`), SLOW_STEP_MS);
  try {
    return await step();
  } finally {
    clearTimeout(timer);
    if (Date.now() - t0 >= SLOW_STEP_MS) console.warn(`[test clean-up] ${what}: took ${Date.now() - t0} ms`);
  }
}

/** `CREATE DATABASE <prefix>_<random>` on the server at `base` (a URL to any database on it). */
export async function createScratchDatabase(base: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(base, `CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => onServer(base, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** One statement on a connection of its own, closed after. */
async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
