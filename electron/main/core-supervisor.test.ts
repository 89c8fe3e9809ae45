import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoreStatus } from '../../renderer/transport/ipc-wire';
import { CoreSupervisor, restartDelay } from './core-supervisor';
import { FakeCoreProcess } from './testing';

const backoff = { initialMs: 500, maxMs: 4_000, steadyMs: 60_000 };

function supervised(over: { fork?: () => FakeCoreProcess } = {}) {
  const children: FakeCoreProcess[] = [];
  const statuses: CoreStatus[] = [];
  const replies: { screen: string; msg: unknown }[] = [];
  const sup = new CoreSupervisor({
    fork:
      over.fork ??
      (() => {
        const c = new FakeCoreProcess();
        children.push(c);
        return c;
      }),
    onStatus: (s) => statuses.push(s),
    onReply: (screen, msg) => replies.push({ screen, msg }),
    backoff,
    readyTimeoutMs: 10_000,
    stopGraceMs: 2_000,
  });
  const last = () => children[children.length - 1] as FakeCoreProcess;
  const ready = () => last().say({ t: 'ready', station: 'ST-SEW-1', lastSeq: 0 });
  return { sup, children, statuses, replies, last, ready };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('core supervision', () => {
  it('says starting, then running once the core reports ready; only then does it pass messages on', () => {
    const { sup, statuses, last, ready } = supervised();
    sup.start();
    expect(sup.status.state).toBe('starting');
    expect(sup.send({ t: 'screen-gone', screen: 'x' })).toBe(false);
    ready();
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'running']);
    expect(sup.send({ t: 'screen-gone', screen: 'x' })).toBe(true);
    expect(last().posted).toEqual([{ t: 'screen-gone', screen: 'x' }]);
  });

  it('restarts a dead core after 500 ms, 1 s, 2 s, 4 s, 4 s: the screen hears "restarting" with the pause', () => {
    const { sup, children, last, ready } = supervised();
    sup.start();
    ready();
    const pauses: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      last().exit(1);
      expect(sup.status.state).toBe('restarting');
      pauses.push(sup.status.retryInMs);
      const before = children.length;
      vi.advanceTimersByTime((sup.status.retryInMs ?? 0) - 1);
      expect(children.length).toBe(before); // not a moment early
      vi.advanceTimersByTime(1);
      expect(children.length).toBe(before + 1);
    }
    expect(pauses).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(sup.status.message).toBe('the station core stopped (exit code 1)');
  });

  it('starts the pauses over after a core that ran steadily', () => {
    const { sup, last, ready } = supervised();
    sup.start();
    ready();
    last().exit(1);
    vi.advanceTimersByTime(500);
    last().exit(1); // died before ready: the pause grows
    expect(sup.status.retryInMs).toBe(1_000);
    vi.advanceTimersByTime(1_000);
    ready();
    vi.advanceTimersByTime(60_000);
    last().exit(1);
    expect(sup.status.retryInMs).toBe(500);
  });

  it('keeps the reason a core gave for failing to start, and shows it while retrying', () => {
    const { sup, last } = supervised();
    sup.start();
    last().say({ t: 'fatal', message: 'data directory held by pid 42' });
    last().exit(3);
    expect(sup.status).toEqual({ state: 'restarting', attempt: 1, retryInMs: 500, message: 'data directory held by pid 42' });
  });

  it('kills a core that never says ready, and so restarts it', () => {
    const { sup, children } = supervised();
    sup.start();
    vi.advanceTimersByTime(10_000);
    expect(children[0]?.killed).toBe(true);
  });

  it('a core that cannot be forked at all is retried with the same pauses', () => {
    let tries = 0;
    const { sup } = supervised({
      fork: () => {
        tries++;
        throw new Error('utility process refused');
      },
    });
    sup.start();
    expect(sup.status.state).toBe('restarting');
    expect(sup.status.message).toContain('utility process refused');
    vi.advanceTimersByTime(500 + 1_000);
    expect(tries).toBe(3);
  });

  it('stop asks the core to stop, kills it after the grace period, and never restarts it', async () => {
    const { sup, children, last, ready } = supervised();
    sup.start();
    ready();
    const stopped = sup.stop();
    expect(last().posted).toContainEqual({ t: 'stop' });
    vi.advanceTimersByTime(2_000);
    expect(last().killed).toBe(true);
    last().exit(0);
    await stopped;
    vi.advanceTimersByTime(60_000);
    expect(children).toHaveLength(1);
    expect(sup.status.state).toBe('stopped');
  });

  it('ignores what an old core says after it was replaced, and unreadable messages', () => {
    const { sup, children, replies, last, ready } = supervised();
    sup.start();
    ready();
    const old = last();
    old.exit(1);
    vi.advanceTimersByTime(500);
    old.say({ t: 'reply', screen: 'ipc-1', msg: { t: 'topic', topic: 'view', data: 1 } });
    last().say({ t: 'reply', screen: 'ipc-1', msg: { t: 'topic', topic: 'nonsense', data: 1 } });
    expect(replies).toEqual([]);
    expect(children).toHaveLength(2);
  });
});

describe('restartDelay', () => {
  it('doubles from the first pause and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => restartDelay(a, { initialMs: 250, maxMs: 5_000 }))).toEqual([250, 500, 1_000, 2_000, 4_000, 5_000]);
  });
});
