/**
 * Kiosk transport: the station API over a WebSocket on localhost, plus the station screen's static files. Any
 * Chromium pointed at it is a station screen; tests drive the same core through it.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ClientMessage, COMMANDS, type CommandError, type CommandName, type ServerMessage, type Topic } from '../../shared/api';
import { describeIssues } from '../../shared/events';
import { CommandFailure, type StationCore } from '../core/station-core';

export interface KioskServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface KioskOptions {
  host?: string;
  port?: number;
  /** Built station screen (Vite output); omitted: API only. */
  staticDir?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
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

export async function startKioskServer(core: StationCore, opts: KioskOptions = {}): Promise<KioskServer> {
  const log = opts.log ?? (() => undefined);
  const http = createServer((req, res) => {
    try {
      if (req.url === '/health') {
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
    server: http,
    path: '/api',
    maxPayload: KIOSK_MAX_PAYLOAD,
    // Only this machine's pages may drive the station (a page from elsewhere in a browser on this PC may not).
    verifyClient: ({ origin }: { origin?: string }) => !origin || /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin),
  });
  wss.on('error', (err) => log('kiosk websocket server error', { err: String(err) }));

  wss.on('connection', (ws) => {
    const subs = new Map<Topic, () => void>();
    let inFlight = 0;
    // Protocol errors (too big: 1009, not UTF-8: 1007, bad frame: 1002) and resets: ws has already closed the socket
    // with the right code; this listener only keeps the error from being thrown.
    ws.on('error', (err) => log('kiosk socket closed on bad input', { err: String(err) }));
    const handle = (raw: RawData, isBinary: boolean): void => {
      if (isBinary) {
        send(ws, { t: 'result', id: -1, ok: false, error: { code: 'bad_request', message: 'send JSON text frames, not binary' } });
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(rawText(raw));
      } catch {
        send(ws, { t: 'result', id: -1, ok: false, error: { code: 'bad_request', message: 'message is not JSON' } });
        return;
      }
      const parsed = ClientMessage.safeParse(json);
      if (!parsed.success) {
        const id = typeof (json as { id?: unknown } | null)?.id === 'number' ? (json as { id: number }).id : -1;
        send(ws, { t: 'result', id, ok: false, error: { code: 'bad_request', message: describeIssues(parsed.error) } });
        return;
      }
      const m = parsed.data;
      if (m.t === 'sub') {
        if (!subs.has(m.topic)) subs.set(m.topic, core.subscribe(m.topic, (data) => send(ws, { t: 'topic', topic: m.topic, data })));
        return;
      }
      if (m.t === 'unsub') {
        subs.get(m.topic)?.();
        subs.delete(m.topic);
        return;
      }
      if (!(m.name in COMMANDS)) {
        send(ws, { t: 'result', id: m.id, ok: false, error: { code: 'not_found', message: `unknown command ${m.name}` } });
        return;
      }
      if (inFlight >= KIOSK_MAX_IN_FLIGHT) {
        send(ws, { t: 'result', id: m.id, ok: false, error: { code: 'internal', message: 'too many commands waiting on this screen: nothing was recorded, try again' } });
        return;
      }
      inFlight++;
      core
        .call(m.name as CommandName, m.params)
        .then(
          (result) => send(ws, { t: 'result', id: m.id, ok: true, result }),
          (err: unknown) => {
            let error: CommandError;
            if (err instanceof CommandFailure) error = err.error;
            else {
              log('command failed', { name: m.name, err: String(err) });
              error = { code: 'internal', message: 'the station could not complete this; nothing was recorded' };
            }
            send(ws, { t: 'result', id: m.id, ok: false, error });
          },
        )
        .catch((err: unknown) => log('kiosk reply failed', { err: String(err) }))
        .finally(() => inFlight--);
    };
    ws.on('message', (raw, isBinary) => {
      // Whatever a message does, it never throws out of the socket's handler (that would crash the process).
      try {
        handle(raw, isBinary);
      } catch (err) {
        log('kiosk message failed', { err: String(err) });
        send(ws, { t: 'result', id: -1, ok: false, error: { code: 'internal', message: 'the station could not read this message; nothing was recorded' } });
      }
    });
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
    });
  });

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      http.off('error', fail);
      ok();
    });
  });
  // After listening, a server error (e.g. too many open files on accept) is logged, never thrown.
  http.on('error', (err) => log('kiosk http server error', { err: String(err) }));
  const port = (http.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    port,
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
