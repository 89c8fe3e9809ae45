import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makePrivateFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../../shared/node/private-files';
import { DocumentCache, parkCache, unparkCache } from './document-cache';

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
  /** Parsed documents beside the file (see document-cache.ts). */
  cache: DocumentCache;
  /** The open token this connection wrote into the file's meta table at open. */
  readonly openToken: string;
  /** `PRAGMA data_version` when last checked: it changes when another connection commits to the file. */
  dataVersion: number;
  readonly stmtDataVersion: Database.Statement<unknown[], unknown>;
};

export type ConnectionOptions = {
  /** better-sqlite3 `nativeBinding`: Electron needs a binary built for its own ABI. */
  nativeBinding?: string;
  /** How long a statement waits on a lock held by another connection/process before failing (ms). */
  busyTimeoutMs?: number;
  /** Parsed documents kept in memory per collection (least recently used dropped first); 0 turns the cache off.
   *  Default 10,000. */
  cacheDocumentsPerCollection?: number;
};

export const DEFAULT_CACHE_DOCUMENTS_PER_COLLECTION = 10_000;

/** Bump when the table layout written by this storage changes incompatibly. */
export const SQLITE_STORAGE_FORMAT = 1;
export const COLLECTIONS_TABLE = 'rxsqlite_collections';
const META_TABLE = 'rxsqlite_meta';
const WAL_SCRATCH_TABLE = 'rxsqlite_wal_scratch';

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

/**
 * The file's identity and last change as the file system sees it. A parked cache is taken back only if the file is
 * untouched since its close: the open token alone is fooled by a copy of the file taken while that connection was
 * open (a station backup restored in place), which carries the same token but older documents.
 */
function fileStamp(filename: string): string {
  const st = statSync(filename, { bigint: true });
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

export function acquireConnection(filename: string, options: ConnectionOptions): SqliteConnection {
  const existing = CONNECTIONS.get(filename);
  if (existing) {
    existing.refCount++;
    return existing;
  }
  let stampBefore = '';
  if (filename !== ':memory:') {
    // The file holds PIN hashes: owner-only from its first byte, whatever the umask. SQLite gives the -wal and -shm
    // files it creates the database file's mode, so creating this one 0600 covers them; files left by older
    // versions (0644) are fixed below. Only a directory made here is made 0700: `filename` may name a file in a
    // shared directory, and the station's own data directory is made private by its owner (station-db.ts).
    mkdirSync(dirname(filename), { recursive: true, mode: PRIVATE_DIR_MODE });
    closeSync(openSync(filename, 'a', PRIVATE_FILE_MODE));
    stampBefore = fileStamp(filename);
    makePrivateFile(filename);
  }
  const openToken = randomUUID();
  let previousToken: string | undefined;
  let dataVersion = 0;
  let versionStmt: Database.Statement<unknown[], unknown> | undefined;
  const db = new Database(filename, {
    timeout: options.busyTimeoutMs ?? 5000,
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
  });
  try {
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so an acknowledged bulkWrite
    // survives power loss (NORMAL would only guarantee consistency, not durability, in WAL mode).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    if (filename !== ':memory:') {
      for (const suffix of ['-wal', '-shm', '-journal']) makePrivateFile(filename + suffix);
    }
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
    preallocateWal(db);
    // Before the token: a commit by another connection after this point shows as a data_version change.
    versionStmt = db.prepare('PRAGMA data_version').pluck();
    dataVersion = Number(versionStmt.get());
    // Every open writes a fresh token (read and replaced in one write transaction): a cache parked at close is valid
    // only while the token is still the one its connection wrote.
    previousToken = db
      .transaction(() => {
        const token = db.prepare(`SELECT value FROM ${META_TABLE} WHERE key = 'open_token'`).pluck().get();
        db.prepare(`INSERT OR REPLACE INTO ${META_TABLE} (key, value) VALUES ('open_token', ?)`).run(openToken);
        return typeof token === 'string' ? token : undefined;
      })
      .immediate();
  } catch (err) {
    db.close();
    throw err;
  }
  const maxPerTable = options.cacheDocumentsPerCollection ?? DEFAULT_CACHE_DOCUMENTS_PER_COLLECTION;
  const parked = filename === ':memory:' || previousToken === undefined ? undefined : unparkCache(filename, `${previousToken}|${stampBefore}`);
  const conn: SqliteConnection = {
    filename,
    db,
    refCount: 1,
    perTable: new Map(),
    cache: parked && parked.maxPerTable === maxPerTable ? parked : new DocumentCache(maxPerTable),
    openToken,
    dataVersion,
    stmtDataVersion: versionStmt ?? db.prepare('PRAGMA data_version').pluck(),
  };
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
  // A WAL left behind means another connection still has the file open and may write to it without changing the
  // open token: its cache cannot be trusted later.
  if (conn.filename !== ':memory:' && !existsSync(conn.filename + '-wal')) {
    parkCache(conn.filename, `${conn.openToken}|${fileStamp(conn.filename)}`, conn.cache);
  }
}

/**
 * The connection's document cache, emptied first if another connection committed to the file since the last check.
 * Call before every read that may be answered from the cache (and inside write transactions, before reading the
 * documents to compare revisions against).
 */
export function freshCache(conn: SqliteConnection): DocumentCache {
  const version = Number(conn.stmtDataVersion.get());
  if (version !== conn.dataVersion) {
    conn.dataVersion = version;
    conn.cache.clear();
  }
  return conn.cache;
}

/** The open connection for a file, if any storage instance currently holds it. */
export function findOpenConnection(filename: string): SqliteConnection | undefined {
  return CONNECTIONS.get(filename);
}

/**
 * Grows the WAL once to its working size (what accumulates before an automatic checkpoint) and restarts it, so the
 * fsync of every later commit overwrites blocks the file already has instead of appending: appending makes the
 * filesystem journal a size change at each fdatasync, which here costs about as much again as the commit itself
 * (PostgreSQL recycles its WAL segments for the same reason). The space is written as free pages of the database
 * (a blob inserted and deleted), which later inserts reuse.
 */
export function preallocateWal(db: Database.Database): void {
  const pages = Number(db.pragma('wal_autocheckpoint', { simple: true }));
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  if (!(pages > 0) || db.memory) {
    return;
  }
  db.exec(`CREATE TABLE IF NOT EXISTS ${WAL_SCRATCH_TABLE} (b BLOB NOT NULL)`);
  db.prepare(`INSERT INTO ${WAL_SCRATCH_TABLE} (b) VALUES (zeroblob(?))`).run(pages * pageSize);
  db.exec(`DELETE FROM ${WAL_SCRATCH_TABLE}`);
  // Once every frame is copied back, the next writer starts again at the beginning of the (now full-size) WAL file.
  // PASSIVE never waits for other connections' readers; if one holds the WAL, it restarts at a later checkpoint.
  db.pragma('wal_checkpoint(PASSIVE)');
}

/** Double-quote an SQL identifier (table/index names come from RxDB names, which may contain '-' or '$'). */
export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
