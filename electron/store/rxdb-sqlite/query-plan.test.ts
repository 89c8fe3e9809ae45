import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fillWithDefaultSettings,
  getIndexableStringMonad,
  normalizeMangoQuery,
  prepareQuery,
  type MangoQuery,
  type RxDocumentData,
} from 'rxdb';
import { getRxStorageSqlite, getSqliteDatabase, RxStorageInstanceSqlite, toSortableText } from './index';
import { partSchema, type Part } from './testing';

const schema = fillWithDefaultSettings(partSchema);

describe('queries use the index range, not a table scan', () => {
  let instance: RxStorageInstanceSqlite<Part>;
  beforeAll(async () => {
    instance = (await getRxStorageSqlite({ filename: ':memory:' }).createStorageInstance<Part>({
      databaseInstanceToken: 't',
      databaseName: 'plan',
      collectionName: 'parts',
      schema,
      options: {},
      multiInstance: false,
      devMode: true,
    })) as RxStorageInstanceSqlite<Part>;
    const rows = Array.from({ length: 2000 }, (_v, i) => ({
      document: {
        id: 'p' + i,
        name: 'n' + (i % 50),
        qty: i % 1000,
        station: i % 2 ? 'sew' : 'qc',
        done: false,
        _deleted: false,
        _attachments: {},
        _rev: '1-a',
        _meta: { lwt: 1000 + i },
      },
    }));
    await instance.bulkWrite(rows, 'seed');
    getSqliteDatabase(instance).exec('ANALYZE');
  });
  afterAll(() => instance.close());

  const prepared = (q: MangoQuery<RxDocumentData<Part>>) =>
    prepareQuery<Part>(schema, normalizeMangoQuery<RxDocumentData<Part>>(schema, q));

  it.each([
    ['equality on an indexed field', { selector: { name: 'n7', _deleted: false } }],
    ['range on an indexed number', { selector: { qty: { $gte: 10, $lt: 20 }, _deleted: false } }],
    ['compound index', { selector: { station: 'sew', qty: { $gt: 990 }, _deleted: false } }],
    ['indexed field plus unindexed filter', { selector: { name: 'n3', note: { $exists: false }, _deleted: false } }],
  ] as [string, MangoQuery<RxDocumentData<Part>>][])('%s: SEARCH on the index column', async (_label, q) => {
    const p = prepared(q);
    const explained = instance.explainQuery(p);
    expect(explained).toBeDefined();
    const plan = (explained?.plan ?? []).join(' | ');
    // SQLite says SEARCH ... USING INDEX for a range seek; SCAN <table> would mean reading every row.
    expect(plan).toMatch(/SEARCH .* USING INDEX .*__i\d+/);
    expect(plan).not.toMatch(/SCAN /);
    expect(plan).not.toMatch(/TEMP B-TREE/); // ORDER BY rides on the index
    const { documents } = await instance.query(p);
    expect(documents.length).toBeGreaterThan(0);
  });

  it('finds documents by id with one primary-key search per id', () => {
    const sql = instance['stmtSelectMany'].source;
    const ids = JSON.stringify(['p1', 'p2', 'nope']);
    const plan = (
      getSqliteDatabase(instance).prepare('EXPLAIN QUERY PLAN ' + sql).all(ids) as { detail: string }[]
    ).map((r) => r.detail);
    expect(plan.join(' | ')).toMatch(/SEARCH .* USING INDEX sqlite_autoindex_\S+ \(id=\?\)/);
    expect(plan.some((d) => /^SCAN plan__parts/.test(d))).toBe(false);
    expect(getSqliteDatabase(instance).prepare(sql).pluck().all(ids)).toHaveLength(2);
  });

  it('writes index strings equal to RxDB\'s own (getIndexableStringMonad), remapped', () => {
    const indexes = (schema.indexes ?? []).map((i): string[] => (typeof i === 'string' ? [i] : [...i]));
    const rxdb = indexes.map((fields) => getIndexableStringMonad(schema, fields));
    const chars = fc.constantFrom('a', 'Z', ' ', '\t', 'ä', '😊', '\ue000', 'ｚ', '\ud800');
    const text = fc.array(chars, { maxLength: 8 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text,
        text,
        fc.option(fc.double({ min: -10, max: 2000, noNaN: true }), { nil: undefined }),
        fc.boolean(),
        fc.double({ min: 0, max: 1e13, noNaN: true }),
        (id, name, qty, deleted, lwt) => {
          const doc = {
            id: id || 'x',
            name,
            qty,
            station: name,
            done: deleted,
            _deleted: deleted,
            _attachments: {},
            _rev: '1-a',
            _meta: { lwt },
          } as unknown as RxDocumentData<Part>;
          const ours: unknown[] = [];
          instance['pushIndexValues'](doc, ours);
          expect(ours).toEqual(rxdb.map((f) => toSortableText(f(doc))));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('hands JS only the rows of the index range', async () => {
    // qty in [10, 20) matches 20 of 2000 docs: the SQL itself must yield those 20 rows, not 2000 filtered in JS.
    const p = prepared({ selector: { qty: { $gte: 10, $lt: 20 }, _deleted: false } });
    const explained = instance.explainQuery(p);
    expect(explained?.sql).toMatch(/WHERE i\d+ >=? \? AND i\d+ <=? \?/);
    const sqlRows = getSqliteDatabase(instance).prepare(explained?.sql ?? '').all(...(explained?.params ?? []));
    expect(sqlRows).toHaveLength(20);
    const { documents } = await instance.query(p);
    expect(documents).toHaveLength(20);
    expect((await instance.count(p)).count).toBe(20);
  });
});

describe('toSortableText', () => {
  it('makes UTF-8 byte order equal JavaScript string order', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0x80, max: 0xd7ff }),
      fc.integer({ min: 0xd800, max: 0xdfff }),
      fc.integer({ min: 0xe000, max: 0xffff }),
    );
    const str = fc.array(unit, { maxLength: 6 }).map((us) => String.fromCharCode(...us));
    fc.assert(
      fc.property(str, str, (a, b) => {
        const js = a < b ? -1 : a > b ? 1 : 0;
        const bytes = Buffer.compare(Buffer.from(toSortableText(a), 'utf8'), Buffer.from(toSortableText(b), 'utf8'));
        expect(bytes).toBe(js);
      }),
      { numRuns: 2000 },
    );
  });
});
