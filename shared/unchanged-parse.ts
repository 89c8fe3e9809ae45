/**
 * A zod parse that keeps the value it was given when parsing would not change it.
 *
 * zod builds a new object for every object, array and record it accepts: checking a station's 20,000 pulled work
 * orders copies every body key by key, and the copies, kept in the station's state, double what its heap holds (the
 * storage keeps the pulled bodies too). Our document schemas are loose objects of plain leaves, written so that
 * "parsing never changes what the station holds, only whether" (docs.ts). For such a schema, `unchangedCheck` builds a
 * plain predicate that walks the value without copying: when it says yes, zod accepts the value and its answer equals
 * the value, so the value itself is the answer. When it says no (or the schema uses something it does not model), zod
 * parses as before and decides. So the predicate never refuses anything by itself and never widens what is accepted:
 * unchanged-parse.test.ts checks "yes ⇒ zod accepts it and returns an equal value" on random and mutated documents of
 * every document kind, and that real documents of the hot kinds take the fast path.
 *
 * Modelled: object (loose, or stripping with no unknown key present), record with plain string keys, array without
 * length checks, nullable, optional, string and number (with the checks our schemas use: lengths, regex, integer,
 * bounds; a leaf with another check is asked of zod itself, a leaf has nothing to copy), boolean, literal, enum,
 * custom, unknown. Anything else (pipe, transform, preprocess, default, union, …) makes `unchangedCheck` return null:
 * that schema is always parsed by zod.
 */
import type { z } from 'zod';

/** Yes: zod accepts the value and returns it unchanged. No: ask zod. */
export type UnchangedCheck = (value: unknown) => boolean;

/** The parts of zod's schema definition this module reads (zod 4's `_zod.def`). */
interface Def {
  type: string;
  checks?: readonly unknown[];
  shape?: Readonly<Record<string, Schema>>;
  catchall?: Schema;
  element?: Schema;
  keyType?: Schema;
  valueType?: Schema;
  innerType?: Schema;
  entries?: Readonly<Record<string, unknown>>;
  values?: readonly unknown[];
  fn?: (value: unknown) => unknown;
}
interface Schema {
  _zod: { def: Def };
  safeParse(value: unknown): { success: boolean };
}

const asSchema = (s: z.ZodType): Schema => s as unknown as Schema;

/** A plain object as JSON.parse makes it, without a key that zod would write back as the prototype. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  // (A null-prototype object zod would answer with a plain one: not unchanged.)
  return Object.getPrototypeOf(v) === Object.prototype && !Object.hasOwn(v, '__proto__');
}

const hasChecks = (def: Def): boolean => (def.checks?.length ?? 0) > 0;

/** A check of a string or number as zod 4 defines it (`check._zod.def`). */
interface CheckDef {
  check: string;
  format?: string;
  pattern?: RegExp;
  minimum?: number;
  maximum?: number;
  value?: number;
  inclusive?: boolean;
}

/**
 * The leaf's checks as plain predicates, each exactly zod's test (zod/v4/core checks.js), or null when one of them is
 * of a kind not modelled here (the leaf is then asked of zod).
 */
function leafChecks<T extends string | number>(def: Def): ((v: T) => boolean)[] | null {
  const out: ((v: T) => boolean)[] = [];
  for (const c of def.checks ?? []) {
    const d = (c as { _zod: { def: CheckDef } })._zod.def;
    const { minimum, maximum, value, pattern } = d;
    if (d.check === 'min_length' && typeof minimum === 'number') out.push((v) => (v as string).length >= minimum);
    else if (d.check === 'max_length' && typeof maximum === 'number') out.push((v) => (v as string).length <= maximum);
    else if (d.check === 'string_format' && d.format === 'regex' && pattern instanceof RegExp)
      out.push((v) => {
        pattern.lastIndex = 0;
        return pattern.test(v as string);
      });
    else if (d.check === 'number_format' && d.format === 'safeint') out.push((v) => Number.isSafeInteger(v));
    else if (d.check === 'greater_than' && typeof value === 'number') out.push(d.inclusive ? (v) => (v as number) >= value : (v) => (v as number) > value);
    else if (d.check === 'less_than' && typeof value === 'number') out.push(d.inclusive ? (v) => (v as number) <= value : (v) => (v as number) < value);
    else return null;
  }
  return out;
}

