/**
 * The dashboard's live views computed in a worker thread (views-host.ts, views-worker.ts): the worker's answers are
 * the server thread's own computation (the same views and deltas from the same database), a push reaches the next
 * answer, a worker that stops is logged, its requests answered in the server's thread meanwhile, and it is started
 * again. On PGlite (no second thread can reach the database) the views stay in the server's thread.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../shared/events';
import { EventFactory, lineOf, mo } from '../../shared/testing/fixtures';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import { pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import { FLOOR_LISTS, FloorOrders, FloorView, ViewsUpdate, type Account } from './contract';
import { liveViews, WHOLE_VIEWS, type DashboardViews, type ViewsAnswer } from './live-views';
import { openDashboardViews, ViewsHost } from './views-host';
import { loginAs, makeAccount, seedCuttingFloor } from './testing';
import { applyDelta } from './views-sync';

let db: TestDb;
let app: FastifyInstance;
let cutting: EnrolledStation;
const f = new EventFactory(() => Date.now());
const viewer: Account = { id: 'office', name: 'Office', role: 'admin', department: null };
const open = { show: 'open' as const };
const pg = Boolean(process.env.TEST_DATABASE_URL);

beforeAll(async () => {
  db = await createTestDb();
  // The pushes here go through the app; the views under test are made below.
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN });
  cutting = await seedCuttingFloor(app);
});

afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const cut = (n: number): Action => ({ type: 'cutting.output', payload: { workOrderId: `${mo(1).id}-CUT`, lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: n } });

async function push(action: Action): Promise<void> {
  const pushed = await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', action)]);
  expect(pushed.json<{ results: { status: string }[] }>().results[0]?.status, pushed.body).toBe('applied');
}

/** A /views answer's bytes, parsed with the contract. */
const answer = (a: ViewsAnswer): ViewsUpdate => ViewsUpdate.parse(JSON.parse(a.json.toString()));

/** An answer without what differs by where and when it was computed: the instance name, the Floor's `at`, `asOf`. */
function comparable(a: ViewsAnswer): unknown {
  const u = answer(a);
  return { ...u, instance: '', floor: u.floor && { ...u.floor, fields: { ...u.floor.fields, at: '' } }, revisions: { ...a.revisions, instance: '' }, news: a.news };
}

interface Logged {
  obj: object;
  msg: string;
}

function hostOn(logged: Logged[], restartMs = 50): ViewsHost {
  if (!db.db.connectionString) throw new Error('needs PostgreSQL');
  return new ViewsHost({ connectionString: db.db.connectionString, inThread: () => liveViews(db.db), log: { warn: (obj, msg) => logged.push({ obj, msg }) }, restartMs });
}

