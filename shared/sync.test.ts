/**
 * The sync contract's checks that the push and pull paths run per event and per document without the schema they
 * replace (it copied or re-parsed what it checked): each must accept and refuse exactly what that schema does.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PulledDocument, RosterStamp, rosterVersionOf } from './sync';

const doc = (body: unknown) => ({ kind: 'workOrder', id: 'W1', body, deleted: false, version: 1 });

describe('PulledDocument body', () => {
  const Record = z.record(z.string(), z.unknown()).nullable();
  const bodies: [string, unknown][] = [
    ['a JSON object', JSON.parse('{"a":1,"b":{"c":[1,2]}}')],
    ['an empty object', {}],
    ['null', null],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['an array', [1, 2]],
    ['a string', 'body'],
    ['a number', 1],
    ['a Date', new Date(0)],
    ['a Map', new Map([['a', 1]])],
    ['an object with a symbol key', { a: 1, [Symbol('s')]: 2 }],
  ];

  it.each(bodies)('%s: accepted or refused as z.record(z.string(), z.unknown()) would', (_name, body) => {
    expect(PulledDocument.safeParse(doc(body)).success).toBe(Record.safeParse(body).success);
  });

  it('keeps the body it checked, not a copy', () => {
    const body = { a: 1 };
    expect(PulledDocument.parse(doc(body)).body).toBe(body);
  });

  it('is absent: refused', () => {
    expect(PulledDocument.safeParse({ kind: 'workOrder', id: 'W1', deleted: false, version: 1 }).success).toBe(false);
  });
});

describe('rosterVersionOf', () => {
  const values: unknown[] = [undefined, 0, 1, 12, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, -1, 1.5, NaN, Infinity, '3', null, {}, [1], true];

  it.each(values.map((v) => [String(v), v]))('%s: what RosterStamp.parse says', (_name, v) => {
    const event = v === undefined ? { id: 'e' } : { id: 'e', rosterVersion: v };
    expect(rosterVersionOf(event)).toBe(RosterStamp.parse(event).rosterVersion);
  });
});
