import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCallError, connectKiosk, fetchSessionToken, whenConnected, type WsConstructor } from '../../renderer/transport/ws-client';
import { ELECTRON_APP_ORIGIN, KIOSK_PROTOCOL, kioskProtocols } from '../../shared/security/kiosk-session';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../core/testing';
import { KIOSK_MAX_PAYLOAD, startKioskServer } from './server';

const M = mo(5, { route: 'R2', quantity: 40 });
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function kiosk(opts: Parameters<typeof startKioskServer>[1] = {}) {
  const t = tempDir();
  const core = await openTestStation('cutting', t.dir, [M]);
  const server = await startKioskServer(core, opts);
  const client = connectKiosk(socketUrl(server), WebSocket as unknown as WsConstructor);
  cleanups.push(t.cleanup, () => core.close(), () => server.close(), () => client.close());
  await whenConnected(client);
  return { core, server, client, dir: t.dir };
}

const socketUrl = (server: { url: string }) => `${server.url.replace('http', 'ws')}/api`;

/** A bare `ws` socket with a session token and the kiosk's own Origin unless told otherwise. */
async function rawSocket(server: { url: string; origin: string }, over: { origin?: string | null; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<WebSocket> {
  const protocols = over.protocols ?? kioskProtocols(await fetchSessionToken(socketUrl(server)));
  const origin = over.origin === undefined ? server.origin : over.origin;
  const ws = new WebSocket(socketUrl(server), protocols, { ...(origin === null ? {} : { origin }), ...(over.headers ? { headers: over.headers } : {}) });
  ws.on('error', () => undefined);
  cleanups.push(() => ws.terminate());
  return ws;
}

/** 'open', or the HTTP status the upgrade was refused with. */
function outcome(ws: WebSocket): Promise<string | number> {
  return new Promise((r) => {
    ws.once('open', () => r('open'));
    ws.once('unexpected-response', (_req, res) => r(res.statusCode ?? 0));
    ws.once('error', () => r('error'));
  });
}

/** One raw HTTP/1.1 request (any Host header, any path), answered with the status line's code. */
function rawHttp(port: number, request: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(request));
    let got = '';
    sock.on('data', (d) => {
      got += String(d);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      if (m) {
        sock.destroy();
        resolve(Number(m[1]));
      }
    });
    sock.on('error', reject);
  });
}

/** Exceptions nothing caught (what would take the whole station process down), collected until the test ends. */
function watchUncaught(): () => unknown[] {
  const seen: unknown[] = [];
  const on = (e: unknown) => seen.push(e);
  process.on('uncaughtException', on);
  cleanups.push(() => void process.off('uncaughtException', on));
  return () => seen.map(String);
}

