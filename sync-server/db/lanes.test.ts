import { describe, expect, it } from 'vitest';
import { inLanes } from './lanes';
import type { Queryable, Row } from './types';

/** A Queryable whose statements finish when told, recording how many ran at once. */
function slowDb() {
  let running = 0;
  const state = { most: 0, started: [] as string[], finish: [] as (() => void)[] };
  const run = async <T extends Row>(sql: string): Promise<T[]> => {
    running++;
    state.most = Math.max(state.most, running);
    state.started.push(sql);
    await new Promise<void>((done) => state.finish.push(done));
    running--;
    if (sql === 'fail') throw new Error('statement failed');
    return [{ sql } as unknown as T];
  };
  const q: Queryable = { query: run, exec: async (sql) => void (await run(sql)), queryAndCommit: run };
  return { q, state };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('inLanes', () => {
  it('runs at most `lanes` statements at once, the rest in the order asked, each answered with its own rows', async () => {
    const { q, state } = slowDb();
    const laned = inLanes(q, 2);
    const answers = ['a', 'b', 'c', 'd', 'e'].map((sql) => laned.query(sql));
    await settle();
    expect(state.started).toEqual(['a', 'b']);
    while (state.finish.length > 0) {
      state.finish.shift()!();
      await settle();
    }
    expect(await Promise.all(answers)).toEqual(['a', 'b', 'c', 'd', 'e'].map((sql) => [{ sql }]));
    expect(state.started).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(state.most).toBe(2);
  });

  it('a failed statement frees its lane: the next runs, and the failure reaches its caller only', async () => {
    const { q, state } = slowDb();
    const laned = inLanes(q, 1);
    const failed = laned.query('fail');
    const next = laned.query('after');
    await settle();
    state.finish.shift()!();
    await expect(failed).rejects.toThrow('statement failed');
    await settle();
    expect(state.started).toEqual(['fail', 'after']);
    state.finish.shift()!();
    expect(await next).toEqual([{ sql: 'after' }]);
    expect(() => inLanes(q, 0)).toThrow(/positive/);
  });
});
