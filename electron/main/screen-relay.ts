/**
 * Relays the station API between the screens (preload, over IPC) and the core process. Main holds no floor logic:
 * it checks who is asking (screen-origin.ts), wraps each request in the shared `ClientMessage` shape (parsed, so a
 * malformed one never reaches the core) and routes the answers back by id. While the core is down a call fails at
 * once; calls in flight when it dies fail with "check whether it was recorded"; subscriptions are renewed when it
 * is back, so the screen's live views pick up where they were.
 */
import { z } from 'zod';
import { ClientMessage, type Topic } from '../../shared/api';
import { IPC_CHANNELS, type CallReply, type CoreStatus } from '../../renderer/transport/ipc-wire';
import type { FromCore, ToCore } from './core-wire';
import type { IpcEventPort, ScreenContents } from './ports';
import { isOwnScreen } from './screen-origin';

const CallRequest = z.object({ name: z.string(), params: z.unknown() });

export const RELAY_MESSAGES = {
  notOwnScreen: 'this page may not drive the station',
  coreDown: 'the station core is restarting: nothing was recorded, try again in a moment',
  coreLost: 'connection to the station core lost; check whether it was recorded before retrying',
  timedOut: 'the station core did not answer in time; check whether it was recorded before retrying',
} as const;

export interface ScreenRelayOptions {
  sendToCore(msg: ToCore): boolean;
  callTimeoutMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface Screen {
  readonly key: string;
  readonly contents: ScreenContents;
  readonly topics: Set<Topic>;
}

const fail = (code: 'bad_request' | 'unauthenticated' | 'internal', message: string): CallReply => ({ ok: false, error: { code, message } });

export class ScreenRelay {
  private readonly screens = new Map<number, Screen>();
  private readonly pending = new Map<number, { resolve(reply: CallReply): void; timer: ReturnType<typeof setTimeout> }>();
  private nextId = 1;
  private readonly log: NonNullable<ScreenRelayOptions['log']>;

  constructor(private readonly o: ScreenRelayOptions) {
    this.log = o.log ?? (() => undefined);
  }

  /** A window the shell opened: only its main frame may use the API. */
  addScreen(contents: ScreenContents): void {
    const screen: Screen = { key: `ipc-${contents.id}`, contents, topics: new Set() };
    this.screens.set(contents.id, screen);
    contents.onDestroyed(() => {
      this.screens.delete(contents.id);
      this.o.sendToCore({ t: 'screen-gone', screen: screen.key });
    });
  }

  /** ipcMain.handle(IPC_CHANNELS.call). */
  call(event: IpcEventPort, request: unknown): Promise<CallReply> {
    const screen = this.checked(event, IPC_CHANNELS.call);
    if (!screen) return Promise.resolve(fail('unauthenticated', RELAY_MESSAGES.notOwnScreen));
    const req = CallRequest.safeParse(request);
    if (!req.success) return Promise.resolve(fail('bad_request', 'a command is { name, params }'));
    const id = this.nextId++;
    const msg = ClientMessage.parse({ t: 'call', id, name: req.data.name, params: req.data.params });
    if (!this.o.sendToCore({ t: 'screen', screen: screen.key, msg })) return Promise.resolve(fail('internal', RELAY_MESSAGES.coreDown));
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(fail('internal', RELAY_MESSAGES.timedOut));
      }, this.o.callTimeoutMs ?? 30_000);
      this.pending.set(id, { resolve, timer });
    });
  }

  /** ipcMain.on(IPC_CHANNELS.subscribe / unsubscribe). */
  watch(event: IpcEventPort, topic: unknown, on: boolean): void {
    const screen = this.checked(event, on ? IPC_CHANNELS.subscribe : IPC_CHANNELS.unsubscribe);
    if (!screen) return;
    const parsed = ClientMessage.safeParse({ t: on ? 'sub' : 'unsub', topic });
    if (!parsed.success || parsed.data.t === 'call') return;
    if (on) screen.topics.add(parsed.data.topic);
    else screen.topics.delete(parsed.data.topic);
    // Not running: sent when it is (coreStatus below).
    this.o.sendToCore({ t: 'screen', screen: screen.key, msg: parsed.data });
  }

  /** The core's answer for a screen. */
  fromCore(screenKey: string, msg: Extract<FromCore, { t: 'reply' }>['msg']): void {
    if (msg.t === 'topic') {
      const screen = [...this.screens.values()].find((s) => s.key === screenKey);
      if (screen && !screen.contents.isDestroyed()) screen.contents.send(IPC_CHANNELS.topic, { topic: msg.topic, data: msg.data });
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    p.resolve(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error });
  }

  /** The supervisor's status: told to every screen; the calls in flight end when the core goes; topics renewed when it is back. */
  coreStatus(status: CoreStatus): void {
    if (status.state === 'running') {
      for (const s of this.screens.values()) for (const topic of s.topics) this.o.sendToCore({ t: 'screen', screen: s.key, msg: { t: 'sub', topic } });
    } else {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.resolve(fail('internal', RELAY_MESSAGES.coreLost));
        this.pending.delete(id);
      }
    }
    for (const s of this.screens.values()) if (!s.contents.isDestroyed()) s.contents.send(IPC_CHANNELS.status, status);
  }

  /** Is this IPC message from a screen window the shell opened, showing the app's own page? */
  isOwnScreen(event: IpcEventPort): boolean {
    return isOwnScreen(event, new Set(this.screens.keys()));
  }

  private checked(event: IpcEventPort, channel: string): Screen | undefined {
    if (!this.isOwnScreen(event)) {
      this.log('IPC refused: not the station screen', { channel, url: event.senderFrame?.url ?? null });
      return undefined;
    }
    return this.screens.get(event.sender.id);
  }
}
