/**
 * The station's database: one SQLite file (WAL, synchronous=FULL) holding an RxDB database with two collections,
 * well inside the open-source limit of 13:
 *   - `events`: this station's own events, append-only, replicated up (push);
 *   - `documents`: authoritative documents pulled from the server (work orders, transfers, lines, holds, alerts,
 *     roster, stations, station keys, refusals, this station's progress), replicated down.
 * App-level migrations are numbered functions recorded in `station_meta`, run in order at open.
 *
 * Opening takes the data directory for this process (`<dataDir>/writer.lock`, shared/node/dir-lock.ts) until the
 * database is closed: a second core on the same directory would number its events from the same last seq. It also
 * makes the directory 0700 and every file in it 0600 (PIN hashes, signing key, sync token), fixing older installs.
 */
import type Database from 'better-sqlite3';
import { addRxPlugin, createRxDatabase, type RxCollection, type RxDatabase, type RxJsonSchema, type RxStorage } from 'rxdb';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import type { FloorEvent } from '../../shared/events';
import { lockDir } from '../../shared/node/dir-lock';
import { makePrivateDir } from '../../shared/node/private-files';
import { getRxStorageSqlite, getSqliteDatabase } from './rxdb-sqlite';

/** An own event as stored (the envelope + type + payload, exactly what goes up). */
export type StoredEvent = FloorEvent;

/** A pulled document: `key` = `${kind}:${id}`. */
export interface StoredDocument {
  key: string;
  kind: string;
  id: string;
  body: Record<string, unknown>;
}

/** One field of an RxDB JSON schema, as the station's collections use them. */
interface RxField {
  type: string | string[];
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
}

/** A field for each of T's: a field T gains or loses does not compile until it is stored. */
type RxFields<T> = { readonly [K in keyof T]-?: RxField };

/**
 * A collection whose documents have every field. Version 0 is what stations hold on disk: RxDB refuses to open a
 * collection whose schema changed (DB6) unless `version` goes up with a migration strategy, so a field, a bound or
 * the order of the fields changes nothing without one (station-db.test.ts pins both schemas).
 */
function allRequired<T>(primaryKey: keyof T & string, properties: RxFields<T>, indexes: (keyof T & string)[]): RxJsonSchema<T> {
  return { version: 0, primaryKey, type: 'object', properties, required: Object.keys(properties), indexes } as unknown as RxJsonSchema<T>;
}

/**
 * The envelope's fields (EventEnvelope in shared/events.ts) plus `type` and `payload`. The bounds are storage bounds,
 * at least what the envelope accepts (RxDB needs a maxLength on the primary key and a range on an indexed number);
 * station-db.test.ts checks the fields, types and bounds against the zod envelope. `type` keeps a maxLength rather
 * than an enum of EVENT_TYPES: an enum would change the stored schema.
 */
export const eventSchema = allRequired<StoredEvent>(
  'id',
  {
    id: { type: 'string', maxLength: 36 },
    stationId: { type: 'string', maxLength: 40 },
    seq: { type: 'integer', minimum: 1, maximum: 1e12, multipleOf: 1 },
    hlc: { type: 'string', maxLength: 100 },
    operatorId: { type: ['string', 'null'] },
    type: { type: 'string', maxLength: 40 },
    payload: { type: 'object' },
    v: { type: 'integer' },
  },
  ['seq'],
);

export const documentSchema = allRequired<StoredDocument>(
  'key',
  { key: { type: 'string', maxLength: 140 }, kind: { type: 'string', maxLength: 30 }, id: { type: 'string', maxLength: 100 }, body: { type: 'object' } },
  ['kind'],
);

export type StationCollections = {
  events: RxCollection<StoredEvent>;
  documents: RxCollection<StoredDocument>;
};
export type StationDatabase = RxDatabase<StationCollections>;

/** Numbered app-level migrations on the raw SQLite file; a test runs the whole chain. */
export const STATION_MIGRATIONS: readonly { id: number; name: string; up: (db: Database.Database) => void }[] = [
  {
    id: 1,
    name: 'station meta',
    up: (db) => {
      db.exec('CREATE TABLE IF NOT EXISTS station_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    },
  },
];

function migrate(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS station_meta (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT id FROM station_meta').all() as { id: number }[]).map((r) => r.id));
  const record = db.prepare('INSERT INTO station_meta (id, name, applied_at) VALUES (?, ?, ?)');
  for (const m of STATION_MIGRATIONS) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      m.up(db);
      record.run(m.id, m.name, new Date().toISOString());
    })();
  }
  return Math.max(0, ...STATION_MIGRATIONS.map((m) => m.id));
}

let devModeAdded = false;

export interface OpenStationDbOptions {
  dataDir: string;
  /** RxDB dev-mode + schema validation (tests); off in production for speed. */
  devMode?: boolean;
  /**
   * better-sqlite3 binary to load instead of the one in node_modules (its `nativeBinding` option): the Electron
   * shell's core process names one built for Electron's ABI (QSF_SQLITE_BINDING), so node_modules keeps the Node
   * build the tests use.
   */
  nativeBinding?: string;
}

export interface OpenedStationDb {
  rx: StationDatabase;
  sqlite: Database.Database;
  schemaVersion: number;
}

/** RxDB database name (and so the file name) for a station: `station-st-sew-1`. */
export function stationDbName(stationId: string): string {
  return `station-${stationId.toLowerCase()}`;
}

/**
 * Opens the station's database, holding its data directory until `rx.close()`. Throws DirInUseError (naming the
 * holder's pid, host and start time) if another live process holds it; that process's directory is left untouched.
 */
export async function openStationDb(opts: OpenStationDbOptions & { stationId: string }): Promise<OpenedStationDb> {
  const lock = lockDir(opts.dataDir, { purpose: `station core ${opts.stationId}` });
  try {
    makePrivateDir(opts.dataDir);
    const opened = await openLocked(opts);
    // Released once the database (and so the SQLite file) is closed: not in RxDB's onClose hooks, which run before
    // the collections close.
    const close = opened.rx.close.bind(opened.rx);
    opened.rx.close = async () => {
      try {
        return await close();
      } finally {
        lock.release();
      }
    };
    return opened;
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function openLocked(opts: OpenStationDbOptions & { stationId: string }): Promise<OpenedStationDb> {
  const nativeBinding = opts.nativeBinding ?? process.env.QSF_SQLITE_BINDING;
  const base = getRxStorageSqlite({ databaseDirectory: opts.dataDir, ...(nativeBinding ? { nativeBinding } : {}) });
  let storage: RxStorage<unknown, unknown> = base as RxStorage<unknown, unknown>;
  if (opts.devMode && !devModeAdded) {
    addRxPlugin(RxDBDevModePlugin);
    devModeAdded = true;
  }
  // Dev-mode is process-wide once added: every database in this process then needs the validator.
  if (devModeAdded) {
    storage = wrappedValidateAjvStorage({ storage: base }) as RxStorage<unknown, unknown>;
  }
  const rx = await createRxDatabase<StationCollections>({
    name: stationDbName(opts.stationId),
    storage,
    multiInstance: false,
    eventReduce: true,
  });
  try {
    await rx.addCollections({ events: { schema: eventSchema }, documents: { schema: documentSchema } });
    const sqlite = getSqliteDatabase(base, stationDbName(opts.stationId));
    const schemaVersion = migrate(sqlite);
    return { rx, sqlite, schemaVersion };
  } catch (err) {
    // Closed before the caller releases the directory, so no connection outlives the lock.
    await rx.close().catch(() => undefined);
    throw err;
  }
}
