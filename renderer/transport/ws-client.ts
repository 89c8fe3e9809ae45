/**
 * StationApi over the kiosk WebSocket. Runs in the browser (the station screen) and in Node tests (pass `ws`'s
 * WebSocket). Reconnects with backoff and re-subscribes; calls made while disconnected fail fast with a clear error
 * (the screen shows "station core not reachable"), they are never queued invisibly.
 */
import type { CommandError, CommandName, CommandParams, CommandResult, ServerMessage, StationApi, Topic, TopicData } from '../../shared/api';

export class StationCallError extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

interface WsLike {
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WsConstructor = new (url: string) => WsLike;

export interface KioskClient extends StationApi {
  readonly connected: boolean;
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): void;
}

export function connectKiosk(url: string, WS: WsConstructor, opts: { callTimeoutMs?: number } = {}): KioskClient {
  let ws: WsLike | null = null;
  let nextId = 1;
  let closed = false;
  let connected = false;
  let backoff = 250;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  const listeners = new Map<Topic, Set<(d: unknown) => void>>();
  const connListeners = new Set<(c: boolean) => void>();

  const setConnected = (c: boolean) => {
    connected = c;
    for (const l of connListeners) l(c);
  };

  const open = () => {
    if (closed) return;
    const sock = new WS(url);
    ws = sock;
    sock.onopen = () => {
      backoff = 250;
      setConnected(true);
      for (const topic of listeners.keys()) sock.send(JSON.stringify({ t: 'sub', topic }));
    };
    sock.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as ServerMessage;
      if (msg.t === 'topic') {
        for (const l of listeners.get(msg.topic) ?? []) l(msg.data);
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new StationCallError(msg.error));
    };
    sock.onclose = () => {
      if (ws === sock) ws = null;
      setConnected(false);
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new StationCallError({ code: 'internal', message: 'connection to the station core lost; check whether it was recorded before retrying' }));
        pending.delete(id);
      }
      if (!closed) setTimeout(open, (backoff = Math.min(backoff * 2, 5000)));
    };
    sock.onerror = () => undefined;
  };
  open();

  return {
    get connected() {
      return connected;
    },
    call<C extends CommandName>(name: C, params: CommandParams<C>): Promise<CommandResult<C>> {
      return new Promise((resolve, reject) => {
        const sock = ws;
        if (!sock || !connected) {
          reject(new StationCallError({ code: 'internal', message: 'station core not reachable' }));
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new StationCallError({ code: 'internal', message: `${name} timed out` }));
        }, opts.callTimeoutMs ?? 30_000);
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
        sock.send(JSON.stringify({ t: 'call', id, name, params }));
      });
    },
    subscribe<T extends Topic>(topic: T, listener: (data: TopicData[T]) => void): () => void {
      let set = listeners.get(topic);
      if (!set) {
        set = new Set();
        listeners.set(topic, set);
        if (ws && connected) ws.send(JSON.stringify({ t: 'sub', topic }));
      }
      const l = listener as (d: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
        if (set.size === 0) {
          listeners.delete(topic);
          if (ws && connected) ws.send(JSON.stringify({ t: 'unsub', topic }));
        }
      };
    },
    onConnection(listener) {
      connListeners.add(listener);
      return () => connListeners.delete(listener);
    },
    close() {
      closed = true;
      ws?.close();
    },
  };
}

/** Resolves once the client is connected (tests, start-up). */
export function whenConnected(client: KioskClient, timeoutMs = 10_000): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      off();
      reject(new Error('station core not reachable'));
    }, timeoutMs);
    const off = client.onConnection((c) => {
      if (c) {
        clearTimeout(t);
        off();
        resolve();
      }
    });
  });
}
