/**
 * Kiosk transport: the station API over a WebSocket on localhost, plus the station screen's static files. Any
 * Chromium pointed at it is a station screen; tests drive the same core through it.
 *
 * Who may talk to it (the station API records work and releases halted lines, so a page must not drive it just
 * because it runs in a browser on this PC):
 * - **Host**: every request must name this server itself (`127.0.0.1`, `localhost`, `[::1]`, the configured host,
 *   or a name in `allowedHosts`, each with this port). Anything else is refused (421): a DNS-rebinding page, whose
 *   own name now points at 127.0.0.1, still sends its own name.
 * - **Origin**: the token request and every WebSocket upgrade must carry an allowed Origin: the kiosk's own
 *   (`http://<an allowed host>`) or the Electron shell's `app://station` (`appOrigins`). No Origin is refused too: a
 *   browser always sends one on these requests, so only a non-browser client omits it, and it can send the right one.
 * - **Session token**: each screen gets one from `POST /api/session` (Host + Origin checked) and presents it on
 *   every socket as a subprotocol (see screen-sessions.ts for why a fetched token rather than one written into
 *   index.html: it works with or without a built screen, leaves the static files untouched and cacheable, and a
 *   page from another origin cannot read the answer). The token also names the screen to the core, which slows
 *   PIN guessing per screen.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ServerMessage } from '../../shared/api';
import { ELECTRON_APP_ORIGIN, KIOSK_PROTOCOL, SESSION_PATH, SOCKET_PATH, tokenFromProtocols } from '../../shared/security/kiosk-session';
import type { StationCore } from '../core/station-core';
import { openScreenConversation } from './screen-conversation';
import { ScreenSessions, type ScreenSession, type ScreenSessionOptions } from './screen-sessions';

export interface KioskServer {
  url: string;
  port: number;
  /** The Origin a page served by this kiosk sends (what Node clients should send too). */
  origin: string;
  close(): Promise<void>;
}

export interface KioskOptions {
  host?: string;
  port?: number;
  /** Built station screen (Vite output); omitted: API only. */
  staticDir?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
  /** More names this PC is reached by (a kiosk terminal elsewhere), always with this server's port. */
  allowedHosts?: readonly string[];
  /** Origins besides the kiosk's own that may get a token and open the socket. Default: the Electron shell's. */
  appOrigins?: readonly string[];
  /** Screen session limits (tests shorten them). */
  sessions?: Omit<ScreenSessionOptions, 'onDrop'>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** A strict CSP: the screen loads only its own files and talks only to this server. */
const CSP = "default-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function serveStatic(dir: string | undefined, req: IncomingMessage, res: ServerResponse): void {
  if (!dir) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('station API only (no screen built)');
    return;
  }
  const root = resolve(dir);
  let file: string;
  try {
    // Both throw on hostile paths ('/%', '//['): a bad request, never an exception out of the handler.
    const url = new URL(req.url ?? '/', 'http://x');
    file = normalize(join(root, decodeURIComponent(url.pathname)));
  } catch {
    res.writeHead(400).end();
    return;
  }
  // root + separator: '/srv/screen-other' starts with '/srv/screen' too.
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(400).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  const stream = createReadStream(file);
  // A file removed or unreadable between the check and the read: answer 500 (or cut the reply), do not crash.
  stream.once('error', () => (res.headersSent ? res.destroy() : res.writeHead(500).end()));
  stream.once('open', () => {
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
    stream.pipe(res);
  });
}

function send(ws: WebSocket, msg: ServerMessage): void {
  if (ws.readyState !== ws.OPEN) return;
  // A send that fails (socket torn down meanwhile) reports to the callback, not as an exception.
  ws.send(JSON.stringify(msg), () => undefined);
}

/**
 * Largest message a screen may send (the biggest real one, a scanned slip or a long corrective action, is a few KB).
 * A bigger frame closes the socket with 1009 (message too big); a text frame that is not UTF-8 closes it with 1007.
 * ws enforces both while it reads the frame and then emits 'error' on the socket: without a listener that error
 * would be thrown and take the whole station process down.
 */
export const KIOSK_MAX_PAYLOAD = 256 * 1024;
/** Commands one socket may have waiting in the core at once: a flood queues nothing beyond this. */
export const KIOSK_MAX_IN_FLIGHT = 64;

/** Listening on every interface: not a name a request can carry, so not an allowed Host by itself. */
const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** The Host header values this server answers to. */
function allowedHostValues(host: string, port: number, extra: readonly string[]): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', ...(WILDCARD.has(host) ? [] : [host]), ...extra].map((n) => (n.includes(':') && !n.startsWith('[') ? `[${n}]` : n).toLowerCase());
  // A browser leaves out the default port: on port 80 the bare name is this server too.
  return new Set(names.flatMap((n) => (port === 80 ? [`${n}:80`, n] : [`${n}:${port}`])));
}

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers }).end(message);
}

/** Refuses an upgrade before any WebSocket exists: a plain HTTP answer, then the connection is closed. */
function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
}

const pathOf = (url: string | undefined) => (url ?? '/').split('?')[0] as string;

