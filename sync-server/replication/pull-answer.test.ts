/**
 * The pull answer written around the bodies' JSON text (pull-answer.ts) says exactly what the parsed documents,
 * checked by PullResponse and serialised, said; and it refuses what PullResponse refuses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PullResponse } from '../../shared/sync';
import { pullDocuments, pullDocumentsText, writeDocuments, writeTx } from '../changes';
import { migrate } from '../db/migrate';
import { createTestDb, type TestDb } from '../db/testing';
import { pullAnswer } from './pull-answer';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await migrate(t.db);
});
afterAll(async () => {
  await t?.cleanup();
});

const SCOPE = ['pull-answer'];

describe(`pull answer (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('is the parsed, checked and serialised answer, whatever the bodies hold', async () => {
    const bodies: Record<string, unknown>[] = [
      { n: 1, nested: { list: [1, 2.5, -3e-7, { deep: [null, true, false] }], empty: {}, none: [] } },
      { text: 'quotes " and \\ backslash, control \n\t\u0001, non-ASCII ÄÖ 日本 🧸, separators \u2028\u2029', '': 'empty key', 'key with "quote"': 1 },
      { big: Number.MAX_SAFE_INTEGER, small: Number.MIN_SAFE_INTEGER, frac: 0.1, exp: 1e21 },
      {},
    ];
    const { version } = await writeTx(t.db, (q) => writeDocuments(q, bodies.map((body, i) => ({ kind: 'wo', id: `pa-${i}`, body, scope: SCOPE }))));
    await writeTx(t.db, (q) => writeDocuments(q, [{ kind: 'wo', id: 'pa-0', body: { gone: true }, scope: SCOPE, deleted: true }]));

    const req = { scopeTokens: SCOPE, checkpoint: { version: version! - 1 }, limit: 100 };
    const parsed = await pullDocuments(t.db, req);
    const text = await pullDocumentsText(t.db, req);
    expect(parsed.documents).toHaveLength(bodies.length);
    const checkpoint = { ...parsed.checkpoint, epoch: 'e.1' };
    const expected = PullResponse.parse({ documents: parsed.documents, checkpoint, head: 99 });
    const answer = pullAnswer(text.documents, { ...text.checkpoint, epoch: 'e.1' }, 99);
    expect(JSON.parse(answer.json)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(PullResponse.parse(JSON.parse(answer.json))).toEqual(expected);
  });

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
