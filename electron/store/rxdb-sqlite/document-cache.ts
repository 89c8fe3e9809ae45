/**
 * Parsed documents kept beside SQLite, per table, so a read of a document this process already wrote or read costs a
 * Map lookup instead of a SELECT + JSON.parse (the same idea as RxDB's premium storages keeping hot documents in
 * memory). SQLite stays the only source of truth; the cache only ever holds what a committed transaction left in
 * the file:
 *
 * - writes enter the cache after COMMIT returned (a rolled-back write never does);
 * - reads enter it as parsed from the file;
 * - another connection committing to the file (another process, a second path to the same file) is seen through
 *   `PRAGMA data_version` before every cached read, and then the whole cache is dropped;
 * - across close/reopen in one process (RxDB reopens databases by name, e.g. after `close()`), the cache of a file
 *   is parked and taken back only if the file's open token is still the one this process wrote at its own open:
 *   every opener writes a fresh token, so any storage of ours that opened the file in between (or crashed while it
 *   had it open) makes the token differ; a parked cache is dropped when the file still had a WAL after close
 *   (another connection had it open).
 *
 * Cached documents are shared, never copied: like RxDB's memory storage, which stores the written `document` objects
 * and hands them out again, this relies on RxDB treating storage documents as immutable (dev-mode deep-freezes them).
 * Writing RxDB's tables with another SQLite client while no connection of ours has the file open is not detected;
 * `getSqliteDatabase` already says not to write them.
 */
export class DocumentCache {
  private readonly tables = new Map<string, TableCache<unknown>>();

  /** @param maxPerTable documents kept per table, least recently used dropped first; 0 disables the cache. */
  constructor(readonly maxPerTable: number) {}

  /** The documents cached for one table (created on first use). */
  table<Doc>(tableName: string): TableCache<Doc> {
    let docs = this.tables.get(tableName);
    if (!docs) {
      docs = new TableCache<unknown>(new Map(), this.maxPerTable);
      this.tables.set(tableName, docs);
    }
    return docs as TableCache<Doc>;
  }

  /** Drops every cached document of every table (another connection changed the file). */
  clear(): void {
    for (const docs of this.tables.values()) {
      docs.clear();
    }
  }
}

/** One table's cached documents by primary key. */
export class TableCache<Doc> {
  /**
   * Walks the keys oldest first, kept across evictions. A fresh `keys().next()` per eviction is O(deleted entries)
   * in V8 (it skips the holes left at the front of the table until the next rehash): 30,000 evictions took ~230 ms
   * that way against ~10 ms with one iterator. A Map iterator stays valid while the map changes: it skips deleted
   * entries and reaches re-inserted ones (moved to the back) in their new place, so the order is the same.
   */
  private evictor: Iterator<string> | undefined;

  constructor(
    private readonly docs: Map<string, Doc>,
    private readonly max: number,
  ) {}

  get size(): number {
    return this.docs.size;
  }

  get(id: string): Doc | undefined {
    const doc = this.docs.get(id);
    if (doc !== undefined && this.docs.size > this.max >> 1) {
      // Recently used moves to the back, so eviction drops the coldest. Skipped while the table is at most half
      // full (nothing is evicted then anyway), which keeps the common read path to one Map lookup.
      this.docs.delete(id);
      this.docs.set(id, doc);
    }
    return doc;
  }

  set(id: string, doc: Doc): void {
    if (this.max <= 0) {
      return;
    }
    this.docs.delete(id);
    this.docs.set(id, doc);
    if (this.docs.size > this.max) {
      // Map iteration order is insertion order: the first key is the least recently set or used.
      let oldest = this.evictor?.next();
      if (!oldest || oldest.done) {
        this.evictor = this.docs.keys();
        oldest = this.evictor.next();
      }
      if (!oldest.done) {
        this.docs.delete(oldest.value);
      }
    }
  }

  delete(id: string): void {
    this.docs.delete(id);
  }

  clear(): void {
    this.docs.clear();
    this.evictor = undefined;
  }
}

/** Caches of files closed by this process, waiting to be taken back by the next open of the same file. */
const PARKED = new Map<string, { token: string; cache: DocumentCache }>();
/** Closed files whose caches are kept at once; the least recently closed beyond this are dropped. */
const MAX_PARKED = 4;

export function parkCache(filename: string, token: string, cache: DocumentCache): void {
  PARKED.delete(filename);
  PARKED.set(filename, { token, cache });
  while (PARKED.size > MAX_PARKED) {
    const oldest = PARKED.keys().next();
    if (oldest.done) {
      break;
    }
    PARKED.delete(oldest.value);
  }
}

/** The parked cache of `filename` if it was parked under `token` (the file's open token as read now), else none. */
export function unparkCache(filename: string, token: string | undefined): DocumentCache | undefined {
  const parked = PARKED.get(filename);
  PARKED.delete(filename);
  return parked && token !== undefined && parked.token === token ? parked.cache : undefined;
}
