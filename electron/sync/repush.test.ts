import { describe, expect, it } from 'vitest';
import { Repush } from './repush';

function rig(pending: number, failFirst = 0) {
  const calls: boolean[] = [];
  const errors: unknown[] = [];
  let fails = failFirst;
  let release: (() => void) | null = null;
  const state = { stopped: false, hold: false };
  const repush = new Repush({
    pushAll: async ({ forgetServer }) => {
      calls.push(forgetServer);
      if (state.hold) await new Promise<void>((r) => (release = r));
      if (fails-- > 0) throw new Error('fetch failed');
    },
    pendingCount: () => pending,
    failed: (err) => errors.push(err),
    sleep: () => new Promise((r) => setTimeout(r, 1)),
    stopped: () => state.stopped,
    backoff: { initialMs: 1, maxMs: 2 },
  });
  const settle = () => new Promise((r) => setTimeout(r, 40));
  /** Asks for a re-push and gives it time to run. */
  const ask = async (forgetServer = false) => {
    repush.ensurePushed(forgetServer);
    await settle();
  };
  return { repush, calls, errors, state, settle, ask, release: () => release?.() };
}

describe('re-push', () => {
  it('after the first pull cycle of a session only if events are pending; after a rewind always, forgetting the server', async () => {
    const idle = rig(0);
    idle.repush.cycleApplied(false);
    await idle.settle();
    expect(idle.calls).toEqual([]);

    const pending = rig(2);
    pending.repush.cycleApplied(false);
    pending.repush.cycleApplied(false); // only the first cycle of a session
    await pending.settle();
    expect(pending.calls).toEqual([false]);
    pending.repush.cycleApplied(true);
    await pending.settle();
    expect(pending.calls).toEqual([false, true]);
  });

  it('retries a failed push until it goes through, reporting each failure', async () => {
    const r = rig(1, 2);
    await r.ask();
    expect(r.calls).toEqual([false, false, false]);
    expect(r.errors).toHaveLength(2);
  });

  it('a request while one runs runs once more after it, keeping forgetServer', async () => {
    const r = rig(1);
    r.state.hold = true;
    r.repush.ensurePushed(false);
    r.repush.ensurePushed(true);
    r.repush.ensurePushed(false);
    r.state.hold = false;
    r.release();
    await r.settle();
    expect(r.calls).toEqual([false, true]);
  });

  it('stops retrying once sync stops', async () => {
    const r = rig(1, 1000);
    await r.ask();
    r.state.stopped = true;
    await r.settle();
    const n = r.calls.length;
    expect(n).toBeGreaterThan(1);
    await r.settle();
    expect(r.calls.length).toBeLessThanOrEqual(n + 1); // at most the attempt already under way
    const after = r.calls.length;
    await r.settle();
    expect(r.calls.length).toBe(after);
  });
});
