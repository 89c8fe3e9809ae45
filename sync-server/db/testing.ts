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

  const name = `qsf_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  const opened: Db[] = [];
  const open = async (): Promise<Db> => {
    const db = createPgDb({ connectionString: url.toString(), max: 10 });
    opened.push(db);
    return db;
  };
  const db = await open();
  return {
    db,
    kind: 'pg',
    url: url.toString(),
    openAnother: open,
    async cleanup() {
      await Promise.all(opened.map((d) => d.close().catch(() => undefined)));
      const drop = new pg.Client({ connectionString: base });
      await drop.connect();
      try {
        await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}
