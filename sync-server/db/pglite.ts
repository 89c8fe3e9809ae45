import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { lockDir, type DirLock } from '../../shared/node/dir-lock';
import { makePrivateDir } from '../../shared/node/private-files';
import { Mutex } from './mutex';
import { assertChannel, type Db, type Queryable, type Row, type Unsubscribe } from './types';

const INT8_OID = 20;

/**
 * Embedded PostgreSQL (WASM) on a data directory, or in memory when `dataDir` is omitted (tests).
 *
 * PGlite is a single connection. Its own `transaction()` does not stop a plain `query()` issued meanwhile by another
 * request from running *inside* the open transaction, so every statement and transaction here goes through one
 * FIFO mutex. The price is that transactions never overlap: fine for a laptop floor, and it makes the change
 * counter trivially commit-ordered.
 *
 * A data directory is one process's: PGlite has no cross-process locking, and two servers on one directory would
 * each run their own PostgreSQL over the same files. Opening takes `<dataDir>/writer.lock` (shared/node/dir-lock.ts)
 * until close(), or throws DirInUseError naming the holder, and makes the directory owner-only (PGlite creates its
 * files 0666).
 */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  let lock: DirLock | undefined;
  if (dataDir && !dataDir.startsWith('memory://')) {
    lock = lockDir(dataDir, { purpose: 'the sync server (PGlite)' });
  }
  let pglite: PGlite;
  try {
    // The directory itself (0700) is what keeps others out: PGlite's file system layer makes every file 0666 and
    // every folder 0755, ignoring the umask, also for files it adds while running. What exists once it is open
    // (all of it, after the first start) is made owner-only as well, so a copy of the folder keeps the modes.
    if (lock) makePrivateDir(lock.dir);
    pglite = await PGlite.create(dataDir, {
      parsers: { [INT8_OID]: (value: string) => Number(value) },
    });
    if (lock) makePrivateDir(lock.dir, { recursive: true });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const mutex = new Mutex();
  // Marks async work running inside one of our transactions, so a stray `db.query` there fails loudly instead of
  // waiting forever for the mutex its own transaction holds.
  const inTx = new AsyncLocalStorage<true>();

  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    if (inTx.getStore()) {
      return Promise.reject(new Error('db used inside db.tx(): use the Queryable passed to the transaction callback'));
    }
    return mutex.run(fn);
  };

  const txQueryable = (tx: Transaction): Queryable => {
    let ended = false;
    const open = () => {
      if (ended) throw new Error('transaction already committed (queryAndCommit ends it)');
      return tx;
    };
    return {
      async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        return (await open().query<T>(sql, [...params])).rows;
      },
      async exec(sql: string): Promise<void> {
        await open().exec(sql);
      },
      // One in-process connection: nothing to pipeline, but the same meaning as on pg: committed here, so whatever
      // the callback does afterwards cannot undo it (PGlite's own COMMIT or ROLLBACK at the end then only warns).
      async queryAndCommit<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
        const c = open();
        ended = true;
        const rows = (await c.query<T>(sql, [...params])).rows;
        const [done] = await c.exec('COMMIT');
        if (done?.command !== 'COMMIT') throw new Error(`transaction ended with ${done?.command ?? "no answer"}, not COMMIT`);
        return rows;
      },
    };
  };

  const query = <T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> =>
    exclusive(async () => (await pglite.query<T>(sql, [...params])).rows);

  return {
    kind: 'pglite',
    query,
    exec(sql: string): Promise<void> {
      return exclusive(async () => {
        await pglite.exec(sql);
      });
    },
    // Outside a transaction every statement commits on its own.
    queryAndCommit: query,
    tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      return exclusive(() => pglite.transaction((tx) => inTx.run(true, () => fn(txQueryable(tx)))));
    },
    async listen(channel, handlers): Promise<Unsubscribe> {
      // One connection never drops, so there is no gap to report.
      // PGlite calls the handler from the notifying transaction's commit, inside its async context: the handler (and
      // what it schedules) runs outside it, so a listener may read the database as any other caller does.
      const unlisten = await exclusive(() => pglite.listen(assertChannel(channel), (payload) => inTx.exit(() => handlers.onPayload(payload))));
      return () => exclusive(() => unlisten());
    },
    async notify(channel: string, payload: string): Promise<void> {
      await exclusive(() => pglite.query('SELECT pg_notify($1, $2)', [assertChannel(channel), payload]));
    },
    async close(): Promise<void> {
      try {
        await mutex.run(() => pglite.close());
      } finally {
        lock?.release();
      }
    },
  };
}
