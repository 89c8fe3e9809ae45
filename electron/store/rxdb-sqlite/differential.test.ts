import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runDifferential, type DocSelector, type DocSort, type Op, type PartFields, type WriteOp } from './differential';

/**
 * Characters chosen to hit the places where SQLite and JavaScript string order disagree or where RxDB's index
 * strings pad: emoji (surrogate pairs), U+E000 and fullwidth letters (above the surrogates), umlauts, a tab (below
 * the space RxDB pads with), space, digits.
 */
const char = fc.constantFrom('a', 'b', 'Z', '0', 'ä', 'ß', '😊', '\ue000', 'ｚ', ' ', '\t');
const text = (maxLength: number) => fc.array(char, { maxLength }).map((cs) => cs.join(''));
const ids = fc.constantFrom('id0', 'id1', 'id2', 'id3', 'id4', 'id5', 'A7', 'ä8', '😊9', 'zz', 'id10', 'x');
const qty = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0.5, 2.5, 999.9));
const station = fc.constantFrom('sew', 'stuff', 'qc', 'säw', '😊');

const fields: fc.Arbitrary<PartFields> = fc.record(
  {
    name: text(6),
    qty,
    station,
    done: fc.boolean(),
    note: text(3),
    tags: fc.array(fc.constantFrom('red', 'blue', 'x'), { maxLength: 2 }),
  },
  { requiredKeys: ['name', 'qty', 'station', 'done'] },
);

const rev = fc.constantFrom<'right' | 'wrong' | 'none'>('right', 'right', 'right', 'wrong', 'none');
const writeOp: fc.Arbitrary<WriteOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('upsert' as const), id: ids, fields, rev }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), id: ids, rev }) },
);

// Selectors on indexed fields (name, qty, station+qty, done), unindexed fields (note, tags) and mixes.
const baseSelector: fc.Arbitrary<DocSelector> = fc.oneof(
  fc.constant({}),
  text(3).map((v) => ({ name: v })),
  text(3).map((v) => ({ name: { $gt: v } })),
  text(3).map((v) => ({ name: { $lte: v } })),
  fc.tuple(text(2), text(2)).map(([a, b]) => ({ name: { $gte: a, $lt: b } })),
  fc.tuple(qty, qty).map(([a, b]) => ({ qty: { $gte: a, $lt: b } })),
  qty.map((v) => ({ qty: { $gt: v } })),
  fc.tuple(station, qty).map(([s, q]) => ({ station: s, qty: { $lte: q } })),
  fc.boolean().map((v) => ({ done: v })),
  fc.boolean().map((v) => ({ note: { $exists: v } })),
  fc.constantFrom('red', 'blue').map((v) => ({ tags: { $in: [v] } })),
  fc.constantFrom('^a', 'b$', '😊', 'ä').map((v) => ({ name: { $regex: v } })),
  fc.tuple(station, fc.boolean()).map(([s, d]) => ({ $or: [{ station: s }, { done: d }] })),
  fc.tuple(station, text(2)).map(([s, n]) => ({ station: { $in: [s, 'qc'] }, name: { $ne: n } })),
);
const selector: fc.Arbitrary<DocSelector> = fc
  .tuple(baseSelector, fc.constantFrom<'any' | 'live' | 'dead'>('any', 'live', 'live', 'dead'))
  .map(([sel, deleted]): DocSelector => (deleted === 'any' ? sel : { ...sel, _deleted: deleted === 'dead' }));

const sort = fc.constantFrom<DocSort[]>(
  [],
  [{ name: 'asc' }],
  [{ qty: 'desc' }],
  [{ station: 'asc' }, { qty: 'asc' }],
  [{ done: 'asc' }, { name: 'desc' }],
  [{ id: 'desc' }],
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('write' as const), rows: fc.array(writeOp, { minLength: 1, maxLength: 6 }), lwtStep: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 4,
    arbitrary: fc.record(
      {
        op: fc.constant('query' as const),
        selector,
        sort,
        skip: fc.integer({ min: 0, max: 3 }),
        limit: fc.integer({ min: 0, max: 5 }),
      },
      { requiredKeys: ['op', 'selector', 'sort'] },
    ),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('count' as const), selector }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('findById' as const), ids: fc.array(ids, { maxLength: 4 }), withDeleted: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('changedSince' as const),
      limit: fc.integer({ min: 1, max: 4 }),
      from: fc.oneof(
        fc.constantFrom<'start' | 'last'>('start', 'last', 'last'),
        fc.record({ id: ids, lwt: fc.integer({ min: 100_000_000, max: 100_000_200 }).map((n) => n / 100) }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('cleanup' as const), minimumDeletedTime: fc.constantFrom(0, 1e15) }) },
);

