/**
 * The pull answer written around the bodies' JSON text (pull-answer.ts) refuses what PullResponse refuses. That it
 * says what the parsed, checked and serialised documents said: changes.test.ts, on the database's own jsonb text.
 */
import { describe, expect, it } from 'vitest';
import { pullAnswer } from './pull-answer';

describe('pull answer', () => {
  it('refuses what PullResponse refuses: a body that is not an object, a bad envelope, a bad head', () => {
    const doc = { kind: 'wo', id: 'x', body: '{"a":1}', deleted: false, version: 1 };
    expect(() => pullAnswer([doc], { version: 1 }, 1)).not.toThrow();
    expect(() => pullAnswer([{ ...doc, body: null }], { version: 1 }, 1)).not.toThrow();
    for (const body of ['[1]', '"text"', '1', 'null', 'true']) {
      expect(() => pullAnswer([{ ...doc, body }], { version: 1 }, 1), body).toThrow(/failed its schema/);
    }
    expect(() => pullAnswer([{ ...doc, kind: '' }], { version: 1 }, 1)).toThrow(/failed its schema/);
    expect(() => pullAnswer([{ ...doc, version: 1.5 }], { version: 1 }, 1)).toThrow(/failed its schema/);
    expect(() => pullAnswer([doc], { version: 1 }, -1)).toThrow(/failed its schema/);
  });
});
