/**
 * Every transaction the dashboard writes in: one whole transaction, run again when PostgreSQL rolled it back for a
 * deadlock or serialization failure with another writer (a station's push, another dashboard step), by the same rule
 * as the push path (db/tx-retry.ts). A step racing a push is then answered as if it had come a moment later, never
 * with a 500. `fn` may run more than once: it does nothing outside its transaction (hash passwords and PINs, make
 * secrets and ids before or inside it, tell others after it). dashboard/write-tx.test.ts checks that no dashboard
 * module opens a transaction another way.
 */
import { writeTx } from '../changes';
import { withTxRetry } from '../db/tx-retry';
import type { Db, Queryable } from '../db/types';

/** A transaction that writes no floor documents (accounts, drafts, articles, reviews, codes). */
export function dashboardTx<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return withTxRetry(() => db.tx(fn));
}

/** A transaction that writes floor documents (writeTx: stamped with their change number at commit); `fn`'s result. */
export async function dashboardWriteTx<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  return (await withTxRetry(() => writeTx(db, fn))).result;
}
