/**
 * Kiosk transport: the station API over a WebSocket on localhost, plus the station screen's static files. Any
 * Chromium pointed at it is a station screen; tests drive the same core through it.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
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
  const url = new URL(req.url ?? '/', 'http://x');
  const root = resolve(dir);
  let file = normalize(join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(root)) {
    res.writeHead(400).end();
    return;
  }
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  if (!existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
  createReadStream(file).pipe(res);
}

function send(ws: WebSocket, msg: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

export async function startKioskServer(core: StationCore, opts: KioskOptions = {}): Promise<KioskServer> {
  const log = opts.log ?? (() => undefined);
  const http = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, station: core.station.id }));
      return;
    }
    serveStatic(opts.staticDir, req, res);
  });
  const wss = new WebSocketServer({
    server: http,
    path: '/api',
    maxPayload: 256 * 1024,
    // Only this machine's pages may drive the station (a page from elsewhere in a browser on this PC may not).
    verifyClient: ({ origin }: { origin?: string }) => !origin || /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin),
  });

  wss.on('connection', (ws) => {
    const subs = new Map<Topic, () => void>();
    ws.on('message', (raw) => {
      let json: unknown;
      try {
        json = JSON.parse(String(raw));
      } catch {
        send(ws, { t: 'result', id: -1, ok: false, error: { code: 'bad_request', message: 'message is not JSON' } });
        return;
      }
      const parsed = ClientMessage.safeParse(json);
      if (!parsed.success) {
        const id = typeof (json as { id?: unknown })?.id === 'number' ? (json as { id: number }).id : -1;
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
      core.call(m.name as CommandName, m.params).then(
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
      );
    });
    ws.on('close', () => {
      for (const off of subs.values()) off();
      subs.clear();
    });
  });

  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
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
