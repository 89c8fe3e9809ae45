import type Database from 'better-sqlite3';
import { Subject, type Observable } from 'rxjs';
import {
  categorizeBulkWriteRows,
  getChangedDocumentsSinceQuery,
  getIndexMeta,
  getPrimaryFieldOfPrimaryKey,
  getQueryMatcher,
  getSortComparator,
  getStartIndexStringFromLowerBound,
  getStartIndexStringFromUpperBound,
  INDEX_MAX,
  now,
  prepareQuery,
  RxError,
  toArray,
  type BulkWriteRow,
  type CategorizeBulkWriteRowsOutput,
  type EventBulk,
  type PreparedQuery,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorageBulkWriteResponse,
  type RxStorageChangeEvent,
  type RxStorageCountResult,
  type RxStorageDefaultCheckpoint,
  type RxStorageInstance,
  type RxStorageQueryResult,
  type StringKeys,
} from 'rxdb';
import { COLLECTIONS_TABLE, freshCache, quoteIdent, releaseConnection, type SqliteConnection } from './connection';
import type { TableCache } from './document-cache';
import { toSortableText } from './sortable-text';

export type RxStorageSqliteInternals = {
  readonly connection: SqliteConnection;
  /** Unquoted SQL table name holding this collection's documents. */
  readonly tableName: string;
};

/** This storage takes no per-collection options; the type exists so RxDB's generics line up. */
export type RxStorageSqliteInstanceCreationOptions = Record<string, never>;

type ChangeBulk<RxDocType> = EventBulk<RxStorageChangeEvent<RxDocumentData<RxDocType>>, RxStorageDefaultCheckpoint>;

/** One schema index: the RxDB field list, its SQL column and which field parts its index string concatenates. */
type IndexColumn = {
  readonly fields: string[];
  readonly column: string;
  /** Positions in `IndexFields.parts`, in index order. */
  readonly parts: number[];
};

/**
 * The distinct fields of all indexes, each with RxDB's own index-string part function (`getIndexMeta`, the pieces
 * `getIndexableStringMonad` concatenates). A document's index strings are built from these parts, each computed and
 * remapped (toSortableText) once per document even when several indexes share the field (the primary key and
 * `_deleted` are in nearly all of them). Remapping is per code unit, so remap(a + b) = remap(a) + remap(b) and the
 * result equals toSortableText(getIndexableStringMonad(schema, fields)(doc)).
 */
type IndexFields<RxDocType> = {
  readonly parts: ((doc: RxDocumentData<RxDocType>) => string)[];
  /** Only string fields can hold code units that need remapping; numbers and booleans are ASCII digits. */
  readonly remap: boolean[];
};

type RangeMode = 'all' | 'page' | 'count';

/** SQL for a range scan on one index column, ready to run; `explainQuery` uses the same builder, so tests see
 *  exactly the statement `query` runs. Scans yield primary keys (or a count); documents come from `docsFor`. */
type RangeScan = { stmt: Database.Statement<unknown[], unknown>; params: unknown[] };

/** Thrown inside the insert-only transaction to roll it back when an id turns out to exist. */
const ALREADY_STORED = new Error('RxStorage sqlite: document already stored');
const NOTHING_IN_DB = new Map<string, never>();

/** Keys per lookup when a filtered, index-sorted query walks its range lazily. */
const LAZY_CHUNK = 256;

export function tableNameFor(databaseName: string, collectionName: string, schemaVersion: number): string {
  return `${databaseName}__${collectionName}__v${schemaVersion}`;
}

/** The indexes RxDB's query planner may choose: `schema.indexes` of the (already normalised) schema. */
export function schemaIndexes<RxDocType>(schema: RxJsonSchema<RxDocumentData<RxDocType>>): string[][] {
  return (schema.indexes ?? []).map((index) => toArray(index).slice(0));
}

