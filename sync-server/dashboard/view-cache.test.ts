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

describe('ViewCache under a busy floor: at most one computation per interval, never an answer older than the request', () => {
  it('requests with ever newer keys share computations spaced by the interval; each answer was computed after its request', async () => {
    const cache = new ViewCache<{ startedAt: number }>(60_000, 100);
    let computed = 0;
    const compute = async () => {
      computed++;
      const startedAt = performance.now();
      await new Promise((r) => setTimeout(r, 10));
      return { startedAt };
    };
    // A new key every 5 ms for 500 ms (a push every 5 ms), each request's answer awaited.
    const checks: Promise<void>[] = [];
    const t0 = performance.now();
    for (let k = 0; k < 100; k++) {
      const askedAt = performance.now();
      checks.push(cache.get(`v${k}`, compute).then((view) => expect(view.startedAt).toBeGreaterThanOrEqual(askedAt)));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(checks);
    // Without the interval this would be one computation per key (100); with it, one per 100 ms of the run.
    const intervals = (performance.now() - t0) / 100;
    expect(computed).toBeGreaterThanOrEqual(3);
    expect(computed).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
  });

  it('a request after a quiet spell computes at once; a failed computation does not stop the next', async () => {
    const cache = new ViewCache<number>(60_000, 50);
    await expect(cache.get('a', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    const t0 = performance.now();
    expect(await cache.get('b', async () => 2)).toBe(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(40); // waited out the interval after the failed start
    await new Promise((r) => setTimeout(r, 60));
    const t1 = performance.now();
    expect(await cache.get('c', async () => 3)).toBe(3);
    expect(performance.now() - t1).toBeLessThan(40);
  });
});