describe('dashboard views off the push path', () => {
  it.skipIf(!pg)('the worker answers what the server thread computes, and a push is in its next answer', async () => {
    const logged: Logged[] = [];
    const host = hostOn(logged);
    const here = liveViews(db.db);
    try {
      expect(host.threadId).not.toBeNull();
      await push({ type: 'spk.received', payload: { workOrderId: `${mo(1).id}-CUT` } });
      const first = await host.update(viewer, open);
      expect(comparable(first)).toEqual(comparable(await here.update(viewer, open)));
      for (const view of WHOLE_VIEWS) {
        const [a, b] = [JSON.parse(await host.whole(view, viewer, 'open')) as object, JSON.parse(await here.whole(view, viewer, 'open')) as object];
        expect(view === 'floor' ? { ...a, at: '' } : a, view).toEqual(view === 'floor' ? { ...b, at: '' } : b);
      }
      const found = FloorOrders.parse(JSON.parse(await host.floorOrders({ find: mo(1).id, limit: 5 })));
      expect(found).toEqual(FloorOrders.parse(JSON.parse(await here.floorOrders({ find: mo(1).id, limit: 5 }))));
      expect(found.orders.map((o) => o.moId)).toEqual([mo(1).id]);
      // Kept current in the worker (live.ts keep, no dashboard open): answered there, not in this thread.
      await host.keep(true);

      // A live update: the push after the answer is in the next one, as a delta from the revision held.
      const u1 = answer(first);
      await push(cut(4));
      const u2 = answer(await host.update(viewer, { show: 'open', instance: u1.instance, floor: u1.floor?.rev, alerts: u1.alerts?.rev, conflicts: u1.conflicts?.rev, orders: u1.orders?.rev, fleet: u1.fleet?.rev }));
      expect(u2.instance).toBe(u1.instance);
      expect(u2.floor?.base).toBe(u1.floor?.rev);
      expect(u2.floor?.lists.orders?.rows.map((o) => o.moId)).toEqual([mo(1).id]);
      const floor = applyDelta<FloorView>(applyDelta<FloorView>(null, undefined, u1.floor!, FLOOR_LISTS), u1.floor?.rev, u2.floor!, FLOOR_LISTS);
      const wip = floor.orders.find((o) => o.moId === mo(1).id)?.places.find((p) => p.place === 'cutting');
      expect(wip?.wip).toBeGreaterThan(0);
      expect(host.counts).toMatchObject({ stopped: 0, answeredInThread: 0 });
      expect(logged).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it.skipIf(!pg)('updates asked in one turn go to the worker as one message, each answered as asked; alike ones share one answer', async () => {
    const logged: Logged[] = [];
    const host = hostOn(logged);
    const here = liveViews(db.db);
    try {
      const u = answer(await host.update(viewer, open));
      const held = { show: 'open' as const, instance: u.instance, floor: u.floor?.rev, alerts: u.alerts?.rev, conflicts: u.conflicts?.rev, orders: u.orders?.rev, fleet: u.fleet?.rev, articles: u.articles?.rev, accounts: u.accounts?.rev };
      const qc: Account = { id: 'qc-1', name: 'QC', role: 'qc', department: null };
      const batches = host.counts.batches;
      // As a live round asks: every stream in one synchronous loop.
      const asked = [...Array.from({ length: 10 }, (_, i) => host.update({ ...viewer, id: `office-${i}` }, open)), host.update(viewer, held), host.update(qc, open)];
      const got = await Promise.all(asked);
      expect(host.counts.batches).toBe(batches + 1);
      // Ten alike (same role and department, holding nothing): one answer, its bytes copied across once.
      expect(new Set(got.slice(0, 10)).size).toBe(1);
      expect(answer(got[0]!).floor?.base).toBeNull();
      // The one holding the current revisions: nothing new, still at them.
      expect(got[10]!.news).toBe(false);
      expect(got[10]!.revisions).toEqual({ ...held, show: undefined });
      // QC's own answer (its Accounts part null: not an admin), as the server thread computes it.
      expect(answer(got[11]!).accounts).toBeNull();
      expect(answer(got[0]!).accounts).not.toBeNull();
      expect(comparable(got[11]!)).toEqual(comparable(await here.update(qc, open)));
      expect(host.counts.answeredInThread).toBe(0);
      expect(logged).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it.skipIf(!pg)('a worker that stops is logged and started again; its requests are answered in the server thread meanwhile', async () => {
    const logged: Logged[] = [];
    const host = hostOn(logged);
    try {
      const before = answer(await host.update(viewer, open));
      const first = host.threadId;
      // A request in flight when it stops, and one while it is down: both answered (here), nothing refused.
      const inFlight = host.update(viewer, open);
      await host.crash();
      const whileDown = answer(await host.update(viewer, open));
      expect(FloorOrders.parse(JSON.parse(await host.floorOrders({ find: '', limit: 1 }))).orders).toHaveLength(1);
      expect(answer(await inFlight).floor?.base).toBeNull();
      // Another computation place: its own instance name, so a screen is sent the whole views once.
      expect(whileDown.instance).not.toBe(before.instance);
      expect(host.counts.stopped).toBe(1);
      expect(host.counts.answeredInThread).toBeGreaterThanOrEqual(1);
      expect(logged.map((l) => l.msg)).toContain("dashboard views worker stopped: views computed in the server's thread until it is started again");

      await expect.poll(() => host.threadId, { timeout: 10_000 }).not.toBeNull();
      expect(host.threadId).not.toBe(first);
      const inThread = host.counts.answeredInThread;
      const back = answer(await host.update(viewer, open));
      expect(host.counts.answeredInThread).toBe(inThread);
      expect(back.instance).not.toBe(whileDown.instance);
      await push(cut(2));
      const next = answer(await host.update(viewer, { show: 'open', instance: back.instance, floor: back.floor?.rev }));
      expect(next.floor?.lists.orders?.rows.map((o) => o.moId)).toEqual([mo(1).id]);
    } finally {
      await host.close();
    }
  });

  it.skipIf(!pg)('the dashboard routes answer from the worker with views: worker', async () => {
    const served = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: { views: 'worker' } });
    try {
      await makeAccount(db.db, 'worker-viewer', 'admin');
      const { read } = await loginAs(served, 'worker-viewer');
      const first = await served.inject({ method: 'GET', url: '/api/dashboard/views?show=open', headers: read });
      expect(first.statusCode, first.body).toBe(200);
      const u = ViewsUpdate.parse(first.json());
      await push(cut(1));
      const next = await served.inject({ method: 'GET', url: `/api/dashboard/views?show=open&instance=${u.instance}&floor=${u.floor?.rev}`, headers: read });
      expect(ViewsUpdate.parse(next.json()).floor?.lists.orders?.rows.map((o) => o.moId)).toEqual([mo(1).id]);
      const floor = await served.inject({ method: 'GET', url: '/api/dashboard/floor', headers: read });
      expect(FloorView.parse(floor.json()).orders.map((o) => o.moId)).toEqual([mo(1).id, mo(2).id]);
      const found = await served.inject({ method: 'GET', url: `/api/dashboard/floor/orders?find=${mo(2).id}`, headers: read });
      expect(FloorOrders.parse(found.json())).toMatchObject({ orders: [{ moId: mo(2).id }], matching: 1 });
      const refused = await served.inject({ method: 'GET', url: '/api/dashboard/floor/orders?limit=0', headers: read });
      expect(refused.statusCode).toBe(400);
    } finally {
      await served.close();
    }
  });

  it('dashboards holding the same revisions are sent the same bytes, joined once; a change makes new ones', async () => {
    const here = liveViews(db.db);
    const first = await here.update(viewer, open);
    const another = await here.update({ ...viewer, id: 'office-2', name: 'Office 2' }, open);
    expect(Buffer.isBuffer(first.json)).toBe(true);
    expect(another.json).toBe(first.json);
    const u = answer(first);
    const held = { show: 'open' as const, instance: u.instance, floor: u.floor?.rev, alerts: u.alerts?.rev, conflicts: u.conflicts?.rev, orders: u.orders?.rev, fleet: u.fleet?.rev, articles: u.articles?.rev, accounts: u.accounts?.rev };
    // What the screen holds after it (the live channel keeps it per stream instead of reading the answer back).
    expect(first.news).toBe(true);
    expect(first.revisions).toEqual({ ...held, show: undefined });
    const same = await here.update(viewer, held);
    expect(same.news).toBe(false);
    expect(Object.values(answer(same)).filter((v) => v !== null)).toEqual([u.instance, 'open']);
    await push(cut(1));
    const next = await here.update(viewer, held);
    expect(next.json).not.toBe(first.json);
    expect(next.news).toBe(true);
    expect(next.revisions.floor).toBe(answer(next).floor?.rev);
    expect(next.revisions.floor).toBeGreaterThan(held.floor!);
    expect((await here.update({ ...viewer, id: 'office-2', name: 'Office 2' }, held)).json).toBe(next.json);
    expect(answer(next).floor?.lists.orders?.rows.map((o) => o.moId)).toEqual([mo(1).id]);
  });

  it('PGlite, or in-thread asked for: the views are computed in the server thread', async () => {
    const noUrl: DashboardViews = openDashboardViews(pg ? { ...db.db, connectionString: undefined } : db.db, { warn: () => undefined }, 'worker');
    expect(noUrl).not.toBeInstanceOf(ViewsHost);
    expect(answer(await noUrl.update(viewer, open)).floor?.base).toBeNull();
    expect(openDashboardViews(db.db, { warn: () => undefined }, 'in-thread')).not.toBeInstanceOf(ViewsHost);
    if (pg) {
      const worker = openDashboardViews(db.db, { warn: () => undefined }, 'worker');
      expect(worker).toBeInstanceOf(ViewsHost);
      await worker.close();
    }
  });
});
