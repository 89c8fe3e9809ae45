import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery, type BulkWriteRow, type RxDocumentData } from 'rxdb';
import { TableCache } from './document-cache';
import { getRxStorageSqlite, getSqliteDatabase, type RxStorageInstanceSqlite } from './index';
import { makeTempDir, partSchema, type Part } from './testing';

const schema = fillWithDefaultSettings(partSchema);
const tmp = makeTempDir('rxsqlite-cache-');
afterAll(() => tmp.cleanup());

/**
 * Two directory names for the same files: the storage keys connections by path, so opening through `other` gives a
 * second, independent connection to the same file — what another process would have.
 */
const here = tmp.dir;
const other = join(tmp.dir, 'same-files');
symlinkSync(here, other, 'dir');

async function open(dir: string, databaseName: string, cacheDocumentsPerCollection?: number) {
  return (await getRxStorageSqlite({
    databaseDirectory: dir,
    ...(cacheDocumentsPerCollection === undefined ? {} : { cacheDocumentsPerCollection }),
  }).createStorageInstance<Part>({
    databaseInstanceToken: 't',
    databaseName,
    collectionName: 'parts',
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
  })) as RxStorageInstanceSqlite<Part>;
}

function write(id: string, name: string, previous?: RxDocumentData<Part>): BulkWriteRow<Part> {
  const rev = previous ? Number(previous._rev.split('-')[0]) + 1 : 1;
  return {
    previous,
    document: {
      id,
      name,
      qty: rev,
      station: 'sew',
      done: false,
      _deleted: false,
      _attachments: {},
      _rev: `${rev}-t`,
      _meta: { lwt: 1000 + rev },
    },
  };
}

async function one(inst: RxStorageInstanceSqlite<Part>, id: string): Promise<RxDocumentData<Part> | undefined> {
  return (await inst.findDocumentsById([id], true))[0];
}

function byName(name: string) {
  return prepareQuery<Part>(schema, normalizeMangoQuery<Part>(schema, { selector: { name } }));
}

