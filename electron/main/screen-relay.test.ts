import { afterEach, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS, type CoreStatus } from '../../renderer/transport/ipc-wire';
import type { ToCore } from './core-wire';
import { RELAY_MESSAGES, ScreenRelay } from './screen-relay';
import { FakeContents, frame } from './testing';

const running: CoreStatus = { state: 'running', attempt: 0, retryInMs: null, message: null };
const restarting: CoreStatus = { state: 'restarting', attempt: 1, retryInMs: 500, message: 'the station core stopped (exit code 1)' };

function relayed(coreUp = true) {
  const toCore: ToCore[] = [];
  const state = { up: coreUp };
  const relay = new ScreenRelay({ sendToCore: (m) => (state.up ? (toCore.push(m), true) : false), callTimeoutMs: 1_000 });
  const screen = new FakeContents();
  relay.addScreen(screen);
  /** The core answers the last call it got. */
  const answer = (reply: { ok: true; result: unknown } | { ok: false; error: { code: 'refused'; message: string } }) => {
    const last = toCore[toCore.length - 1];
    if (last?.t !== 'screen' || last.msg.t !== 'call') throw new Error('no call reached the core');
    relay.fromCore(last.screen, { t: 'result', id: last.msg.id, ...reply });
  };
  return { relay, toCore, state, screen, answer };
}

afterEach(() => vi.useRealTimers());

describe('IPC sender checks', () => {
  const cases: [string, (s: FakeContents) => ReturnType<FakeContents['event']>][] = [
    ['an iframe inside the screen', (s) => s.event(frame('app://station/index.html', s.mainFrame))],
    ['a page navigated to the web', (s) => s.event(frame('https://evil.example/'))],
    ['a file:// page', (s) => s.event(frame('file:///home/op/Downloads/x.html'))],
    ['another app:// host', (s) => s.event(frame('app://other/index.html'))],
    ['a frame gone since it sent', (s) => s.event(null)],
    ['a window the shell did not open', () => new FakeContents().event()],
  ];
  for (const [who, event] of cases) {
    it(`refuses ${who}: nothing reaches the core`, async () => {
      const { relay, toCore, screen } = relayed();
      const reply = await relay.call(event(screen), { name: 'view.get', params: {} });
      relay.watch(event(screen), 'view', true);
      expect(reply).toEqual({ ok: false, error: { code: 'unauthenticated', message: RELAY_MESSAGES.notOwnScreen } });
      expect(toCore).toEqual([]);
      expect(relay.isOwnScreen(event(screen))).toBe(false);
    });
  }

  it('accepts the main frame of its own window on app://station', () => {
    const { relay, screen } = relayed();
    expect(relay.isOwnScreen(screen.event())).toBe(true);
  });

  it('refuses a destroyed window', () => {
    const { relay, screen } = relayed();
    screen.destroy();
    expect(relay.isOwnScreen(screen.event())).toBe(false);
  });
});

describe('IPC relay', () => {
  it('passes a command to the core as the shared ClientMessage and returns its answer', async () => {
    const { relay, toCore, screen, answer } = relayed();
    const pending = relay.call(screen.event(), { name: 'session.login', params: { badge: 'B1', pin: '246802' } });
    expect(toCore).toEqual([{ t: 'screen', screen: `ipc-${screen.id}`, msg: { t: 'call', id: 1, name: 'session.login', params: { badge: 'B1', pin: '246802' } } }]);
    answer({ ok: true, result: { operatorId: 'OP-1' } });
    expect(await pending).toEqual({ ok: true, result: { operatorId: 'OP-1' } });
  });

  it("returns the core's refusal as it is", async () => {
    const { relay, screen, answer } = relayed();
    const pending = relay.call(screen.event(), { name: 'action.record', params: {} });
    answer({ ok: false, error: { code: 'refused', message: 'line halted' } });
    expect(await pending).toEqual({ ok: false, error: { code: 'refused', message: 'line halted' } });
  });

  it('refuses a request that is not { name, params } before the core sees it', async () => {
    const { relay, toCore, screen } = relayed();
    expect(await relay.call(screen.event(), 'view.get')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await relay.call(screen.event(), { name: 42 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    relay.watch(screen.event(), 'everything', true);
    expect(toCore).toEqual([]);
  });

  it('fails a call at once while the core is restarting (nothing recorded)', async () => {
    const { relay, screen } = relayed(false);
    expect(await relay.call(screen.event(), { name: 'view.get', params: {} })).toEqual({ ok: false, error: { code: 'internal', message: RELAY_MESSAGES.coreDown } });
  });

  it('ends the calls in flight when the core dies, and tells the screen it is restarting', async () => {
    const { relay, screen } = relayed();
    const pending = relay.call(screen.event(), { name: 'view.get', params: {} });
    relay.coreStatus(restarting);
    expect(await pending).toEqual({ ok: false, error: { code: 'internal', message: RELAY_MESSAGES.coreLost } });
    expect(screen.sent).toContainEqual({ channel: IPC_CHANNELS.status, args: [restarting] });
  });

  it('a call the core never answers times out', async () => {
    vi.useFakeTimers();
    const { relay, screen } = relayed();
    const pending = relay.call(screen.event(), { name: 'view.get', params: {} });
    vi.advanceTimersByTime(1_000);
    expect(await pending).toEqual({ ok: false, error: { code: 'internal', message: RELAY_MESSAGES.timedOut } });
  });

  it("routes topic pushes to the screen that watches them, and renews its subscriptions when the core is back", () => {
    const { relay, toCore, screen, state } = relayed();
    const other = new FakeContents();
    relay.addScreen(other);
    relay.watch(screen.event(), 'view', true);
    relay.watch(screen.event(), 'sync', true);
    relay.watch(screen.event(), 'sync', false);
    relay.fromCore(`ipc-${screen.id}`, { t: 'topic', topic: 'view', data: { lastSeq: 3 } });
    expect(screen.sent).toEqual([{ channel: IPC_CHANNELS.topic, args: [{ topic: 'view', data: { lastSeq: 3 } }] }]);
    expect(other.sent).toEqual([]);
    state.up = false;
    relay.coreStatus(restarting);
    state.up = true;
    toCore.length = 0;
    relay.coreStatus(running);
    expect(toCore).toEqual([{ t: 'screen', screen: `ipc-${screen.id}`, msg: { t: 'sub', topic: 'view' } }]);
  });

  it('tells the core when a screen is gone', () => {
    const { toCore, screen } = relayed();
    screen.destroy();
    expect(toCore).toEqual([{ t: 'screen-gone', screen: `ipc-${screen.id}` }]);
  });
});
