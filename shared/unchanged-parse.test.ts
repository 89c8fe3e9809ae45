/**
 * unchanged-parse.ts is only sound if its "yes" means what zod would answer: accepted, and equal to what was given.
 * Checked here on real documents of every kind (from a walk through the SOP), on random mutations of them (a field
 * replaced, removed, added, at any depth) and on random JSON, for every document schema and the pull answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FLOOR_DOC_SCHEMAS, OTHER_DOC_SCHEMAS, type Doc, type DocKind } from './docs';
import { lineOf, mo } from './testing/fixtures';
import { Floor } from './testing/flow';
import { walkToPackingLock, walkToFinishing } from './testing/walk';
import { PullResponse } from './sync';
import { safeParseKeeping, unchangedCheck } from './unchanged-parse';

/** Documents of every floor kind as the rules write them. */
function corpus(): Doc[] {
  const a = mo(1, { route: 'R2', quantity: 30 });
  const b = mo(2, { route: 'R1', quantity: 20 });
  const floor = new Floor([a, b]);
  walkToPackingLock(floor, a, 12);
  walkToFinishing(b, 8, floor);
  floor.detectPass(b, 4);
  floor.verify('fail'); // a hold on what passed since the last good run, an alert
  floor.do('finishing', { type: 'line.halted', payload: { lineId: lineOf('finishing'), reason: 'needle found on the table' } });
  const docs: Doc[] = [];
  for (const table of Object.values(floor.state)) docs.push(...(Object.values(table) as Doc[]));
  return docs;
}
const DOCS = corpus();

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `v` (objects and arrays), the root first. */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Mutation = { op: 'replace' | 'remove' | 'add'; pick: number; key: string; value: Json };

/** A copy of `doc` with one mutation at one of its paths. */
function mutate(doc: Json, m: Mutation): Json {
  const copy = JSON.parse(JSON.stringify(doc)) as Json;
  const all = paths(copy);
  const path = all[m.pick % all.length]!;
  if (path.length === 0) return m.op === 'replace' ? m.value : copy;
  const parent = path.slice(0, -1).reduce<Json>((o, k) => (o as Record<string | number, Json>)[k]!, copy) as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (m.op === 'replace') parent[last] = m.value;
  else if (m.op === 'remove') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, Json>)[m.key] = m.value;
    else if (Array.isArray(target)) target.push(m.value);
  }
  return copy;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('replace', 'remove', 'add'),
  pick: fc.nat(),
  key: fc.oneof(fc.constantFrom('id', 'kind', '__proto__', 'status', 'extra', 'qc', 'body'), fc.string()),
  value: fc.oneof(fc.constantFrom<Json>(null, 0, -1, 1.5, '', 'open', true, [], {}), fc.jsonValue() as fc.Arbitrary<Json>),
});

/** The soundness property: a "yes" is zod's "accepted, and unchanged". */
function expectSound(schema: z.ZodType, value: unknown): void {
  const check = unchangedCheck(schema);
  if (!check?.(value)) return;
  const r = schema.safeParse(value);
  expect(r.success, JSON.stringify(value)).toBe(true);
  expect(r.data).toStrictEqual(value);
}

const ALL_SCHEMAS: [string, z.ZodType][] = [
  ...Object.entries(FLOOR_DOC_SCHEMAS),
  ...Object.entries(OTHER_DOC_SCHEMAS),
  ['pull answer', PullResponse],
];