describe('TableCache', () => {
  it('keeps at most max documents, dropping the least recently used', () => {
    const cache = new TableCache<string>(new Map(), 3);
    cache.set('a', 'A');
    cache.set('b', 'B');
    cache.set('c', 'C');
    expect(cache.get('a')).toBe('A'); // more than half full: 'a' becomes most recent
    cache.set('d', 'D');
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.get('d')]).toEqual(['A', undefined, 'C', 'D']);
    expect(cache.size).toBe(3);
  });

  it('evicts in least-recently-used order through any mix of sets, reads, deletes and clears', () => {
    // The model: an array, oldest first, with the same rule for reads (they refresh only above half full).
    const op = fc.oneof(
      fc.record({ t: fc.constant('set' as const), k: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ t: fc.constant('get' as const), k: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ t: fc.constant('delete' as const), k: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ t: fc.constant('clear' as const), k: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 300 }), (max, ops) => {
        const cache = new TableCache<number>(new Map(), max);
        let model: number[] = [];
        for (const { t, k } of ops) {
          if (t === 'set') {
            cache.set(String(k), k);
            model = [...model.filter((m) => m !== k), k];
            if (model.length > max) model = model.slice(1);
          } else if (t === 'get') {
            const hit = model.includes(k);
            expect(cache.get(String(k))).toBe(hit ? k : undefined);
            if (hit && model.length > max >> 1) model = [...model.filter((m) => m !== k), k];
          } else if (t === 'delete') {
            cache.delete(String(k));
            model = model.filter((m) => m !== k);
          } else {
            cache.clear();
            model = [];
          }
          expect(cache.size).toBe(model.length);
        }
        // The eviction order of what is left: fill up with new keys, then each further key evicts exactly one, so
        // after i + 1 of them exactly the model's i + 1 oldest are gone (a read that misses changes nothing).
        for (let n = model.length; n < max; n++) cache.set(`fill-${n}`, -1);
        for (let i = 0; i < model.length; i++) {
          cache.set(`new-${i}`, -1);
          expect(cache.size).toBe(max);
          for (const gone of model.slice(0, i + 1)) expect(cache.get(String(gone)), `key ${gone} evicted by step ${i}`).toBeUndefined();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps nothing when max is 0', () => {
    const cache = new TableCache<string>(new Map(), 0);
    cache.set('a', 'A');
    expect(cache.get('a')).toBeUndefined();
  });
});

describe('documents kept in memory beside SQLite', () => {
  it('answers reads of known documents from memory, without SQLite', async () => {
    const inst = await open(here, 'memory-hit');
    await inst.bulkWrite([write('p1', 'written')], 'w');
    // Change the row behind the storage's back on its own connection (does not change data_version): a read that
    // went to SQLite would see 'behind', the cache still has what was written.
    getSqliteDatabase(inst).prepare(`UPDATE "memory-hit__parts__v0" SET data = json_set(data, '$.name', 'behind')`).run();
    expect((await one(inst, 'p1'))?.name).toBe('written');
    await inst.close();
  });

  it('sees what another connection committed: reads, queries and conflict checks', async () => {
    const a = await open(here, 'two-connections');
    const b = await open(other, 'two-connections');
    await a.bulkWrite([write('p1', 'first')], 'a');
    const first = await one(a, 'p1'); // now cached in a
    expect(first?.name).toBe('first');

    const inB = await one(b, 'p1');
    expect(inB?._rev).toBe('1-t');
    expect((await b.bulkWrite([write('p1', 'second', inB)], 'b')).error).toEqual([]);

    expect((await one(a, 'p1'))?.name).toBe('second');
    expect((await a.query(byName('second'))).documents.map((d) => d._rev)).toEqual(['2-t']);
    // a's stale revision must be refused, as without any cache.
    const res = await a.bulkWrite([write('p1', 'stale', first)], 'a-stale');
    expect(res.error[0]).toMatchObject({ status: 409, documentInDb: { name: 'second' } });
    await a.close();
    await b.close();
  });

  it('an insert of an id the file holds but this connection never saw is refused with 409, writing nothing', async () => {
    const a = await open(here, 'insert-unknown');
    const b = await open(other, 'insert-unknown');
    await b.bulkWrite([write('p1', 'from-b')], 'b');
    const res = await a.bulkWrite([write('p1', 'from-a'), write('p2', 'new')], 'a');
    expect(res.error).toMatchObject([{ status: 409, documentId: 'p1', documentInDb: { name: 'from-b' } }]);
    expect((await a.findDocumentsById(['p1', 'p2'], true)).map((d) => d.name)).toEqual(['from-b', 'new']);
    await a.close();
    await b.close();
  });

  it('after close and reopen, reuses its documents only if no other connection opened the file meanwhile', async () => {
    const a = await open(here, 'reopen');
    await a.bulkWrite([write('p1', 'first')], 'a');
    await a.close(); // parked

    const b = await open(other, 'reopen');
    const inB = await one(b, 'p1');
    await b.bulkWrite([write('p1', 'second', inB)], 'b');
    await b.close();

    const again = await open(here, 'reopen');
    expect((await one(again, 'p1'))?.name).toBe('second');
    await again.close();
  });

  it('after close and reopen with nobody else in between, still answers from memory', async () => {
    const a = await open(here, 'reopen-alone');
    await a.bulkWrite([write('p1', 'kept')], 'a');
    await a.close();
    const again = await open(here, 'reopen-alone');
    getSqliteDatabase(again).prepare(`UPDATE "reopen-alone__parts__v0" SET data = json_set(data, '$.name', 'behind')`).run();
    expect((await one(again, 'p1'))?.name).toBe('kept');
    await again.close();
  });

  it('stays correct when the collection holds more documents than the cache', async () => {
    const inst = await open(here, 'small-cache', 10);
    await inst.bulkWrite(
      Array.from({ length: 50 }, (_v, i) => write('p' + String(i).padStart(2, '0'), 'n' + (i % 5))),
      'w',
    );
    const all = await inst.findDocumentsById(Array.from({ length: 50 }, (_v, i) => 'p' + String(i).padStart(2, '0')), false);
    expect(all.map((d) => d.id)).toEqual(Array.from({ length: 50 }, (_v, i) => 'p' + String(i).padStart(2, '0')));
    expect((await inst.query(byName('n3'))).documents.map((d) => d.id)).toEqual(['p03', 'p08', 'p13', 'p18', 'p23', 'p28', 'p33', 'p38', 'p43', 'p48']);
    expect(inst.internals.connection.cache.table('small-cache__parts__v0').size).toBeLessThanOrEqual(10);
    await inst.close();
  });

  it('forgets purged tombstones and removed collections', async () => {
    const inst = await open(here, 'purge');
    const live = write('p1', 'x');
    await inst.bulkWrite([live], 'w');
    const tomb = write('p1', 'x', live.document);
    tomb.document._deleted = true;
    tomb.document._meta.lwt = 1; // old enough for any cleanup
    await inst.bulkWrite([tomb], 'd');
    expect((await one(inst, 'p1'))?._deleted).toBe(true);
    await inst.cleanup(0);
    expect(await one(inst, 'p1')).toBeUndefined();
    await inst.remove();
    const fresh = await open(here, 'purge');
    expect(await one(fresh, 'p1')).toBeUndefined();
    await fresh.close();
  });
});
