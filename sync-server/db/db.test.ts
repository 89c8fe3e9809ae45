import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDb } from './pg';
import { createTestDb, type TestDb } from './testing';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.cleanup();
});

describe(`Db (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('queries with parameters and returns int8 as number, jsonb and text[] parsed', async () => {
    const rows = await t.db.query<{ n: number; j: unknown; a: string[] }>(
      `SELECT $1::bigint AS n, $2::jsonb AS j, $3::text[] AS a`,
      [42, JSON.stringify({ x: [1, 'y'] }), ['all', 'dept:sewing']],
    );
    expect(rows).toEqual([{ n: 42, j: { x: [1, 'y'] }, a: ['all', 'dept:sewing'] }]);
  });

  it('commits a transaction and rolls back a failed one', async () => {
    await t.db.exec('CREATE TABLE t_tx (v int); CREATE TABLE t_tx2 (v int)');
    await t.db.tx(async (q) => {
      await q.query('INSERT INTO t_tx VALUES (1)');
    });
    await expect(
      t.db.tx(async (q) => {
        await q.query('INSERT INTO t_tx VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.db.query('SELECT v FROM t_tx ORDER BY v')).toEqual([{ v: 1 }]);
  });

  it('queryAndCommit ends the transaction with its statement: committed with it, nothing if it fails, no use after it', async () => {
    await t.db.exec('CREATE TABLE t_qc (v int PRIMARY KEY)');
    const rows = await t.db.tx(async (q) => {
      await q.query('INSERT INTO t_qc VALUES (1)');
      return q.queryAndCommit<{ v: number }>('INSERT INTO t_qc VALUES ($1) RETURNING v', [2]);
    });
    expect(rows).toEqual([{ v: 2 }]);
    // The statement fails (duplicate key): the earlier insert of the transaction is not kept either.
    await expect(
      t.db.tx(async (q) => {
        await q.query('INSERT INTO t_qc VALUES (3)');
        return q.queryAndCommit('INSERT INTO t_qc VALUES (1)');
      }),
    ).rejects.toThrow(/duplicate key/);
    // After it the transaction is over: a further statement is an error, not an autocommit write.
    await expect(
      t.db.tx(async (q) => {
        await q.queryAndCommit('INSERT INTO t_qc VALUES (4)');
        await q.query('INSERT INTO t_qc VALUES (5)');
      }),
    ).rejects.toThrow(/already committed/);
    expect(await t.db.query('SELECT v FROM t_qc ORDER BY v')).toEqual([{ v: 1 }, { v: 2 }, { v: 4 }]);
  });

  it.runIf(process.env.TEST_DATABASE_URL)('queryAndCommit: the COMMIT does not wait for this process to read the statement (pg pipeline)', async () => {
    await t.db.exec('CREATE TABLE t_pipe (id int PRIMARY KEY, v int); INSERT INTO t_pipe VALUES (1, 0)');
    // The transaction holds the row lock, sleeps 100 ms in its last statement, then commits; a second connection
    // waits for the lock and notes (in the database's clock) when it got it. Meanwhile this process is blocked for
    // 600 ms: if COMMIT were only sent after the statement's answer was read, the waiter would get the lock after it.
    const tx = t.db.tx((q) =>
      q.queryAndCommit<{ at: string }>(
        // `at`: the end of the statement (clock_timestamp() read after the sleep).
        'UPDATE t_pipe SET v = v + 1 WHERE id = 1 RETURNING (SELECT clock_timestamp() FROM pg_sleep(0.1))::text AS at',
      ),
    );
    await new Promise((r) => setTimeout(r, 30));
    const waiter = t.db.query<{ at: string }>('UPDATE t_pipe SET v = v + 1 WHERE id = 1 RETURNING clock_timestamp()::text AS at');
    await new Promise((r) => setTimeout(r, 30));
    const until = Date.now() + 600;
    while (Date.now() < until) {
      // busy: the event loop reads no socket now
    }
    const [[done], [got]] = await Promise.all([tx, waiter]);
    const gap = Date.parse(got!.at) - Date.parse(done!.at);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(300);
  });

  it('keeps concurrent transactions and plain queries apart', async () => {
    await t.db.exec('CREATE TABLE t_iso (v int)');
    const slow = t.db.tx(async (q) => {
      await q.query('INSERT INTO t_iso VALUES (1)');
      await new Promise((r) => setTimeout(r, 50));
      throw new Error('rollback');
    });
    // Issued while the transaction is open: must not run inside it (PGlite single connection) nor see its row.
    const seen = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_iso');
    await expect(slow).rejects.toThrow('rollback');
    expect(seen[0]?.n).toBe(0);
    expect((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_iso'))[0]?.n).toBe(0);
  });

  it('delivers NOTIFY to listeners, only after commit', async () => {
    const got: string[] = [];
    const stop = await t.db.listen('qsf_test_channel', { onPayload: (p) => got.push(p) });
    await t.db.tx(async (q) => {
      await q.query('SELECT pg_notify($1, $2)', ['qsf_test_channel', 'in-tx']);
      await new Promise((r) => setTimeout(r, 30));
      expect(got).toEqual([]);
    });
    await t.db.notify('qsf_test_channel', 'direct');
    await expect.poll(() => got).toEqual(['in-tx', 'direct']);
    await stop();
    await t.db.notify('qsf_test_channel', 'after-stop');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['in-tx', 'direct']);
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('pg LISTEN connection', () => {
  it('reconnects after the server drops it, reports the gap, and keeps delivering', async () => {
    const got: string[] = [];
    let gaps = 0;
    const stop = await t.db.listen('qsf_test_reconnect', { onPayload: (p) => got.push(p), onGap: () => gaps++ });
    await t.db.notify('qsf_test_reconnect', 'before');
    await expect.poll(() => got).toEqual(['before']);
    // Kill the listening backend as a server restart or network cut would.
    await t.db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE 'LISTEN%'`,
    );
    await expect.poll(() => gaps, { timeout: 10_000 }).toBe(1);
    await t.db.notify('qsf_test_reconnect', 'after');
    await expect.poll(() => got).toEqual(['before', 'after']);
    await stop();
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('keeps `min` connections open however long idle, and closes the others after `idleMs`', async () => {
    const count = async (name: string) =>
      Number((await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]))[0]?.n);
    for (const min of [2, 0]) {
      const name = `qsf-pool-min-${min}`;
      const url = new URL(t.db.connectionString!);
      url.searchParams.set('application_name', name);
      const pool = createPgDb({ connectionString: url.toString(), max: 5, min, idleMs: 100 });
      try {
        await Promise.all(Array.from({ length: 5 }, () => pool.query('SELECT pg_sleep(0.05)')));
        expect(await count(name)).toBe(5);
        await expect.poll(() => count(name), { timeout: 5_000, interval: 100 }).toBe(min);
        await new Promise((r) => setTimeout(r, 400));
        expect(await count(name), `min ${min}`).toBe(min);
      } finally {
        await pool.close();
      }
    }
  });
});
