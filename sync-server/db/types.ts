/**
 * The one database seam of the sync server. Two implementations: `pg` (PostgreSQL, system of record) and embedded
 * PGlite (one-command laptop floor). Everything above this file speaks only these interfaces, so the same SQL runs on
 * both and tests run against either.
 */

export type Row = Record<string, unknown>;

/** What a statement runner can do: inside a transaction this is the transaction's connection. */
export interface Queryable {
  /** One statement, `$1..$n` parameters. int8 columns come back as JS numbers (see the implementations). */
  query<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Several `;`-separated statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Inside a transaction: its LAST statement, with COMMIT sent right behind it. On PostgreSQL both are written to the
   * connection together (pipelined), so the commit does not wait for this process to read the statement's answer
   * first; a transaction holding a hot lock (the change_counter: see changes.ts) holds it only as long as the database
   * takes, not while this process's event loop is busy with other requests. Resolves with the statement's rows once
   * both are done; rejects if either failed (then nothing was committed). After it the transaction is over: any further
   * use of this Queryable is an error. Outside a transaction it is `query` (autocommit).
   */
  queryAndCommit<T extends Row = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export type Unsubscribe = () => Promise<void>;

export interface ListenHandlers {
  /** A NOTIFY payload arrived on the channel (including this process's own notifications). */
  onPayload: (payload: string) => void;
  /**
   * The listening connection was lost and re-established: notifications sent in between are gone, so whoever
   * relies on them must re-sync (live streams send RESYNC).
   */
  onGap?: () => void;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /**
   * PostgreSQL: where another thread or process opens its own connections to the same database (the dashboard's views
   * worker, dashboard/views-host.ts). Absent on PGlite: the database lives in this thread, and only it can reach it.
   */
  readonly connectionString?: string;
  /**
   * Run `fn` in one transaction (READ COMMITTED) on one connection; commit if it resolves, roll back if it throws.
   * Inside `fn` use only `q`: on PGlite, `db.query` from inside a transaction is an error (single connection).
   */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  listen(channel: string, handlers: ListenHandlers): Promise<Unsubscribe>;
  /** NOTIFY outside a transaction. Inside one, run `SELECT pg_notify($1,$2)` on `q`: it is then sent at commit. */
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** Channel names are interpolated into LISTEN (it takes no parameters): allow only plain identifiers. */
export function assertChannel(channel: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  return channel;
}