describe('unchangedCheck', () => {
  it('the corpus holds every floor kind but conflicts (whose schema is never fast: below)', () => {
    expect(new Set(DOCS.map((d) => d.kind))).toEqual(new Set(Object.keys(FLOOR_DOC_SCHEMAS).filter((k) => k !== 'conflict')));
  });

  it('real documents of the hot kinds take the fast path; kinds zod must transform never do', () => {
    const fast: DocKind[] = ['workOrder', 'transfer', 'line', 'hold'];
    for (const kind of fast) {
      const check = unchangedCheck(FLOOR_DOC_SCHEMAS[kind]);
      expect(check, kind).not.toBeNull();
      for (const d of DOCS.filter((x) => x.kind === kind)) expect(check!(d), `${kind} ${d.id}`).toBe(true);
    }
    // A preprocess (alert status 'open' → 'raised') and a transform (conflict's parked events) change what they parse.
    expect(unchangedCheck(FLOOR_DOC_SCHEMAS.alert)).toBeNull();
    expect(unchangedCheck(FLOOR_DOC_SCHEMAS.conflict)).toBeNull();
    const answer = { documents: DOCS.map((d, i) => ({ kind: d.kind, id: d.id, body: d, deleted: false, version: i + 1 })), checkpoint: { version: DOCS.length }, head: DOCS.length };
    expect(unchangedCheck(PullResponse)?.(answer)).toBe(true);
  });

  it('says yes only where zod accepts the value unchanged: mutated real documents', () => {
    fc.assert(
      fc.property(fc.nat({ max: DOCS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, ms) => {
        const doc = DOCS[i]!;
        const value = ms.reduce<Json>((v, m) => mutate(v, m), doc as unknown as Json);
        for (const [, schema] of ALL_SCHEMAS) expectSound(schema, value);
        expectSound(PullResponse, { documents: [{ kind: doc.kind, id: doc.id, body: value, deleted: false, version: 1 }], checkpoint: { version: 1 }, head: 1 });
      }),
      { numRuns: 3000 },
    );
  });

  it('says yes only where zod accepts the value unchanged: random JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const [, schema] of ALL_SCHEMAS) expectSound(schema, value);
      }),
      { numRuns: 1000 },
    );
  });

  it('edges: non-finite numbers, a __proto__ key, a stripping object with an unknown key, holes, undefined', () => {
    const strip = z.object({ a: z.number() });
    const loose = z.looseObject({ a: z.number(), b: z.string().optional() });
    const cases: [z.ZodType, unknown, boolean][] = [
      [strip, { a: 1 }, true],
      [strip, { a: 1, x: 2 }, false],
      [strip, { a: Infinity }, false],
      [strip, { a: NaN }, false],
      [loose, { a: 1, x: 2 }, true],
      [loose, JSON.parse('{"a":1,"__proto__":{"b":"x"}}'), false],
      [loose, { a: 1, b: undefined }, false],
      [loose, Object.assign(Object.create(null) as object, { a: 1 }), false],
      [z.array(z.number()), [1, , 2], false], // eslint-disable-line no-sparse-arrays
      [z.record(z.string(), z.number()), { a: 1, b: 2 }, true],
      [z.record(z.string(), z.number()), [1], false],
      [z.string().regex(/^a+$/), 'aa', true],
      [z.string().regex(/^a+$/), 'ab', false],
      [z.number().int().nonnegative(), -1, false],
      [z.number().int().nonnegative(), 0, true],
      [z.number().int(), 1.5, false],
      [z.number().int(), 2 ** 60, false],
      [z.number().gt(1).lte(3), 1, false],
      [z.number().gt(1).lte(3), 3, true],
      [z.string().min(2).max(3), 'a', false],
      [z.string().min(2).max(3), 'abcd', false],
      [z.string().min(2).max(3), 'abc', true],
      [z.string().email(), 'a@b.co', true], // a check not modelled: asked of zod
      [z.string().email(), 'nope', false],
      [z.custom<string>((v) => v === 'ok'), 'ok', true],
      [z.custom<string>((v) => (v === 'ok' ? 'yes' : '')), 'ok', false], // truthy, not true: zod decides
      [z.enum(['x', 'y']), 'y', true],
      [z.literal('x'), 'y', false],
    ];
    for (const [schema, value, fast] of cases) {
      expect(unchangedCheck(schema)?.(value), JSON.stringify(value)).toBe(fast);
      expectSound(schema, value);
    }
  });
});

describe('safeParseKeeping', () => {
  it('answers with the very value when unchanged, and exactly as zod otherwise', () => {
    const wo = DOCS.find((d) => d.kind === 'workOrder')!;
    const kept = safeParseKeeping(FLOOR_DOC_SCHEMAS.workOrder, wo);
    expect(kept.success && kept.data).toBe(wo);
    const bad = { ...wo, plannedQty: 'ten' };
    const r = safeParseKeeping(FLOOR_DOC_SCHEMAS.workOrder, bad);
    const z4 = FLOOR_DOC_SCHEMAS.workOrder.safeParse(bad);
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual(z4.error?.issues);
    // Not modelled (a preprocess): zod's own answer, with its change.
    const alert = DOCS.find((d) => d.kind === 'alert')!;
    const old = { ...alert, status: 'open' };
    const a = safeParseKeeping(FLOOR_DOC_SCHEMAS.alert, old);
    expect(a.success && (a.data as { status: string }).status).toBe('raised');
  });
});
