import { describe, expect, it } from 'vitest';
import { LiveViewCache } from './live-view-cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A floor whose change key moves when `push` is called; the view is when its computation started and the key then. */
function floor(opts: { minIntervalMs: number; gatherMs: number; maxAgeMs?: number }) {
  let head = 0;
  let computed = 0;
  const cache = new LiveViewCache<{ startedAt: number; head: number }>({ maxAgeMs: opts.maxAgeMs ?? 60_000, ...opts }, async () => String(head));
  const compute = async () => {
    computed++;
    const view = { startedAt: performance.now(), head };
    await sleep(5);
    return view;
  };
  return {
    push: () => void head++,
    get computed() {
      return computed;
    },
    /** As a request, with a tighter age bound (live-views.ts keep). */
    keep: async (maxAgeMs: number) => cache.get(performance.now(), String(head), compute, maxAgeMs),
    /** A request as the routes make it: arrived now, then reads the key (a moment later), then asks. */
    async ask() {
      const arrived = performance.now();
      const headThen = head;
      await sleep(1);
      return { arrived, headThen, view: await cache.get(arrived, String(head), compute) };
    },
  };
}

describe('LiveViewCache: one computation for the dashboards a change makes ask, never older than a request', () => {
  it('a burst of requests, each with a newer key, shares one computation that started after every one of them arrived', async () => {
    const f = floor({ minIntervalMs: 250, gatherMs: 20 });
    const answers = [];
    for (let i = 0; i < 10; i++) {
      f.push();
      answers.push(f.ask());
      await sleep(1);
    }
    const done = await Promise.all(answers);
    expect(f.computed).toBe(1);
    for (const a of done) {
      expect(a.view.startedAt).toBeGreaterThanOrEqual(a.arrived);
      expect(a.view.head).toBeGreaterThanOrEqual(a.headThen);
    }
  });

  it('under a change every 5 ms: computations spaced by the interval, each answer computed after its request', async () => {
    const f = floor({ minIntervalMs: 100, gatherMs: 10 });
    const checks: Promise<void>[] = [];
    const t0 = performance.now();
    for (let k = 0; k < 100; k++) {
      f.push();
      checks.push(
        f.ask().then((a) => {
          expect(a.view.startedAt).toBeGreaterThanOrEqual(a.arrived);
          expect(a.view.head).toBeGreaterThanOrEqual(a.headThen);
        }),
      );
      await sleep(5);
    }
    await Promise.all(checks);
    expect(f.computed).toBeGreaterThanOrEqual(3);
    expect(f.computed).toBeLessThanOrEqual(Math.ceil((performance.now() - t0) / 100) + 1);
  });

  it('nothing changed: the last answer, without computing; older than maxAgeMs: computed again', async () => {
    const f = floor({ minIntervalMs: 0, gatherMs: 0, maxAgeMs: 50 });
    const first = await f.ask();
    const again = await f.ask();
    expect(again.view).toBe(first.view);
    expect(f.computed).toBe(1);
    await sleep(60);
    expect((await f.ask()).view).not.toBe(first.view);
    expect(f.computed).toBe(2);
  });

  it('a tighter age bound for one request: computed again sooner for it, and its view then answers the others', async () => {
    const f = floor({ minIntervalMs: 0, gatherMs: 0, maxAgeMs: 200 });
    const first = await f.ask();
    await sleep(30);
    // Younger than the tighter bound: the last view, nothing computed.
    expect(await f.keep(100)).toBe(first.view);
    expect(f.computed).toBe(1);
    await sleep(80);
    // Older than the tighter bound (not the cache's own): computed after it was asked.
    const asked = performance.now();
    const kept = await f.keep(100);
    expect(kept).not.toBe(first.view);
    expect(kept.startedAt).toBeGreaterThanOrEqual(asked);
    expect(f.computed).toBe(2);
    // A request with the cache's own bound is answered with the kept view; a looser bound than the cache's is not used.
    expect((await f.ask()).view).toBe(kept);
    await sleep(210);
    expect(await f.keep(60_000)).not.toBe(kept);
    expect(f.computed).toBe(3);
  });

  it('a failed computation is not kept, and the next request computes again', async () => {
    const cache = new LiveViewCache<number>({ maxAgeMs: 60_000, minIntervalMs: 0, gatherMs: 0 }, async () => 'k');
    await expect(cache.get(performance.now(), 'k', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get(performance.now(), 'k', async () => 7)).toBe(7);
    expect(await cache.get(performance.now(), 'k', async () => 8)).toBe(7);
  });
});