export function attachmentsUnsupportedError(collectionName: string): RxError {
  // SQL1 is RxDB's own code for "this SQLite storage does not support attachments"; the message is ours because
  // RxDB's text talks about its trial version.
  return new RxError(
    'SQL1',
    `The Quty SQLite RxStorage does not support attachments (collection "${collectionName}"). ` +
      'Store binary data outside RxDB or remove `attachments` from the schema.',
    { collection: collectionName },
  );
}

export class RxStorageInstanceSqlite<RxDocType>
  implements
    RxStorageInstance<
      RxDocType,
      RxStorageSqliteInternals,
      RxStorageSqliteInstanceCreationOptions,
      RxStorageDefaultCheckpoint
    >
{
  public readonly primaryPath: StringKeys<RxDocumentData<RxDocType>>;
  public closed = false;
  private readonly db: Database.Database;
  private readonly table: string;
  private readonly indexColumns: IndexColumn[];
  private readonly indexFields: IndexFields<RxDocType>;
  private readonly indexColumnByName: Map<string, IndexColumn>;
  private readonly changes$: Subject<ChangeBulk<RxDocType>>;
  private readonly rangeStatements = new Map<string, Database.Statement<unknown[], unknown>>();
  private readonly stmtSelectOne: Database.Statement<unknown[], unknown>;
  private readonly stmtSelectMany: Database.Statement<unknown[], unknown>;
  private readonly stmtSelectAll: Database.Statement<unknown[], unknown>;
  private readonly stmtInsert: Database.Statement<unknown[], unknown>;
  private readonly stmtUpdate: Database.Statement<unknown[], unknown>;
  private readonly stmtCleanup: Database.Statement<unknown[], unknown>;
  private readonly lwtIndex: IndexColumn | undefined;
  /** This table's parsed documents (document-cache.ts); read it through `cached()`, which checks it is fresh. */
  private readonly cache: TableCache<RxDocumentData<RxDocType>>;
  /** Insert-only variant for rows that are all new documents; throws ALREADY_STORED (rolled back) if one is not. */
  private readonly insertTransaction: (
    rows: BulkWriteRow<RxDocType>[],
    context: string,
  ) => CategorizeBulkWriteRowsOutput<RxDocType>;
  /** The whole read-categorise-write step of a bulkWrite as one IMMEDIATE transaction (see bulkWrite). */
  private readonly writeTransaction: (
    rows: BulkWriteRow<RxDocType>[],
    context: string,
  ) => CategorizeBulkWriteRowsOutput<RxDocType>;

  constructor(
    public readonly databaseName: string,
    public readonly collectionName: string,
    public readonly schema: Readonly<RxJsonSchema<RxDocumentData<RxDocType>>>,
    public readonly internals: RxStorageSqliteInternals,
    public readonly options: Readonly<RxStorageSqliteInstanceCreationOptions>,
  ) {
    this.primaryPath = getPrimaryFieldOfPrimaryKey(schema.primaryKey);
    this.db = internals.connection.db;
    this.table = quoteIdent(internals.tableName);
    const fieldPositions = new Map<string, number>();
    const indexFields: IndexFields<RxDocType> = { parts: [], remap: [] };
    this.indexColumns = schemaIndexes(schema).map((fields, i) => ({
      fields,
      column: 'i' + i,
      parts: fields.map((field) => {
        let pos = fieldPositions.get(field);
        if (pos === undefined) {
          const meta = getIndexMeta(schema, [field])[0];
          if (!meta) {
            throw new Error(`RxStorage sqlite: no index meta for field ${field}`);
          }
          pos = indexFields.parts.length;
          indexFields.parts.push(meta.getIndexStringPart);
          indexFields.remap.push(meta.schemaPart.type === 'string');
          fieldPositions.set(field, pos);
        }
        return pos;
      }),
    }));
    this.indexFields = indexFields;
    this.indexColumnByName = new Map(this.indexColumns.map((c) => [c.fields.join(','), c]));

    const perTable = internals.connection.perTable;
    const existing = perTable.get(internals.tableName);
    if (existing instanceof Subject) {
      this.changes$ = existing as Subject<ChangeBulk<RxDocType>>;
    } else {
      this.changes$ = new Subject<ChangeBulk<RxDocType>>();
      perTable.set(internals.tableName, this.changes$);
    }

    this.cache = internals.connection.cache.table(internals.tableName);
    const t = this.table;
    const idxCols = this.indexColumns.map((c) => c.column);
    // pluck(): rows as the bare data string, no per-row object; the id is read from the parsed document.
    this.stmtSelectOne = this.db.prepare(`SELECT data FROM ${t} WHERE id = ?`).pluck();
    // One cached statement for any number of ids: the ids travel as one JSON array parameter. A join driven by
    // json_each (one primary-key search per id) rather than `id IN (SELECT value FROM json_each(?))`, which first
    // builds a temporary b-tree of the ids: ~25% less time for 3000 ids. A repeated id yields its row twice; the
    // caller keys rows by id, so that only costs a second parse.
    this.stmtSelectMany = this.db
      .prepare(`SELECT ${t}.data FROM json_each(?) AS j JOIN ${t} ON ${t}.id = j.value`)
      .pluck();
    this.stmtSelectAll = this.db.prepare(`SELECT id FROM ${t}`).pluck();
    const insertCols = ['id', 'deleted', 'lwt', 'data', ...idxCols];
    this.stmtInsert = this.db.prepare(
      `INSERT INTO ${t} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')})`,
    );
    this.stmtUpdate = this.db.prepare(
      `UPDATE ${t} SET ${['deleted', 'lwt', 'data', ...idxCols].map((c) => c + ' = ?').join(', ')} WHERE id = ?`,
    );
    // No index of its own (one b-tree less on every write): RxDB's ['_meta.lwt', primary] index column, present in
    // every normalised schema, narrows the range; its strings round lwt to 0.01 and never decrease with lwt, so
    // `column <= bound(maxLwt)` is a superset of `lwt <= maxLwt` and the exact REAL test finishes the job.
    this.lwtIndex = this.indexColumnByName.get(['_meta.lwt', this.primaryPath].join(','));
    this.stmtCleanup = this.db.prepare(
      `DELETE FROM ${t} WHERE ` + (this.lwtIndex ? `${this.lwtIndex.column} <= ? AND ` : '') + 'deleted = 1 AND lwt <= ?',
    );

    const insertIfAbsent = this.db.prepare(
      `INSERT INTO ${t} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')}) ` +
        'ON CONFLICT (id) DO NOTHING',
    );
    this.insertTransaction = this.db
      .transaction((rows: BulkWriteRow<RxDocType>[], context: string) => {
        // Nothing in the database for these ids, as far as RxDB can tell from an empty map: all inserts, no 409s.
        const categorized = this.categorize(NOTHING_IN_DB, rows, context);
        for (const row of categorized.bulkInsertDocs) {
          const info = insertIfAbsent.run(this.insertParams(row.document));
          if (info.changes === 0) {
            // The id exists after all (a tombstone, a document another connection wrote): undo, take the full path.
            throw ALREADY_STORED;
          }
        }
        return categorized;
      }).immediate;

    this.writeTransaction = this.db
      .transaction((rows: BulkWriteRow<RxDocType>[], context: string) => {
        const categorized = this.categorize(this.readDocsForWrite(rows), rows, context);
        // One parameter array per row, in column order (id last for the UPDATE's WHERE).
        for (const row of categorized.bulkInsertDocs) {
          this.stmtInsert.run(this.insertParams(row.document));
        }
        for (const row of categorized.bulkUpdateDocs) {
          const doc = row.document;
          const params: unknown[] = [doc._deleted ? 1 : 0, doc._meta.lwt, JSON.stringify(doc)];
          this.pushIndexValues(doc, params);
          params.push(this.idOf(doc));
          this.stmtUpdate.run(params);
        }
        return categorized;
      })
      // IMMEDIATE takes the write lock up front: a DEFERRED transaction that reads first and writes later can fail
      // with SQLITE_BUSY on the upgrade if another process (e.g. a maintenance tool) holds the file.
      .immediate;
  }

  bulkWrite(rows: BulkWriteRow<RxDocType>[], context: string): Promise<RxStorageBulkWriteResponse<RxDocType>> {
    try {
      this.ensureOpen('bulkWrite');
      if (rows.length === 0) {
        return Promise.resolve({ error: [] });
      }
      // One SQLite transaction: read the current state of the written ids, let RxDB decide inserts/updates/409s,
      // write. better-sqlite3 is synchronous, so nothing else runs on this connection in between. Rows that are all
      // new documents (no previous revision, none known to the cache) first try the insert-only transaction, which
      // skips reading: the primary key itself tells whether an id exists.
      let categorized: CategorizeBulkWriteRowsOutput<RxDocType> | undefined;
      if (this.allNewDocuments(rows)) {
        try {
          categorized = this.insertTransaction(rows, context);
        } catch (err) {
          if (err !== ALREADY_STORED) {
            throw err;
          }
        }
      }
      categorized ??= this.writeTransaction(rows, context);
      // The cache and subscribers learn of the write only after COMMIT returned: never of one that could roll back.
      for (const row of categorized.bulkInsertDocs) {
        this.cache.set(this.idOf(row.document), row.document);
      }
      for (const row of categorized.bulkUpdateDocs) {
        this.cache.set(this.idOf(row.document), row.document);
      }
      if (categorized.eventBulk.events.length > 0 && categorized.newestRow) {
        const last = categorized.newestRow.document;
        categorized.eventBulk.checkpoint = { id: this.idOf(last), lwt: last._meta.lwt };
        this.changes$.next(categorized.eventBulk);
      }
      return Promise.resolve({ error: categorized.errors });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  findDocumentsById(ids: string[], withDeleted: boolean): Promise<RxDocumentData<RxDocType>[]> {
    try {
      this.ensureOpen('findDocumentsById');
      const found = this.readDocsById(ids);
      const ret: RxDocumentData<RxDocType>[] = [];
      // Same order (and duplicates) as the requested ids, as the memory storage returns them.
      for (const id of ids) {
        const doc = found.get(id);
        if (doc && (withDeleted || !doc._deleted)) {
          ret.push(doc);
        }
      }
      return Promise.resolve(ret);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  query(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageQueryResult<RxDocType>> {
    try {
      this.ensureOpen('query');
      return Promise.resolve({ documents: this.runQuery(preparedQuery) });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  count(preparedQuery: PreparedQuery<RxDocType>): Promise<RxStorageCountResult> {
    try {
      this.ensureOpen('count');
      const plan = preparedQuery.queryPlan;
      const column = this.indexColumnByName.get(plan.index.join(','));
      if (column && plan.selectorSatisfiedByIndex) {
        // The index range is exactly the result: let SQLite count index entries without touching the documents.
        const scan = this.rangeScan(preparedQuery, column, 'count');
        const count = Number(scan.stmt.get(...scan.params));
        return Promise.resolve({ count, mode: 'fast' });
      }
      // RxDB's count ignores skip/limit, like the memory storage; count every match in the index range.
      const matcher = getQueryMatcher(this.schema, preparedQuery.query);
      const ids = column ? this.rangeIds(preparedQuery, column, 'all') : (this.stmtSelectAll.all() as string[]);
      let count = 0;
      for (const doc of this.docsFor(ids)) {
        if (matcher(doc)) {
          count++;
        }
      }
      return Promise.resolve({ count, mode: 'fast' });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async getChangedDocumentsSince(
    limit: number,
    checkpoint?: RxStorageDefaultCheckpoint,
  ): Promise<{ documents: RxDocumentData<RxDocType>[]; checkpoint: RxStorageDefaultCheckpoint }> {
    // RxDB's own checkpoint query (lwt > since OR (lwt = since AND id > sinceId), sorted by lwt, id), planned on the
    // ['_meta.lwt', primary] index every normalised schema has: the same answer as storages without this method.
    const prepared = prepareQuery<RxDocType>(this.schema, getChangedDocumentsSinceQuery(this, limit, checkpoint));
    const documents = this.runQuery(prepared);
    const last = documents[documents.length - 1];
    return {
      documents,
      checkpoint: last ? { id: this.idOf(last), lwt: last._meta.lwt } : (checkpoint ?? { id: '', lwt: 0 }),
    };
  }

  changeStream(): Observable<ChangeBulk<RxDocType>> {
    return this.changes$.asObservable();
  }

  cleanup(minimumDeletedTime: number): Promise<boolean> {
    try {
      this.ensureOpen('cleanup');
      // Same bound as the memory storage: purge tombstones whose last write is at least minimumDeletedTime old.
      const maxLwt = now() - minimumDeletedTime;
      if (this.lwtIndex) {
        const bound = getStartIndexStringFromUpperBound(this.schema, this.lwtIndex.fields, [maxLwt, INDEX_MAX]);
        this.stmtCleanup.run(toSortableText(bound), maxLwt);
      } else {
        this.stmtCleanup.run(maxLwt);
      }
      // Purged tombstones must not be served from memory; cleanup is rare, so forget the table's documents.
      this.cache.clear();
      return Promise.resolve(true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  getAttachmentData(_documentId: string, _attachmentId: string, _digest: string): Promise<Blob> {
    return Promise.reject(attachmentsUnsupportedError(this.collectionName));
  }

  async remove(): Promise<void> {
    this.ensureOpen('remove');
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${this.table}`);
      this.db.prepare(`DELETE FROM ${COLLECTIONS_TABLE} WHERE table_name = ?`).run(this.internals.tableName);
    })();
    this.internals.connection.perTable.delete(this.internals.tableName);
    this.cache.clear();
    await this.close();
  }

  close(): Promise<void> {
    if (this.closed) {
      return Promise.resolve();
    }
    this.closed = true;
    releaseConnection(this.internals.connection);
    return Promise.resolve();
  }

  /**
   * EXPLAIN QUERY PLAN of the SQL `query()` runs for this prepared query, or undefined when the planner's index has
   * no column (full scan). For tests and diagnostics.
   */
  explainQuery(
    preparedQuery: PreparedQuery<RxDocType>,
  ): { sql: string; params: unknown[]; plan: string[] } | undefined {
    const column = this.indexColumnByName.get(preparedQuery.queryPlan.index.join(','));
    if (!column) {
      return undefined;
    }
    const scan = this.rangeScan(preparedQuery, column, this.rangeModeFor(preparedQuery));
    const rows = this.db.prepare('EXPLAIN QUERY PLAN ' + scan.stmt.source).all(...scan.params) as { detail: string }[];
    return { sql: scan.stmt.source, params: scan.params, plan: rows.map((r) => r.detail) };
  }

  private runQuery(preparedQuery: PreparedQuery<RxDocType>): RxDocumentData<RxDocType>[] {
    const plan = preparedQuery.queryPlan;
    const query = preparedQuery.query;
    const skip = query.skip ? query.skip : 0;
    // typeof, not truthiness: an explicit `limit: 0` means no documents (memory storage does the same).
    const limit = typeof query.limit === 'number' ? query.limit : Infinity;
    const skipPlusLimit = skip + limit;
    const column = this.indexColumnByName.get(plan.index.join(','));

    if (!column) {
      // The planner was given an index this table has no column for (e.g. `query.index` naming a non-schema
      // index): correct but slow full scan.
      const matcher = getQueryMatcher(this.schema, query);
      const docs = this.docsFor(this.stmtSelectAll.all() as string[])
        .filter((doc) => matcher(doc))
        .sort(getSortComparator(this.schema, query));
      return docs.slice(skip, skipPlusLimit);
    }

    const mode = this.rangeModeFor(preparedQuery);
    if (mode === 'page') {
      // Index range already is the answer in the right order: SQLite applies skip/limit, we read only the page.
      return this.docsFor(this.rangeIds(preparedQuery, column, 'page'));
    }

    const matcher = plan.selectorSatisfiedByIndex ? undefined : getQueryMatcher(this.schema, query);
    const mustSort = !plan.sortSatisfiedByIndex;
    let rows: RxDocumentData<RxDocType>[] = [];
    if (!mustSort && Number.isFinite(skipPlusLimit)) {
      // Sorted by the index but filtered in JS: walk the range lazily, a chunk of keys at a time (one SELECT for the
      // chunk's uncached documents), and stop once skip + limit matches are found.
      const scan = this.rangeScan(preparedQuery, column, 'all');
      let chunk: string[] = [];
      const take = () => {
        for (const doc of this.docsFor(chunk)) {
          if (rows.length >= skipPlusLimit) {
            break;
          }
          if (!matcher || matcher(doc)) {
            rows.push(doc);
          }
        }
        chunk = [];
      };
      for (const id of scan.stmt.iterate(...scan.params) as IterableIterator<string>) {
        chunk.push(id);
        if (chunk.length >= Math.min(LAZY_CHUNK, skipPlusLimit - rows.length)) {
          take();
          if (rows.length >= skipPlusLimit) {
            break;
          }
        }
      }
      take();
    } else {
      for (const doc of this.docsFor(this.rangeIds(preparedQuery, column, 'all'))) {
        if (!matcher || matcher(doc)) {
          rows.push(doc);
        }
      }
      if (mustSort) {
        rows.sort(getSortComparator(this.schema, query));
      }
    }
    if (skip !== 0 || rows.length > skipPlusLimit) {
      rows = rows.slice(skip, skipPlusLimit);
    }
    return rows;
  }

  private rangeModeFor(preparedQuery: PreparedQuery<RxDocType>): RangeMode {
    const plan = preparedQuery.queryPlan;
    return plan.selectorSatisfiedByIndex && plan.sortSatisfiedByIndex ? 'page' : 'all';
  }

  private rangeIds(preparedQuery: PreparedQuery<RxDocType>, column: IndexColumn, mode: RangeMode): string[] {
    const scan = this.rangeScan(preparedQuery, column, mode);
    return scan.stmt.all(...scan.params) as string[];
  }

  /**
   * The index range RxDB's planner chose, as SQL on that index's column: bounds are RxDB's own bound strings
   * (getStartIndexStringFrom{Lower,Upper}Bound), mapped like the stored values (toSortableText).
   */
  private rangeScan(preparedQuery: PreparedQuery<RxDocType>, column: IndexColumn, mode: RangeMode): RangeScan {
    const plan = preparedQuery.queryPlan;
    const lower = toSortableText(getStartIndexStringFromLowerBound(this.schema, column.fields, plan.startKeys));
    const upper = toSortableText(getStartIndexStringFromUpperBound(this.schema, column.fields, plan.endKeys));
    const key = `${column.column}|${plan.inclusiveStart ? 1 : 0}|${plan.inclusiveEnd ? 1 : 0}|${mode}`;
    let stmt = this.rangeStatements.get(key);
    if (!stmt) {
      const c = column.column;
      const where = `${c} ${plan.inclusiveStart ? '>=' : '>'} ? AND ${c} ${plan.inclusiveEnd ? '<=' : '<'} ?`;
      const sql =
        mode === 'count'
          ? `SELECT COUNT(*) FROM ${this.table} WHERE ${where}`
          : `SELECT id FROM ${this.table} WHERE ${where} ORDER BY ${c}` + (mode === 'page' ? ' LIMIT ? OFFSET ?' : '');
      stmt = this.db.prepare(sql).pluck();
      this.rangeStatements.set(key, stmt);
    }
    const params: unknown[] = [lower, upper];
    if (mode === 'page') {
      const query = preparedQuery.query;
      params.push(typeof query.limit === 'number' ? query.limit : -1, query.skip ? query.skip : 0);
    }
    return { stmt, params };
  }

  /** RxDB's own decision of inserts, updates and 409s, given what the database holds for the rows' ids. */
  private categorize(
    docsInDb: Map<string, RxDocumentData<RxDocType>>,
    rows: BulkWriteRow<RxDocType>[],
    context: string,
  ): CategorizeBulkWriteRowsOutput<RxDocType> {
    return categorizeBulkWriteRows<RxDocType>(this, this.primaryPath as StringKeys<RxDocType>, docsInDb, rows, context);
  }

  private allNewDocuments(rows: BulkWriteRow<RxDocType>[]): boolean {
    for (const row of rows) {
      if (row.previous || this.cache.get(this.idOf(row.document)) !== undefined) {
        return false;
      }
    }
    return true;
  }

  /** INSERT parameters in column order: id, deleted, lwt, data, then the index strings. */
  private insertParams(doc: RxDocumentData<RxDocType>): unknown[] {
    const params: unknown[] = [this.idOf(doc), doc._deleted ? 1 : 0, doc._meta.lwt, JSON.stringify(doc)];
    this.pushIndexValues(doc, params);
    return params;
  }

  /** Documents currently stored for the ids of these write rows, for RxDB's conflict detection. */
  private readDocsForWrite(rows: BulkWriteRow<RxDocType>[]): Map<string, RxDocumentData<RxDocType>> {
    const ids = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      ids[i] = this.idOf((rows[i] as BulkWriteRow<RxDocType>).document);
    }
    return this.readDocsById(ids);
  }

  /** The stored documents of these ids (absent ones left out): from the cache, the rest in one SELECT. */
  private readDocsById(ids: string[]): Map<string, RxDocumentData<RxDocType>> {
    const found = new Map<string, RxDocumentData<RxDocType>>();
    if (ids.length === 0) {
      return found;
    }
    freshCache(this.internals.connection);
    let missing: string[] | undefined;
    for (const id of ids) {
      const doc = this.cache.get(id);
      if (doc !== undefined) {
        found.set(id, doc);
      } else {
        (missing ??= []).push(id);
      }
    }
    if (missing) {
      const datas =
        missing.length === 1
          ? (this.stmtSelectOne.all(missing[0]) as string[])
          : (this.stmtSelectMany.all(JSON.stringify(missing)) as string[]);
      for (const data of datas) {
        const doc = JSON.parse(data) as RxDocumentData<RxDocType>;
        const id = this.idOf(doc);
        found.set(id, doc);
        this.cache.set(id, doc);
      }
    }
    return found;
  }

  /** The documents of ids just read from an index range, in that order. */
  private docsFor(ids: string[]): RxDocumentData<RxDocType>[] {
    const found = this.readDocsById(ids);
    const docs: RxDocumentData<RxDocType>[] = [];
    for (const id of ids) {
      const doc = found.get(id);
      // Absent only if another connection deleted the row between the range scan and this read.
      if (doc !== undefined) {
        docs.push(doc);
      }
    }
    return docs;
  }

  /** Appends the document's (remapped) index strings, one per index column, to `out`. */
  private pushIndexValues(doc: RxDocumentData<RxDocType>, out: unknown[]): void {
    const { parts: partFns, remap } = this.indexFields;
    const parts = new Array<string>(partFns.length);
    for (let f = 0; f < partFns.length; f++) {
      const part = (partFns[f] as (d: RxDocumentData<RxDocType>) => string)(doc);
      parts[f] = remap[f] ? toSortableText(part) : part;
    }
    for (const column of this.indexColumns) {
      let value = '';
      for (const p of column.parts) {
        value += parts[p] as string;
      }
      out.push(value);
    }
  }

  private idOf(doc: RxDocumentData<RxDocType>): string {
    return doc[this.primaryPath] as string;
  }

  private ensureOpen(method: string): void {
    if (this.closed) {
      throw new Error(
        `RxStorage sqlite: ${method}() on closed instance ${this.databaseName}/${this.collectionName}`,
      );
    }
  }
}
