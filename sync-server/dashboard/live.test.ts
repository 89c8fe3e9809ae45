/**
 * The live channel over a real socket: a change committed by the push path reaches an open dashboard stream as the
 * views' delta from what the stream was opened with (nothing sent while nothing changed); a bad query is refused; a
 * failed computation says `failed` and the next round sends what was missed; one session holds at most
 * `maxPerSession` streams (one more ends its oldest); a logout ends the session's streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get as httpGet, type IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { EventFactory, cuttingOutput, mo } from '../../shared/testing/fixtures';
import { buildApp } from '../app';
import { CHANGES_CHANNEL } from '../changes';
import { createTestDb, type TestDb } from '../db/testing';
import { enrollStation, pushAs, seedOperatorAndOrder, TEST_ADMIN_TOKEN } from '../testing';
import { FLOOR_LISTS, LiveMessage, ViewsUpdate, type FloorView } from './contract';
import { DashboardLive, DEFAULT_LIVE, type HeldViews, type LiveFeed } from './live';
import type { Session } from './sessions';
import { loginAs, makeAccount, openLiveStream, type DashboardLogin } from './testing';
import { applyDelta, heldAfter, livePath, viewsPath } from './views-sync';

let db: TestDb;
let app: FastifyInstance;
let base: string;
let sari: DashboardLogin;

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: { live: { maxPerSession: 2, heartbeatMs: 200, coalesceMs: 10 } } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await makeAccount(db.db, 'sari', 'supervisor', 'cutting');
  sari = await loginAs(app, 'sari');
});

afterAll(async () => {
  const closing = app?.close();
  app?.server.closeAllConnections();
  await closing;
  await db?.cleanup();
});

const openLive = (headers: Record<string, string>) => openLiveStream(base, headers);

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(cond(), what).toBe(true);
};

describe('the dashboard live channel', () => {
  it('says hello, sends nothing while nothing changes, then what a station push changed, as a delta from what it held', async () => {
    const cutting = await enrollStation(app, 'ST-CUT-1', 'cutting');
    const order = mo(1);
    await seedOperatorAndOrder(app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, order);
    // As the screen: one read, then the channel opened from the revisions it brought.
    const read = await app.inject({ method: 'GET', url: viewsPath({ instance: null }, 'open'), headers: sari.read });
    expect(read.statusCode, read.body).toBe(200);
    const first = ViewsUpdate.parse(read.json());
    const held = heldAfter({ instance: null }, first);
    const stream = await openLiveStream(base, sari.read, livePath(held, 'open'));
    await until(() => stream.messages.includes('{"type":"hello"}'), 'hello');
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.messages).toEqual(['{"type":"hello"}']);

    const f = new EventFactory(() => Date.now());
    const before = Date.now();
    await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(`${order.id}-CUT`, 3))]);
    await until(() => stream.messages.length > 1, 'views after the push');
    const msg = LiveMessage.parse(JSON.parse(stream.messages[1]!));
    if (msg.type !== 'views') throw new Error(`views, not ${msg.type}`);
    expect(msg.asOf).toBeGreaterThanOrEqual(before);
    expect(msg.update.instance).toBe(first.instance);
    expect(msg.update.floor?.base).toBe(held.floor);
    const floor = applyDelta<FloorView>(applyDelta<FloorView>(null, undefined, first.floor!, FLOOR_LISTS), held.floor, msg.update.floor!, FLOOR_LISTS);
    expect(floor.orders.find((o) => o.moId === order.id)?.places.find((p) => p.place === 'cutting')?.wip).toBeGreaterThan(0);
    // The next change is sent from the revision this one brought the stream to.
    await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(`${order.id}-CUT`, 2))]);
    await until(() => stream.messages.length > 2, 'views after the second push');
    const next = LiveMessage.parse(JSON.parse(stream.messages[2]!));
    expect(next.type === 'views' && next.update.floor?.base).toBe(msg.update.floor?.rev);
    stream.close();
  });

  it('a stream keeping some views live is sent only those, round after round; the others stay as held', async () => {
    const cutting = await enrollStation(app, 'ST-CUT-2', 'cutting');
    const order = mo(2);
    await seedOperatorAndOrder(app, { id: 'OP-CUT2', name: 'Cutter 2', roles: ['operator'], departments: ['cutting'], pin: '2468' }, order);
    const read = await app.inject({ method: 'GET', url: viewsPath({ instance: null }, 'open'), headers: sari.read });
    const first = ViewsUpdate.parse(read.json());
    const held = heldAfter({ instance: null }, first);
    const stream = await openLiveStream(base, sari.read, livePath(held, 'open', ['floor', 'alerts']));
    await until(() => stream.messages.includes('{"type":"hello"}'), 'hello');
    const f = new EventFactory(() => Date.now());
    let floorRev = held.floor;
    for (const [i, n] of [3, 2].entries()) {
      // A push changes the Floor (its time; the station's status on the first: online) and the station's Fleet row
      // (its last sync): only the Floor is sent, from the revision last sent.
      await pushAs(app, cutting, [f.event('ST-CUT-2', 'OP-CUT2', cuttingOutput(`${order.id}-CUT`, n))]);
      await until(() => stream.messages.length > i + 1, `views after push ${i + 1}`);
      const msg = LiveMessage.parse(JSON.parse(stream.messages[i + 1]!));
      if (msg.type !== 'views') throw new Error(`views, not ${msg.type}`);
      expect(msg.update.floor?.base).toBe(floorRev);
      expect(msg.update.floor?.lists.stations?.rows.map((r) => [r.id, r.online])).toEqual(i === 0 ? [['ST-CUT-2', true]] : undefined);
      expect([msg.update.orders, msg.update.fleet, msg.update.conflicts, msg.update.articles]).toEqual([null, null, null, null]);
      floorRev = msg.update.floor?.rev;
    }
    stream.close();
    // The Fleet the screen held is behind now: asked for, it comes as a delta from the revision held.
    const fleet = await app.inject({ method: 'GET', url: viewsPath(held, 'open', ['fleet']), headers: sari.read });
    const update = ViewsUpdate.parse(fleet.json());
    expect(update.fleet?.base).toBe(held.fleet);
    expect(update.fleet?.lists.stations?.rows.map((r) => r.id)).toEqual(['ST-CUT-2']);
    expect(update.floor).toBeNull();
  });

  it('a stream opened holding nothing is sent the whole views at once; a bad query is refused', async () => {
    const stream = await openLiveStream(base, sari.read);
    await until(() => stream.messages.length >= 2, 'hello and the views');
    const msg = LiveMessage.parse(JSON.parse(stream.messages[1]!));
    expect(msg.type === 'views' && msg.update.floor?.base).toBeNull();
    stream.close();
    for (const query of ['show=everything', 'show=open&floor=-1', 'show=open&floor=x', 'show=open&views=floor,nothing']) {
      const res = await fetch(`${base}/api/dashboard/live?${query}`, { headers: sari.read });
      expect(res.status, query).toBe(400);
      expect((await res.json()) as object).toMatchObject({ error: 'bad_request' });
    }
  });

  it('a third stream of one session ends its oldest; another session is untouched; logout ends them all', async () => {
    const other = await loginAs(app, 'sari');
    const [a, b, x] = [await openLive(sari.read), await openLive(sari.read), await openLive(other.read)];
    const c = await openLive(sari.read);
    await a.ended; // ended by the server
    let bEnded = false;
    void b.ended.then(() => (bEnded = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(bEnded).toBe(false);
    const out = await app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: sari.write });
    expect(out.statusCode).toBe(200);
    // Ended at the next heartbeat's session check.
    await Promise.all([b.ended, c.ended]);
    let xEnded = false;
    void x.ended.then(() => (xEnded = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(xEnded).toBe(false);
    x.close();
  });
});

describe('a live round', () => {
  it('a failed computation says failed; a later round (here the refresh tick) sends what was missed, then only news', async () => {
    let failing = true;
    const asked: HeldViews[] = [];
    const update = JSON.stringify({ instance: 'here', conflictsShow: 'open', floor: null, alerts: null, conflicts: null, orders: null, fleet: null, accounts: null, articles: null });
    const feed: LiveFeed = async (_viewer, held) => {
      asked.push(held);
      if (failing) throw new Error('database unreachable');
      return { json: Buffer.from(update), revisions: { instance: 'here', floor: 7 }, news: held.instance !== 'here', asOf: Date.now() };
    };
    const warned: string[] = [];
    const live = new DashboardLive(db.db, feed, { warn: (_obj, msg) => warned.push(msg) }, { ...DEFAULT_LIVE, coalesceMs: 10, refreshMs: 150 });
    await live.start();
    const session: Session = { tokenHash: 'not-a-session', csrfToken: 'x', account: { id: 'sari', name: 'Sari', role: 'supervisor', department: 'cutting' }, mustChangePassword: false };
    const tiny = Fastify();
    tiny.get('/live', async (request, reply) => live.open(request, reply, session, { show: 'open' }));
    const tinyBase = await tiny.listen({ host: '127.0.0.1', port: 0 });
    try {
      const stream = await openLiveStream(tinyBase, {}, '/live');
      await until(() => stream.messages.length >= 2, 'hello and failed');
      expect(stream.messages.slice(0, 2)).toEqual(['{"type":"hello"}', '{"type":"failed"}']);
      expect(warned).toContain('dashboard live views failed');
      failing = false;
      await until(() => stream.messages.length >= 3, 'the views at the next round');
      expect(LiveMessage.parse(JSON.parse(stream.messages[2]!))).toMatchObject({ type: 'views', update: { instance: 'here' } });
      // Later rounds ask from what was sent, and nothing new is sent.
      const n = asked.length;
      await new Promise((r) => setTimeout(r, 400));
      expect(asked.length).toBeGreaterThan(n);
      expect(asked.at(-1)).toEqual({ show: 'open', instance: 'here', floor: 7 });
      expect(stream.messages).toHaveLength(3);
      stream.close();
    } finally {
      await live.stop();
      await tiny.close();
    }
  });
});

describe('a stream not taking its bytes', () => {
  it('is neither computed for nor written to until it drains, then sent what it missed', async () => {
    let asked = 0;
    // 1 MB answers, new at every round: a reader that stops reading fills the socket within a few.
    const big = Buffer.from(JSON.stringify({ instance: 'here', pad: 'x'.repeat(1 << 20) }));
    const feed: LiveFeed = async () => {
      asked++;
      return { json: big, revisions: { instance: 'here', floor: asked }, news: true, asOf: Date.now() };
    };
    const live = new DashboardLive(db.db, feed, { warn: () => undefined }, { ...DEFAULT_LIVE, coalesceMs: 5, refreshMs: 20, maxBufferedBytes: 1 << 20 });
    await live.start();
    const session: Session = { tokenHash: 'not-a-session', csrfToken: 'x', account: { id: 'sari', name: 'Sari', role: 'supervisor', department: 'cutting' }, mustChangePassword: false };
    const tiny = Fastify();
    tiny.get('/live', async (request, reply) => live.open(request, reply, session, { show: 'open' }));
    const tinyBase = new URL(await tiny.listen({ host: '127.0.0.1', port: 0 }));
    try {
      let received = 0;
      const res = await new Promise<IncomingMessage>((resolve) => httpGet({ host: tinyBase.hostname, port: tinyBase.port, path: '/live' }, resolve));
      res.on('data', (chunk: Buffer) => (received += chunk.length));
      res.pause();
      // About 100 rounds go by while it does not read: only the few before its socket filled were computed.
      await new Promise((r) => setTimeout(r, 2_000));
      const whilePaused = asked;
      expect(whilePaused).toBeLessThan(30);
      res.resume();
      await expect.poll(() => asked, { timeout: 5_000 }).toBeGreaterThan(whilePaused + 5);
      expect(received).toBeGreaterThan(whilePaused * big.length);
      res.destroy();
    } finally {
      await live.stop();
      await tiny.close();
    }
  });
});

describe('with no dashboard open: the first views kept current (keep)', () => {
  it('after every change and every keepMs while none is open, not while one is; failures logged once; stop waits for it', async () => {
    let kept = 0;
    let failing = false;
    let slow = 0;
    let finished = 0;
    const aging: boolean[] = [];
    const keep = async (a: boolean) => {
      kept++;
      aging.push(a);
      if (slow) await new Promise((r) => setTimeout(r, slow));
      finished = kept;
      if (failing) throw new Error('database unreachable');
    };
    const feed: LiveFeed = async () => ({ json: Buffer.from('{}'), revisions: { instance: 'here' }, news: false, asOf: Date.now() });
    const warned: string[] = [];
    const live = new DashboardLive(db.db, feed, { warn: (_obj, msg) => warned.push(msg) }, { ...DEFAULT_LIVE, coalesceMs: 10, refreshMs: 60_000, keepMs: 150 }, keep);
    const session: Session = { tokenHash: 'not-a-session', csrfToken: 'x', account: { id: 'sari', name: 'Sari', role: 'supervisor', department: 'cutting' }, mustChangePassword: false };
    const tiny = Fastify();
    tiny.get('/live', async (request, reply) => live.open(request, reply, session, { show: 'open' }));
    const tinyBase = await tiny.listen({ host: '127.0.0.1', port: 0 });
    const notify = () => db.db.query(`SELECT pg_notify('${CHANGES_CHANNEL}', '1')`);
    try {
      // A change: kept (here with keepMs a minute away, so the change did it).
      const changeOnly = new DashboardLive(db.db, feed, { warn: () => undefined }, { ...DEFAULT_LIVE, coalesceMs: 10, keepMs: 60_000 }, keep);
      await changeOnly.start();
      // Kept once as it starts (a screen opening after a restart finds them), then not again without a change.
      await until(() => kept === 1, 'kept at start');
      const beforeChange = kept;
      await new Promise((r) => setTimeout(r, 200));
      expect(kept).toBe(beforeChange);
      await notify();
      await until(() => kept > beforeChange, 'kept after a change');
      await changeOnly.stop();
      // After a change: brought up to date, not aged (a view computed again for its age alone is a new revision).
      expect(aging).toEqual([false, false]);
      // No change: kept again every keepMs, aging.
      await live.start();
      const idle = kept;
      const idleFrom = performance.now();
      await until(() => kept - idle >= 3, 'kept three times with no change');
      // Paced by keepMs (150): three keeps span at least two intervals, however late the timers run on a busy machine.
      expect(performance.now() - idleFrom).toBeGreaterThanOrEqual(2 * 150 - 20);
      expect(aging.slice(idle)).not.toContain(false);
      // A dashboard open: its rounds keep the views; keep is not called, changes or not.
      const stream = await openLiveStream(tinyBase, {}, '/live');
      await until(() => stream.messages.length >= 1, 'hello');
      const whileOpen = kept;
      for (let i = 0; i < 3; i++) {
        await notify();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(kept).toBe(whileOpen);
      stream.close();
      await until(() => kept > whileOpen, 'kept again once none is open');
      // Failing: logged once however often it fails.
      failing = true;
      const failedFrom = kept;
      await until(() => kept >= failedFrom + 3, 'three failed keeps');
      expect(warned.filter((m) => m === 'dashboard views could not be kept current')).toHaveLength(1);
      failing = false;
      // stop() waits for a computation under way (it reads through a pool closed next).
      slow = 300;
      const slowFrom = kept;
      await notify();
      await until(() => kept > slowFrom, 'a slow keep started');
      await live.stop();
      expect(finished).toBe(kept);
      const afterStop = kept;
      await notify();
      await new Promise((r) => setTimeout(r, 400));
      expect(kept).toBe(afterStop);
    } finally {
      await live.stop();
      await tiny.close();
    }
  });
});
