import { describe, expect, it } from 'vitest';
import { startHeartbeat, type HeartbeatOptions } from './heartbeat';
import type { Fetch } from './http';

/** Just what the heartbeat reads of a station core. */
const core: HeartbeatOptions['core'] = {
  wallClockMs: () => Date.now(),
  pendingCount: 0,
  hardwareHealth: () => [],
  subscribe: () => () => undefined,
};

describe('heartbeat', () => {
  it('retries a failed beat within seconds, not a whole interval later', async () => {
    const calls: number[] = [];
    const fetchFn: Fetch = () => {
      calls.push(Date.now());
      if (calls.length <= 2) return Promise.reject(new TypeError('fetch failed'));
      return Promise.resolve(new Response(JSON.stringify({ serverTime: Date.now() }), { status: 200, headers: { 'content-type': 'application/json' } }));
    };
    const abort = new AbortController();
    const stop = startHeartbeat({ core, serverUrl: 'http://server.test', token: 't', fetch: fetchFn, signal: abort.signal, intervalMs: 60_000, requestTimeoutMs: 1_000 });
    const deadline = Date.now() + 5_000;
    while (calls.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // After the success, the next beat waits for the interval.
    await new Promise((r) => setTimeout(r, 300));
    stop();
    abort.abort();
    expect(calls.length).toBe(3);
    const [first = 0, , third = 0] = calls;
    expect(third - first).toBeLessThan(3_000); // 0.5 s then 1 s, ±20 %
  });
});