export async function startKioskServer(core: StationCore, opts: KioskOptions = {}): Promise<KioskServer> {
  const log = opts.log ?? (() => undefined);
  const host = opts.host ?? '127.0.0.1';
  const appOrigins = new Set((opts.appOrigins ?? [ELECTRON_APP_ORIGIN]).map((o) => o.toLowerCase()));
  // Filled once listening (the port may be 0 until then); until then nothing is allowed.
  let hosts = new Set<string>();
  let origins = new Set<string>();
  const hostOk = (req: IncomingMessage) => typeof req.headers.host === 'string' && hosts.has(req.headers.host.toLowerCase());
  const originOf = (req: IncomingMessage) => (typeof req.headers.origin === 'string' ? req.headers.origin.toLowerCase() : undefined);
  const sessions = new ScreenSessions({ ...opts.sessions, onDrop: (id) => core.forgetConnection(id) });

  /** POST /api/session: a token for a screen whose request passed the Host check and carries an allowed Origin. */
  const issueToken = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = originOf(req);
    // Another of our origins (the Electron shell) asks across origins: it may read the answer, nobody else may.
    const cors: Record<string, string> = origin && appOrigins.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
    if (req.method === 'OPTIONS' && origin && appOrigins.has(origin)) {
      refuse(res, 204, '', { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' });
      return;
    }
    if (req.method !== 'POST') return refuse(res, 405, 'POST for a session token', { allow: 'POST' });
    if (!origin) return refuse(res, 403, 'a screen must send its Origin');
    if (!origins.has(origin)) return refuse(res, 403, `origin ${origin} may not drive this station`);
    const issued = sessions.issue();
    if (!issued) return refuse(res, 503, 'too many screens are connected to this station', cors);
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors }).end(JSON.stringify({ token: issued.token }));
  };

  const http = createServer((req, res) => {
    try {
      if (!hostOk(req)) return refuse(res, 421, 'this station answers only to its own address');
      const path = pathOf(req.url);
      if (path === SESSION_PATH) return issueToken(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'read only', { allow: 'GET, HEAD' });
      if (path === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, station: core.station.id }));
        return;
      }
      serveStatic(opts.staticDir, req, res);
    } catch (err) {
      log('kiosk request failed', { err: String(err) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  });
  // A peer that sends garbage instead of HTTP, or resets mid-request: answer 400 if still possible, then drop it.
  http.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: KIOSK_MAX_PAYLOAD,
    // Select the kiosk protocol; the token protocol is never echoed back into a response header.
    handleProtocols: (protocols) => (protocols.has(KIOSK_PROTOCOL) ? KIOSK_PROTOCOL : false),
  });
  wss.on('error', (err) => log('kiosk websocket server error', { err: String(err) }));

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Before anything else: a reset during the handshake must not throw.
    socket.on('error', (err) => log('kiosk upgrade socket error', { err: String(err) }));
    try {
      if (pathOf(req.url) !== SOCKET_PATH) return refuseUpgrade(socket, 404, `the station API is at ${SOCKET_PATH}`);
      if (!hostOk(req)) return refuseUpgrade(socket, 421, 'this station answers only to its own address');
      const origin = originOf(req);
      if (!origin) return refuseUpgrade(socket, 403, 'a screen must send its Origin');
      if (!origins.has(origin)) return refuseUpgrade(socket, 403, `origin ${origin} may not drive this station`);
      const token = tokenFromProtocols(req.headers['sec-websocket-protocol']);
      const session = token ? sessions.find(token) : undefined;
      if (!session) return refuseUpgrade(socket, 401, `present a session token from ${SESSION_PATH}`);
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, session));
    } catch (err) {
      log('kiosk upgrade failed', { err: String(err) });
      socket.destroy();
    }
  });

  const onConnection = (ws: WebSocket, session: ScreenSession): void => {
    sessions.opened(session);
    const conversation = openScreenConversation(core, { connection: session.id, send: (msg) => send(ws, msg), maxInFlight: KIOSK_MAX_IN_FLIGHT, log });
    // Protocol errors (too big: 1009, not UTF-8: 1007, bad frame: 1002) and resets: ws has already closed the socket
    // with the right code; this listener only keeps the error from being thrown.
    ws.on('error', (err) => log('kiosk socket closed on bad input', { err: String(err), screen: session.id }));
    ws.on('message', (raw, isBinary) => {
      // Whatever a message does, it never throws out of the socket's handler (that would crash the process).
      try {
        if (isBinary) send(ws, { t: 'result', id: -1, ok: false, error: { code: 'bad_request', message: 'send JSON text frames, not binary' } });
        else conversation.receiveText(rawText(raw));
      } catch (err) {
        log('kiosk message failed', { err: String(err) });
        send(ws, { t: 'result', id: -1, ok: false, error: { code: 'internal', message: 'the station could not read this message; nothing was recorded' } });
      }
    });
    ws.on('close', () => {
      sessions.closed(session);
      conversation.close();
    });
  };

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', fail);
      ok();
    });
  });
  // After listening, a server error (e.g. too many open files on accept) is logged, never thrown.
  http.on('error', (err) => log('kiosk http server error', { err: String(err) }));
  const port = (http.address() as AddressInfo).port;
  hosts = allowedHostValues(host, port, opts.allowedHosts ?? []);
  origins = new Set([...[...hosts].map((h) => `http://${h}`), ...appOrigins]);
  const ownHost = WILDCARD.has(host) ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${ownHost}:${port}`,
    port,
    origin: `http://${ownHost}:${port}`,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => ok());
        http.closeAllConnections();
      }),
  };
}

function rawText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return Buffer.from(raw as ArrayBuffer).toString('utf8');
}
