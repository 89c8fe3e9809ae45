import type Database from 'better-sqlite3';
import {
  ensureRxStorageInstanceParamsAreCorrect,
  getPrimaryFieldOfPrimaryKey,
  RXDB_VERSION,
  type RxStorage,
  type RxStorageInstanceCreationParams,
} from 'rxdb';
import {
  acquireConnection,
  COLLECTIONS_TABLE,
  findOpenConnection,
  quoteIdent,
  releaseConnection,
  resolveFilename,
  type ConnectionOptions,
} from './connection';
import {
  attachmentsUnsupportedError,
  RxStorageInstanceSqlite,
  schemaIndexes,
  tableNameFor,
  type RxStorageSqliteInstanceCreationOptions,
  type RxStorageSqliteInternals,
} from './instance';

export type RxStorageSqliteSettings = ConnectionOptions & {
  /** One SQLite file per RxDatabase: `<databaseDirectory>/<encoded database name>.sqlite`. */
  databaseDirectory?: string;
  /** One SQLite file for every RxDatabase of this storage (tables are prefixed by database name); ':memory:' ok. */
  filename?: string;
};

export type RxStorageSqlite = RxStorage<RxStorageSqliteInternals, RxStorageSqliteInstanceCreationOptions> & {
  readonly settings: Readonly<RxStorageSqliteSettings>;
  /** Absolute path of the file backing `databaseName` (or ':memory:'). */
  getFilename(databaseName: string): string;
};

export const RX_STORAGE_NAME_SQLITE = 'quty-sqlite';

/** Row of the bookkeeping table: which RxDB collection (and schema version) lives in which table. */
export type SqliteCollectionInfo = {
  tableName: string;
  databaseName: string;
  collectionName: string;
  schemaVersion: number;
};

/**
 * RxStorage on better-sqlite3: documents as JSON text, `_meta.lwt` as REAL, RxDB's index strings in one indexed TEXT
 * column per schema index, one table per collection and schema version, one connection per file.
 */
export function getRxStorageSqlite(settings: RxStorageSqliteSettings): RxStorageSqlite {
  if (!settings.filename && !settings.databaseDirectory) {
    throw new Error('getRxStorageSqlite: set either `filename` or `databaseDirectory`');
  }
  const frozen: Readonly<RxStorageSqliteSettings> = Object.freeze({ ...settings });
  return {
    name: RX_STORAGE_NAME_SQLITE,
    rxdbVersion: RXDB_VERSION,
    settings: frozen,
    getFilename: (databaseName: string) => resolveFilename(frozen, databaseName),
    createStorageInstance<RxDocType>(
      params: RxStorageInstanceCreationParams<RxDocType, RxStorageSqliteInstanceCreationOptions>,
    ): Promise<RxStorageInstanceSqlite<RxDocType>> {
      try {
        return Promise.resolve(createInstance(frozen, params));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

function createInstance<RxDocType>(
  settings: Readonly<RxStorageSqliteSettings>,
  params: RxStorageInstanceCreationParams<RxDocType, RxStorageSqliteInstanceCreationOptions>,
): RxStorageInstanceSqlite<RxDocType> {
  ensureRxStorageInstanceParamsAreCorrect(params);
  if (params.schema.attachments) {
    throw attachmentsUnsupportedError(params.collectionName);
  }
  const connection = acquireConnection(resolveFilename(settings, params.databaseName), settings);
  try {
    const tableName = tableNameFor(params.databaseName, params.collectionName, params.schema.version);
    ensureTable(connection.db, params, tableName);
    return new RxStorageInstanceSqlite<RxDocType>(
      params.databaseName,
      params.collectionName,
      params.schema,
      { connection, tableName },
      params.options ?? {},
    );
  } catch (err) {
    releaseConnection(connection);
    throw err;
  }
}

function ensureTable<RxDocType>(
  db: Database.Database,
  params: RxStorageInstanceCreationParams<RxDocType, RxStorageSqliteInstanceCreationOptions>,
  tableName: string,
): void {
  const indexes = schemaIndexes(params.schema);
  // What the columns mean. A table created for a different layout under the same name (schema changed without a
  // version bump) would answer queries from wrong index strings, so refuse instead of guessing.
  const layout = JSON.stringify({ primaryKey: getPrimaryFieldOfPrimaryKey(params.schema.primaryKey), indexes });
  const t = quoteIdent(tableName);
  db.transaction(() => {
    const existing = db.prepare(`SELECT layout FROM ${COLLECTIONS_TABLE} WHERE table_name = ?`).pluck().get(tableName);
    if (existing !== undefined && existing !== layout) {
      throw new Error(
        `RxStorage sqlite: table ${tableName} was created with another primary key/index layout; ` +
          'bump the schema version (with a migration) when changing indexes',
      );
    }
    const indexCols = indexes.map((_fields, i) => `, i${i} TEXT NOT NULL`).join('');
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${t} (id TEXT PRIMARY KEY NOT NULL, deleted INTEGER NOT NULL, ` +
        `lwt REAL NOT NULL, data TEXT NOT NULL${indexCols})`,
    );
    indexes.forEach((_fields, i) => {
      db.exec(`CREATE INDEX IF NOT EXISTS ${quoteIdent(`${tableName}__i${i}`)} ON ${t} (i${i})`);
    });
    if (existing === undefined) {
      db.prepare(
        `INSERT INTO ${COLLECTIONS_TABLE} (table_name, database_name, collection_name, schema_version, layout) ` +
          'VALUES (?, ?, ?, ?, ?)',
      ).run(tableName, params.databaseName, params.collectionName, params.schema.version, layout);
    }
  }).immediate();
}

/**
 * The better-sqlite3 connection behind a storage instance, or behind `databaseName` of a storage while any of its
 * collections is open: for PRAGMA integrity_check, reading `rxsqlite_collections`, backups. Do not write RxDB's
 * tables through it (RxDB's caches and change streams would not know).
 */
export function getSqliteDatabase<RxDocType>(
  target: RxStorageInstanceSqlite<RxDocType> | RxStorageSqlite,
  databaseName?: string,
): Database.Database {
  if (target instanceof RxStorageInstanceSqlite) {
    return target.internals.connection.db;
  }
  if (databaseName === undefined) {
    throw new Error('getSqliteDatabase(storage, databaseName): databaseName is required for a storage');
  }
  const conn = findOpenConnection(target.getFilename(databaseName));
  if (!conn) {
    throw new Error(`getSqliteDatabase: no open connection for database "${databaseName}" (open the RxDatabase first)`);
  }
  return conn.db;
}

/** Which RxDB collections (and schema versions) the file holds. */
export function listSqliteCollections(db: Database.Database): SqliteCollectionInfo[] {
  return db
    .prepare(
      `SELECT table_name AS tableName, database_name AS databaseName, collection_name AS collectionName, ` +
        `schema_version AS schemaVersion FROM ${COLLECTIONS_TABLE} ORDER BY table_name`,
    )
    .all() as SqliteCollectionInfo[];
}