describe('sqlite storage vs RxDB memory storage (differential)', () => {
  it('gives the same answers for random operation sequences', async () => {
    // fast-check prints the seed and the shrunk counter-example on failure; replay with FC_SEED=<seed>.
    const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const diff = await runDifferential(ops);
        if (diff) {
          throw new Error('difference: ' + JSON.stringify(diff, null, 1));
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 500), ...(seed !== undefined ? { seed } : {}) },
    );
  }, 120_000);
});

/** Counter-examples fast-check found while this storage was written, kept as fixed cases. */
describe('differential regressions', () => {
  const fixed: { name: string; ops: Op[] }[] = [
    {
      name: 'emoji and U+E000 names sort like JavaScript strings, also under an open upper bound',
      ops: [
        {
          op: 'write',
          lwtStep: 0,
          rows: [
            { kind: 'upsert', id: 'id0', rev: 'right', fields: { name: '😊', qty: 1, station: 'sew', done: false } },
            { kind: 'upsert', id: 'id1', rev: 'right', fields: { name: '\ue000', qty: 2, station: 'sew', done: false } },
            { kind: 'upsert', id: 'id2', rev: 'right', fields: { name: 'ｚ', qty: 3, station: 'sew', done: false } },
            { kind: 'upsert', id: 'id3', rev: 'right', fields: { name: 'a\t', qty: 4, station: 'sew', done: false } },
            { kind: 'upsert', id: 'id4', rev: 'right', fields: { name: 'a', qty: 5, station: 'sew', done: false } },
          ],
        },
        { op: 'query', selector: { name: { $gt: 'a' } }, sort: [{ name: 'asc' }] },
        { op: 'query', selector: { name: { $gt: 'a' }, _deleted: false }, sort: [{ name: 'asc' }] },
        { op: 'query', selector: { name: { $lte: '😊' } }, sort: [] },
        { op: 'count', selector: { name: { $gt: '' } } },
      ],
    },
    {
      // Found by the property (seed -1907991980) against index strings stored as plain UTF-8 TEXT: the emoji id sorts
      // after RxDB's INDEX_MAX upper bound in SQLite's byte order, so the document vanished from an index range.
      name: 'emoji primary key stays inside an index range padded with INDEX_MAX',
      ops: [
        { op: 'write', lwtStep: 0, rows: [{ kind: 'upsert', id: '😊9', rev: 'right', fields: { name: '', qty: 0, station: 'sew', done: false } }] },
        { op: 'count', selector: { done: false, _deleted: false } },
        { op: 'query', selector: { done: false, _deleted: false }, sort: [] },
      ],
    },
    {
      name: 'conflicts (wrong and missing revision) report the stored document; deletes then re-inserts',
      ops: [
        { op: 'write', lwtStep: 1, rows: [{ kind: 'upsert', id: 'x', rev: 'right', fields: { name: 'n', qty: 1, station: 'qc', done: true } }] },
        { op: 'write', lwtStep: 1, rows: [{ kind: 'upsert', id: 'x', rev: 'wrong', fields: { name: 'n2', qty: 1, station: 'qc', done: true } }] },
        { op: 'write', lwtStep: 1, rows: [{ kind: 'upsert', id: 'x', rev: 'none', fields: { name: 'n3', qty: 1, station: 'qc', done: true } }] },
        { op: 'write', lwtStep: 0, rows: [{ kind: 'delete', id: 'x', rev: 'right' }] },
        { op: 'findById', ids: ['x', 'nope'], withDeleted: true },
        { op: 'write', lwtStep: 0, rows: [{ kind: 'upsert', id: 'x', rev: 'right', fields: { name: 'back', qty: 7, station: 'qc', done: false } }] },
        { op: 'changedSince', limit: 2, from: 'start' },
        { op: 'cleanup', minimumDeletedTime: 0 },
      ],
    },
  ];
  for (const c of fixed) {
    it(c.name, async () => {
      expect(await runDifferential(c.ops)).toBeUndefined();
    });
  }
});
