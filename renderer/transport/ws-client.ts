/**
 * StationApi over the kiosk WebSocket. Runs in the browser (the station screen) and in Node tests (pass `ws`'s
 * WebSocket). Reconnects with backoff and re-subscribes; calls made while disconnected fail fast with a clear error
 * (the screen shows "station core not reachable"), they are never queued invisibly.
 *
 * The kiosk server checks Host and Origin and wants a session token on every socket (electron/kiosk/server.ts):
 * the client gets one with `POST /api/session` on the socket's own http origin, keeps it for its reconnects (so the
 * core sees one screen, not a new caller per reconnect) and gets a new one when a socket is refused before it
 * opened (the core restarted, or the token expired). In a browser the page's own Origin goes with both requests;
 * in Node nothing sends one by itself, so the client sends the kiosk's own origin (or `opts.origin`).
 */
import type { CommandError, CommandName, CommandParams, CommandResult, ServerMessage, StationApi, Topic, TopicData } from '../../shared/api';
import { SESSION_PATH, SessionResponse, kioskOriginOf, kioskProtocols } from '../../shared/security/kiosk-session';

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
/**
 * The browser's WebSocket or `ws`'s. The third argument is `ws`'s options (where Node sets the Origin header); a
 * browser's constructor takes two and ignores it (the browser sends the page's Origin itself).
 */
export type WsConstructor = new (url: string, protocols?: string | string[], options?: { origin?: string }) => WsLike;

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; cache?: 'no-store' }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface KioskClientOptions {
  callTimeoutMs?: number;
  /** The Origin to send from Node (default: the kiosk's own, derived from the socket URL). Ignored in browsers. */
  origin?: string;
  /** fetch for the token request (default: the global one). */
  fetch?: FetchLike;
}

const inBrowser = (): boolean => typeof window !== 'undefined' && typeof document !== 'undefined';

/**
 * A session token for a screen of the kiosk at `socketUrl` (ws://host:port/api). In Node, `origin` is sent as the
 * Origin header (default: the kiosk's own origin); a browser sends its page's origin and ignores this one.
 */
export async function fetchSessionToken(socketUrl: string, opts: { origin?: string; fetch?: FetchLike } = {}): Promise<string> {
  const origin = opts.origin ?? kioskOriginOf(socketUrl);
  const doFetch = opts.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const res = await doFetch(`${kioskOriginOf(socketUrl)}${SESSION_PATH}`, { method: 'POST', headers: inBrowser() ? {} : { origin }, cache: 'no-store' });
  if (!res.ok) throw new StationCallError({ code: 'unauthenticated', message: `the station refused a session for this screen (HTTP ${res.status})` });
  const parsed = SessionResponse.safeParse(await res.json());
  if (!parsed.success) throw new StationCallError({ code: 'internal', message: 'the station sent an unreadable session token' });
  return parsed.data.token;
}

export interface KioskClient extends StationApi {
  readonly connected: boolean;
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): void;
}

export function connectKiosk(url: string, WS: WsConstructor, opts: KioskClientOptions = {}): KioskClient {
  let ws: WsLike | null = null;
  let token: string | undefined;
  const origin = opts.origin ?? kioskOriginOf(url);
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

  const retry = () => {
    if (!closed) setTimeout(() => void open(), (backoff = Math.min(backoff * 2, 5000)));
  };

  const open = async () => {
    if (closed) return;
    try {
      token ??= await fetchSessionToken(url, { origin, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
    } catch {
      retry(); // the core is not up yet (or refused): try again like a lost socket
      return;
    }
    if (closed) return;
    const sock = inBrowser() ? new WS(url, kioskProtocols(token)) : new WS(url, kioskProtocols(token), { origin });
    ws = sock;
    let opened = false;
    sock.onopen = () => {
      opened = true;
      backoff = 250;
      setConnected(true);
      for (const topic of listeners.keys()) sock.send(JSON.stringify({ t: 'sub', topic }));
    };
    sock.onmessage = (ev) => {
      let msg: ServerMessage;
      try {
        msg = JSON.parse(String(ev.data)) as ServerMessage;
      } catch {
        return; // not from a kiosk server of ours: nothing to route it to
      }
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
      // Refused before it opened: most likely the token (the core restarted, or the session expired): get a new one.
      if (!opened) token = undefined;
      setConnected(false);
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new StationCallError({ code: 'internal', message: 'connection to the station core lost; check whether it was recorded before retrying' }));
        pending.delete(id);
      }
      retry();
    };
    sock.onerror = () => undefined;
  };
  void open();

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
