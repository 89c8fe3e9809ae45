import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * One better-sqlite3 connection per database file, shared by every storage instance (= RxDB collection, plus RxDB's
 * internal store) on that file. better-sqlite3 is synchronous, so sharing a connection serialises all statements
 * in this process without any queue, and each bulkWrite transaction is atomic with respect to the others.
 */
export type SqliteConnection = {
  /** Absolute path, or ':memory:'. Key of the registry. */
  readonly filename: string;
  readonly db: Database.Database;
  /** Open storage instances using this connection; closed when it drops to 0. */
  refCount: number;
  /**
   * Per-table values shared by all instances of the same collection on this file (e.g. the change Subject), so two
   * RxDatabase objects on one file in one process see each other's writes, like RxDB's memory storage does.
   */
  readonly perTable: Map<string, unknown>;
};

export type ConnectionOptions = {
  /** better-sqlite3 `nativeBinding`: Electron needs a binary built for its own ABI. */
  nativeBinding?: string;
  /** How long a statement waits on a lock held by another connection/process before failing (ms). */
  busyTimeoutMs?: number;
};

/** Bump when the table layout written by this storage changes incompatibly. */
export const SQLITE_STORAGE_FORMAT = 1;
export const COLLECTIONS_TABLE = 'rxsqlite_collections';
const META_TABLE = 'rxsqlite_meta';

const CONNECTIONS = new Map<string, SqliteConnection>();

export function resolveFilename(
  settings: { filename?: string; databaseDirectory?: string },
  databaseName: string,
): string {
  if (settings.filename) {
    return settings.filename === ':memory:' ? ':memory:' : resolve(settings.filename);
  }
  if (settings.databaseDirectory) {
    // RxDB database names may contain '/', ':' etc.; encode so each name maps to one flat file in the directory.
    const safeName = encodeURIComponent(databaseName).replace(/\*/g, '%2A');
    return resolve(join(settings.databaseDirectory, safeName + '.sqlite'));
  }
  throw new Error('getRxStorageSqlite: set either `filename` or `databaseDirectory`');
}

export function acquireConnection(filename: string, options: ConnectionOptions): SqliteConnection {
  const existing = CONNECTIONS.get(filename);
  if (existing) {
    existing.refCount++;
    return existing;
  }
  if (filename !== ':memory:') {
    mkdirSync(dirname(filename), { recursive: true });
  }
  const db = new Database(filename, {
    timeout: options.busyTimeoutMs ?? 5000,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  try {
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so an acknowledged bulkWrite
    // survives power loss (NORMAL would only guarantee consistency, not durability, in WAL mode).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${COLLECTIONS_TABLE} (
        table_name TEXT PRIMARY KEY,
        database_name TEXT NOT NULL,
        collection_name TEXT NOT NULL,
        schema_version INTEGER NOT NULL,
        layout TEXT NOT NULL
      );
    `);
    const format = db.prepare(`SELECT value FROM ${META_TABLE} WHERE key = 'format'`).pluck().get();
    if (format === undefined) {
      db.prepare(`INSERT INTO ${META_TABLE} (key, value) VALUES ('format', ?)`).run(String(SQLITE_STORAGE_FORMAT));
    } else if (format !== String(SQLITE_STORAGE_FORMAT)) {
      throw new Error(
        `RxStorage sqlite: ${filename} has storage format ${String(format)}, this build reads format ${SQLITE_STORAGE_FORMAT}`,
      );
    }
  } catch (err) {
    db.close();
    throw err;
  }
  const conn: SqliteConnection = { filename, db, refCount: 1, perTable: new Map() };
  CONNECTIONS.set(filename, conn);
  return conn;
}

export function releaseConnection(conn: SqliteConnection): void {
  conn.refCount--;
  if (conn.refCount > 0) {
    return;
  }
  if (CONNECTIONS.get(conn.filename) === conn) {
    CONNECTIONS.delete(conn.filename);
  }
  // Closing the last connection checkpoints the WAL into the main file and deletes the -wal/-shm files.
  conn.db.close();
}

/** The open connection for a file, if any storage instance currently holds it. */
export function findOpenConnection(filename: string): SqliteConnection | undefined {
  return CONNECTIONS.get(filename);
}

/** Double-quote an SQL identifier (table/index names come from RxDB names, which may contain '-' or '$'). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