describe('kiosk transport', () => {
  it('serves the typed station API and live views over WebSocket', async () => {
    const { client } = await kiosk();
    const views: number[] = [];
    client.subscribe('view', (v) => views.push(v.lastSeq));
    await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const ack = await client.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(M.id, 'cutting'), lineId: 'LN-CUT-1', size: 'S', part: 'body', goodQty: 4 } } });
    expect(ack.seq).toBe(2);
    const view = await client.call('view.get', {});
    expect(view.workOrders.find((w) => w.id === workOrderIdFor(M.id, 'cutting'))?.stageQty.cut).toBe(4);
    await new Promise((r) => setTimeout(r, 50));
    expect(views.at(-1)).toBe(2);
  });

  it('bad input over the wire gets a clear error and records nothing', async () => {
    const { client, core } = await kiosk();
    await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const err = await client
      .call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: 'nope', lineId: 'LN-CUT-1', size: 'S', part: 'body', goodQty: 4 } } })
      .then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StationCallError);
    expect((err as StationCallError).error.code).toBe('bad_request');
    expect((err as StationCallError).message).toMatch(/workOrderId/);
    expect(core.lastSequence).toBe(1);
  });

  it('refuses raw garbage and unknown commands without crashing', async () => {
    const { server, client } = await kiosk();
    const raw = await rawSocket(server);
    await new Promise((r) => raw.once('open', r));
    const replies: string[] = [];
    raw.on('message', (d) => replies.push(String(d)));
    raw.send('{{{not json');
    raw.send(JSON.stringify({ t: 'call', id: 7, name: 'line.explode', params: {} }));
    await new Promise((r) => setTimeout(r, 100));
    raw.close();
    expect(replies.map((r) => JSON.parse(r) as { error?: { code: string } }).map((r) => r.error?.code)).toEqual(['bad_request', 'not_found']);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('closes a text frame over the stated maximum with 1009, and keeps serving', async () => {
    const { server, client } = await kiosk();
    const crashed = watchUncaught();
    const raw = await rawSocket(server);
    await new Promise((r) => raw.once('open', r));
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send('x'.repeat(KIOSK_MAX_PAYLOAD + 1));
    expect(await closed).toBe(1009);
    await new Promise((r) => setTimeout(r, 50));
    expect(crashed()).toEqual([]);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('closes a text frame with invalid UTF-8 (c3 28 ff fe) with 1007, and keeps serving', async () => {
    const { server, client } = await kiosk();
    const crashed = watchUncaught();
    const raw = await rawSocket(server);
    await new Promise((r) => raw.once('open', r));
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    raw.send(Buffer.from([0xc3, 0x28, 0xff, 0xfe]), { binary: false });
    expect(await closed).toBe(1007);
    await new Promise((r) => setTimeout(r, 50));
    expect(crashed()).toEqual([]);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('refuses a page from another origin', async () => {
    const { server } = await kiosk();
    const evil = await rawSocket(server, { origin: 'https://evil.example' });
    expect(await outcome(evil)).toBe(403);
  });
});

describe('kiosk transport: who may drive the station', () => {
  it('answers only its own Host (DNS rebinding)', async () => {
    const { server } = await kiosk();
    const get = (host: string) => rawHttp(server.port, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(await get(`127.0.0.1:${server.port}`)).toBe(200);
    expect(await get(`localhost:${server.port}`)).toBe(200);
    expect(await get(`evil.example:${server.port}`)).toBe(421);
    expect(await get('127.0.0.1:1')).toBe(421);
    expect(await rawHttp(server.port, 'GET /health HTTP/1.0\r\n\r\n')).toBe(421); // no Host at all
    // The socket too: a rebinding page's upgrade carries its own name.
    expect(await outcome(await rawSocket(server, { headers: { host: `evil.example:${server.port}` } }))).toBe(421);
  });

  it('answers a configured extra host name', async () => {
    const { server } = await kiosk({ allowedHosts: ['kiosk-cut-1.local'] });
    expect(await rawHttp(server.port, `GET /health HTTP/1.1\r\nHost: kiosk-cut-1.local:${server.port}\r\nConnection: close\r\n\r\n`)).toBe(200);
  });

  it('gives a session token only to a request with an allowed Origin', async () => {
    const { server } = await kiosk();
    const post = (headers: Record<string, string>) => fetch(`${server.url}/api/session`, { method: 'POST', headers }).then((r) => r.status);
    expect(await post({ origin: server.origin })).toBe(200);
    expect(await post({ origin: ELECTRON_APP_ORIGIN })).toBe(200);
    expect(await post({})).toBe(403);
    expect(await post({ origin: 'https://evil.example' })).toBe(403);
    expect(await post({ origin: 'null' })).toBe(403);
    expect(await post({ origin: 'file://' })).toBe(403);
    expect((await fetch(`${server.url}/api/session`, { headers: { origin: server.origin } })).status).toBe(405);
  });

  it('opens a socket only with an allowed Origin and a session token it issued', async () => {
    const { server } = await kiosk();
    expect(await outcome(await rawSocket(server, { origin: null }))).toBe(403);
    expect(await outcome(await rawSocket(server, { origin: 'http://127.0.0.1:1' }))).toBe(403);
    expect(await outcome(await rawSocket(server, { protocols: [KIOSK_PROTOCOL] }))).toBe(401);
    expect(await outcome(await rawSocket(server, { protocols: kioskProtocols('A'.repeat(43)) }))).toBe(401);
    const ok = await rawSocket(server);
    expect(await outcome(ok)).toBe('open');
    expect(ok.protocol).toBe(KIOSK_PROTOCOL); // the token is never echoed back
    const electron = await rawSocket(server, { origin: ELECTRON_APP_ORIGIN });
    expect(await outcome(electron)).toBe('open');
  });

  it('a client gets a new token by itself when the core restarts', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openTestStation('cutting', t.dir, [M]);
    cleanups.push(() => core.close());
    const first = await startKioskServer(core);
    const client = connectKiosk(socketUrl(first), WebSocket as unknown as WsConstructor);
    cleanups.push(() => client.close());
    await whenConnected(client);
    await first.close();
    // A new server on the same port knows none of the old tokens.
    const second = await startKioskServer(core, { port: first.port });
    cleanups.push(() => second.close());
    await new Promise((r) => setTimeout(r, 100));
    await whenConnected(client);
    expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
  });

  it('serves nothing outside the screen folder, not even a sibling folder whose name starts the same', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    mkdirSync(join(t.dir, 'screen'));
    mkdirSync(join(t.dir, 'screen-private'));
    writeFileSync(join(t.dir, 'screen', 'index.html'), 'screen');
    writeFileSync(join(t.dir, 'screen-private', 'secret.txt'), 'secret');
    const { server } = await kiosk({ staticDir: join(t.dir, 'screen') });
    const status = await rawHttp(server.port, `GET /..%2fscreen-private/secret.txt HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`);
    expect(status).toBe(400);
  });
});

describe('kiosk transport: PIN guessing from other screens', () => {
  it('the supervisor releases a halted line on the station screen while other screens hammer their badge', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openTestStation('finishing', t.dir, [M]);
    cleanups.push(() => core.close());
    const server = await startKioskServer(core);
    cleanups.push(() => server.close());
    const open = async () => {
      const c = connectKiosk(socketUrl(server), WebSocket as unknown as WsConstructor);
      cleanups.push(() => c.close());
      await whenConnected(c);
      return c;
    };
    const screen = await open();
    await screen.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN });
    const det = await core.recordDevice({ type: 'md.detection', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', metal: 'fe' } });
    const release = { haltId: det.eventId, disposition: 'metal_found' as const, correctiveAction: 'fragment removed, piece destroyed', supervisorBadge: badgeOf('finishing', true) };
    const guess = (c: Awaited<ReturnType<typeof open>>) => c.call('line.release', { ...release, supervisorPin: '000000' }).then(() => 'released', (e: StationCallError) => e.message);
    // One screen hammering, then a new screen (a new session token) for every further guess.
    const hammer = await open();
    const answers: string[] = [];
    for (let i = 0; i < 25; i++) answers.push(await guess(hammer));
    for (let i = 0; i < 12; i++) {
      const fresh = await open();
      answers.push(await guess(fresh));
      fresh.close();
    }
    expect(answers).not.toContain('released');
    expect(answers.filter((m) => /not recognised/.test(m)).length).toBeLessThanOrEqual(10);
    await screen.call('line.release', { ...release, supervisorPin: TEST_PIN });
    expect(core.view().line?.halt).toBeNull();
  });
});