function passes<T>(checks: readonly ((v: T) => boolean)[], v: T): boolean {
  for (let i = 0; i < checks.length; i++) if (!(checks[i] as (v: T) => boolean)(v)) return false;
  return true;
}

function compile(schema: Schema): UnchangedCheck | null {
  const def = schema._zod.def;
  switch (def.type) {
    case 'unknown':
    case 'any':
      return () => true;
    case 'string': {
      const checks = leafChecks<string>(def);
      if (!checks) return (v) => typeof v === 'string' && schema.safeParse(v).success;
      return (v) => typeof v === 'string' && passes(checks, v);
    }
    case 'number': {
      const checks = leafChecks<number>(def);
      if (!checks) return (v) => typeof v === 'number' && schema.safeParse(v).success;
      return (v) => typeof v === 'number' && Number.isFinite(v) && passes(checks, v);
    }
    case 'boolean':
      return (v) => typeof v === 'boolean';
    case 'literal': {
      const values = def.values ?? [];
      return (v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) && values.includes(v);
    }
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      return (v) => (typeof v === 'string' || typeof v === 'number') && values.has(v);
    }
    case 'custom': {
      // zod accepts what its function answers truthy for; only a plain `true` is taken here (a promise goes to zod).
      const fn = def.fn;
      return fn ? (v) => fn(v) === true : null;
    }
    case 'nullable': {
      const inner = def.innerType && compile(def.innerType);
      return inner ? (v) => v === null || inner(v) : null;
    }
    case 'optional': {
      // A present key holding undefined (never so in JSON) goes to zod.
      const inner = def.innerType && compile(def.innerType);
      return inner ? (v) => v !== undefined && inner(v) : null;
    }
    case 'array': {
      const element = !hasChecks(def) && def.element ? compile(def.element) : null;
      if (!element) return null;
      return (v) => {
        if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return false;
        for (let i = 0; i < v.length; i++) if (!(i in v) || !element(v[i])) return false;
        return true;
      };
    }
    case 'record': {
      const key = def.keyType?._zod.def;
      const value = def.valueType && compile(def.valueType);
      if (!value || key?.type !== 'string' || hasChecks(key)) return null;
      return (v) => {
        if (!isPlainObject(v)) return false;
        for (const k in v) if (!value(v[k])) return false;
        return true;
      };
    }
    case 'object':
      return compileObject(def);
    default:
      return null;
  }
}

function compileObject(def: Def): UnchangedCheck | null {
  // No catchall: zod drops unknown keys (the value is unchanged only without them); unknown: kept as they came.
  const catchall = def.catchall?._zod.def.type;
  if (catchall !== undefined && catchall !== 'unknown' && catchall !== 'any') return null;
  const keepsUnknown = catchall !== undefined;
  const fields: { key: string; check: UnchangedCheck; optional: boolean }[] = [];
  for (const [key, field] of Object.entries(def.shape ?? {})) {
    const check = compile(field);
    if (!check) return null;
    fields.push({ key, check, optional: field._zod.def.type === 'optional' });
  }
  return (v) => {
    if (!isPlainObject(v)) return false;
    let present = 0;
    for (const f of fields) {
      if (Object.hasOwn(v, f.key)) {
        present++;
        if (!f.check(v[f.key])) return false;
      } else if (!f.optional) {
        return false;
      }
    }
    if (keepsUnknown) return true;
    let keys = 0;
    for (const k in v) if (Object.hasOwn(v, k)) keys++;
    return keys === present;
  };
}

const compiled = new WeakMap<object, UnchangedCheck | null>();

/** The predicate for `schema` (built once per schema), or null if the schema has a part this module does not model. */
export function unchangedCheck(schema: z.ZodType): UnchangedCheck | null {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compile(asSchema(schema));
    compiled.set(schema, check);
  }
  return check;
}

/**
 * `schema.safeParse(value)`, answering with `value` itself when parsing would not change it (see above). The same
 * success and failure as zod's, the same issues on failure (zod produced them).
 */
export function safeParseKeeping<T>(schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> {
  const check = unchangedCheck(schema);
  if (check?.(value)) return { success: true, data: value as T };
  return schema.safeParse(value);
}
