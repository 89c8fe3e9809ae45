/**
 * The RxDB schema of the station's own events against the zod envelope they are parsed with (shared/events.ts): the
 * same fields, all required, and storage types and bounds that hold every value the envelope accepts. And the schema
 * stations already hold on disk, which RxDB compares at every open.
 */
import { createRxSchema, defaultHashSha256 } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EventEnvelope, FloorEvent } from '../../shared/events';
import { documentSchema, eventSchema } from './station-db';

/** The parts of a JSON schema field that zod writes and RxDB reads here. */
interface JsonField {
  type?: string | string[];
  anyOf?: JsonField[];
  const?: unknown;
  pattern?: string;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: number;
}
interface JsonObject {
  properties: Record<string, JsonField>;
  required: string[];
}

const rx = eventSchema as unknown as JsonObject;
const envelope = z.toJSONSchema(EventEnvelope) as unknown as JsonObject;
/** One JSON schema per event type: the envelope with its `type` constant and `payload`. */
const variants = (z.toJSONSchema(FloorEvent) as unknown as { oneOf: JsonObject[] }).oneOf;

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

/** The JSON types a field admits (`anyOf` of nullable fields included). */
function typesOf(field: JsonField): string[] {
  if (field.anyOf) return field.anyOf.flatMap(typesOf);
  return field.type === undefined ? [] : [field.type].flat();
}

/** Whether RxDB's field stores every value of the zod field's JSON type (a number constant fits an integer field if whole). */
function stores(stored: JsonField, field: JsonField): boolean {
  const storedTypes = typesOf(stored);
  return typesOf(field).every((t) => storedTypes.includes(t) || (t === 'number' && storedTypes.includes('integer') && Number.isInteger(field.const)));
}

/**
 * The longest string a regular expression of the envelope's kind matches (literals, escapes, classes, groups,
 * alternatives, quantifiers); Infinity where it is unbounded.
 */
function longestMatch(pattern: string): number {
  let i = 0;
  const alternatives = (): number => {
    let longest = sequence();
    while (pattern[i] === '|') {
      i++;
      longest = Math.max(longest, sequence());
    }
    return longest;
  };
  const sequence = (): number => {
    let total = 0;
    while (i < pattern.length && pattern[i] !== '|' && pattern[i] !== ')') total += quantified(atom());
    return total;
  };
  const atom = (): number => {
    const c = pattern[i];
    i++;
    if (c === '^' || c === '$') return 0;
    if (c === '\\') {
      i++;
    } else if (c === '[') {
      while (pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      if (pattern[i] === '?') i += 2;
      const inner = alternatives();
      i++;
      return inner;
    }
    return 1;
  };
  const quantified = (length: number): number => {
    const braces = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (braces) {
      i += braces[0].length;
      const most = braces[2] === undefined ? Number(braces[1]) : braces[3] === '' ? Infinity : Number(braces[3]);
      return length * most;
    }
    const q = pattern[i];
    if (q === '*' || q === '+' || q === '?') i++;
    return (q === '*' || q === '+') && length > 0 ? Infinity : length;
  };
  return alternatives();
}

/** The longest value a zod string field accepts: the least of its maxLength and its pattern's longest match. */
function longestValue(field: JsonField): number {
  if (field.anyOf) return Math.max(...field.anyOf.filter((f) => typesOf(f).includes('string')).map(longestValue));
  return Math.min(field.maxLength ?? Infinity, field.pattern === undefined ? Infinity : longestMatch(field.pattern));
}

describe('station-db event schema against the zod envelope (shared/events.ts)', () => {
  it('stores exactly the envelope fields plus type and payload, all required', () => {
    const fields = sorted([...Object.keys(envelope.properties), 'type', 'payload']);
    expect(sorted(Object.keys(rx.properties))).toEqual(fields);
    expect(sorted(rx.required)).toEqual(sorted([...envelope.required, 'type', 'payload']));
    for (const v of variants) {
      expect(sorted(Object.keys(v.properties))).toEqual(fields);
      expect(sorted(v.required)).toEqual(sorted(rx.required));
    }
  });

  it("gives every field of every event type a storage type that holds the envelope's values", () => {
    for (const v of variants) {
      for (const [name, field] of Object.entries(v.properties)) {
        expect(stores(rx.properties[name]!, field), `${String(v.properties.type?.const)}.${name}: ${JSON.stringify(field)}`).toBe(true);
      }
    }
    // The lower bound of the seq index is the envelope's (positive integers); its upper bound (1e12) is storage's own.
    const seq = envelope.properties.seq!;
    expect(rx.properties.seq!.minimum).toBe((seq.exclusiveMinimum ?? -Infinity) + 1);
  });

  it('has string bounds that hold the longest value the envelope accepts, event types included', () => {
    expect(longestMatch('^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')).toBe(36);
    expect(longestMatch('^(a|bcd)?x{2,}$')).toBe(Infinity);
    for (const [name, stored] of Object.entries(rx.properties)) {
      if (stored.maxLength === undefined || name === 'type') continue;
      const field = envelope.properties[name]!;
      expect(longestValue(field), `${name}: ${JSON.stringify(field)}`).toBeLessThanOrEqual(stored.maxLength);
    }
    const longestType = Math.max(...variants.map((v) => String(v.properties.type!.const).length));
    expect(longestType).toBeLessThanOrEqual(rx.properties.type!.maxLength!);
  });

  it('is, with the documents schema, still what stations hold as version 0 (a change needs a new version and a migration)', async () => {
    // RxDB refuses to open a collection whose stored schema differs (DB6). The hash is RxDB's own, over its normalised
    // schema; it changes with any field, bound or order of `required`.
    expect({
      events: [eventSchema.version, await createRxSchema(eventSchema, defaultHashSha256).hash],
      documents: [documentSchema.version, await createRxSchema(documentSchema, defaultHashSha256).hash],
    }).toEqual({
      events: [0, '0c0e37c2a1acfdf27fadbfaa47a4f5dc7ecfbbdd8db950bbe685ad5284990c17'],
      documents: [0, '51c61caed04f933d4a6a17e094e1f7f4bb8c37643183aa3341714f2f366de3ec'],
    });
  });
});
