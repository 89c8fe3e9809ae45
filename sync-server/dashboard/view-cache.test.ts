import { describe, expect, it } from 'vitest';
import { ViewCache } from './view-cache';

describe('ViewCache: one computation per change for every dashboard', () => {
  it('dashboards asking together with the same key share one computation; a new key computes again', async () => {
    const cache = new ViewCache<number>(60_000);
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 20));
      return computed;
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.get('v1', compute)));
    expect(new Set(answers)).toEqual(new Set([1]));
    expect(await cache.get('v1', compute)).toBe(1);
    expect(computed).toBe(1);
    expect(await cache.get('v2', compute)).toBe(2);
  });

  it('an answer older than maxAgeMs is computed again (stations go quiet without any change)', async () => {
    const cache = new ViewCache<number>(10);
    let n = 0;
    await cache.get('v', async () => ++n);
    await new Promise((r) => setTimeout(r, 25));
    expect(await cache.get('v', async () => ++n)).toBe(2);
  });

  it('a failed computation is not kept', async () => {
    const cache = new ViewCache<number>(60_000);
    await expect(cache.get('v', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('v', async () => 7)).toBe(7);
  });
});
