/** The preload's bridge and the screen's IPC transport over it, with a fake ipcRenderer standing in for main. */
import { describe, expect, it } from 'vitest';
import { connectIpc } from '../../renderer/transport/ipc-client';
import { IPC_CHANNELS, type CoreStatus } from '../../renderer/transport/ipc-wire';
import { StationCallError } from '../../renderer/transport/ws-client';
import { createStationBridge, type IpcRendererLike } from './station-bridge';

class FakeIpcRenderer implements IpcRendererLike {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  private listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  constructor(private answer: (channel: string, args: unknown[]) => Promise<unknown>) {}
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, args);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): this {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), listener]);
    return this;
  }
  /** main sends to the page */
  push(channel: string, payload: unknown): void {
    for (const l of this.listeners.get(channel) ?? []) l({}, payload);
  }
}

const running: CoreStatus = { state: 'running', attempt: 0, retryInMs: null, message: null };

describe('preload bridge + IPC transport', () => {
  it('a command answered by the core resolves with its result', async () => {
    const ipc = new FakeIpcRenderer(async (_c, [req]) => ({ ok: true, result: { echoed: req } }));
    const api = connectIpc(createStationBridge(ipc));
    expect(await api.call('session.logout', {})).toEqual({ echoed: { name: 'session.logout', params: {} } });
    expect(ipc.invoked[0]?.channel).toBe(IPC_CHANNELS.call);
  });

  it("a refusal throws StationCallError with the core's code and refusal, as the kiosk transport does", async () => {
    const ipc = new FakeIpcRenderer(async () => ({ ok: false, error: { code: 'refused', message: 'line halted', refusal: 'line_halted' } }));
    const err = await connectIpc(createStationBridge(ipc))
      .call('session.logout', {})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StationCallError);
    expect((err as StationCallError).error).toEqual({ code: 'refused', message: 'line halted', refusal: 'line_halted' });
  });

  it('an answer that does not parse is an error, never handed to the page as a result', async () => {
    for (const reply of [{ ok: true }, { ok: false, error: { code: 'teapot', message: 'x' } }, 'yes', null]) {
      const ipc = new FakeIpcRenderer(async () => reply);
      const err = await connectIpc(createStationBridge(ipc))
        .call('session.logout', {})
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(reply)).toBeInstanceOf(StationCallError);
      expect((err as StationCallError).error.message).toMatch(/unreadable answer/);
    }
  });

  it('main unreachable: a clear error', async () => {
    const ipc = new FakeIpcRenderer(async () => {
      throw new Error('No handler registered');
    });
    const err = await createStationBridge(ipc).call('view.get', {});
    expect(err).toEqual({ ok: false, error: { code: 'internal', message: 'station core not reachable' } });
  });

  it('subscribes once per topic, routes parsed pushes, drops malformed ones, unsubscribes when the last listener goes', () => {
    const ipc = new FakeIpcRenderer(async () => running);
    const api = connectIpc(createStationBridge(ipc));
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = api.subscribe('sync', (d) => a.push(d));
    const offB = api.subscribe('sync', (d) => b.push(d));
    expect(ipc.sent).toEqual([{ channel: IPC_CHANNELS.subscribe, args: ['sync'] }]);
    ipc.push(IPC_CHANNELS.topic, { topic: 'sync', data: { state: 'online' } });
    ipc.push(IPC_CHANNELS.topic, { topic: 'secrets', data: 1 });
    ipc.push(IPC_CHANNELS.topic, 'garbage');
    expect(a).toEqual([{ state: 'online' }]);
    expect(b).toEqual([{ state: 'online' }]);
    offA();
    expect(ipc.sent).toHaveLength(1);
    offB();
    expect(ipc.sent.at(-1)).toEqual({ channel: IPC_CHANNELS.unsubscribe, args: ['sync'] });
  });

  it('connected follows the core process: running is connected, restarting is not (the screen says so)', async () => {
    const ipc = new FakeIpcRenderer(async () => running);
    const api = connectIpc(createStationBridge(ipc));
    const seen: boolean[] = [];
    api.onConnection((c) => seen.push(c));
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([true]); // the state now, asked at once
    ipc.push(IPC_CHANNELS.status, { state: 'restarting', attempt: 1, retryInMs: 500, message: 'the station core stopped (exit code 1)' });
    ipc.push(IPC_CHANNELS.status, { state: 'on fire' });
    ipc.push(IPC_CHANNELS.status, running);
    expect(seen).toEqual([true, false, true]);
  });
});
