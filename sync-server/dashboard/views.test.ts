/**
 * `GET /api/dashboard/views`, what the screen reads on every change: Floor, Alerts, Conflicts, Orders and Fleet in one
 * answer, the whole views first, then only what changed since the revisions the screen holds (a push changes its
 * order's row and its station's, not the other orders), and nothing for a view that did not change. Applied, the
 * answers are exactly what the per-view routes answer, and every answer parses with the contract. A push is in the
 * very next answer (read after the push's acknowledgement). Sessions are looked up once a second at most, but a
 * logout or a disabled account still ends a session at once, on this instance and (PostgreSQL) on another one.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../shared/events';
import { EventFactory, lineOf, mo } from '../../shared/testing/fixtures';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import { pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import { ALERTS_LISTS, AlertsView, CONFLICTS_LISTS, ConflictsView, FLEET_LISTS, FleetView, FLOOR_LISTS, FloorView, ORDERS_LISTS, OrdersView, ViewsUpdate } from './contract';
import { loadFloorView } from './floor-view';
import { loadOrdersView } from './orders';
import { loginAs, makeAccount, seedCuttingFloor, type DashboardLogin } from './testing';
import { applyDelta, heldAfter, viewsPath, type HeldRevisions } from './views-sync';

let db: TestDb;
let app: FastifyInstance;
let office: DashboardLogin;
let cutting: EnrolledStation;
const f = new EventFactory(() => Date.now());
// Sessions believed for a minute here: whatever ends one in these tests is the logout or the disable, not the age.
const DASHBOARD = { live: { heartbeatMs: 120_000, coalesceMs: 10 }, sessionCacheMs: 60_000 };

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: DASHBOARD });
  await makeAccount(db.db, 'office', 'admin');
  office = await loginAs(app, 'office');
  cutting = await seedCuttingFloor(app);
});

afterAll(async () => {
  await app?.close();
  await db?.cleanup();
});

const get = async (url: string, headers: Record<string, string>) => {
  const res = await app.inject({ method: 'GET', url, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<unknown>();
};

interface Screen {
  held: HeldRevisions;
  floor: FloorView | null;
  alerts: AlertsView | null;
  conflicts: ConflictsView | null;
  orders: OrdersView | null;
  fleet: FleetView | null;
}

/** One refresh as the screen's store makes it: the answer parsed with the contract and applied. */
async function refresh(s: Screen, headers: Record<string, string>): Promise<ViewsUpdate> {
  const u = ViewsUpdate.parse(await get(viewsPath(s.held, 'open'), headers));
  s.floor = u.floor ? applyDelta(s.floor, s.held.floor, u.floor, FLOOR_LISTS) : s.floor;
  s.alerts = u.alerts ? applyDelta(s.alerts, s.held.alerts, u.alerts, ALERTS_LISTS) : s.alerts;
  s.conflicts = u.conflicts ? applyDelta(s.conflicts, s.held.conflicts, u.conflicts, CONFLICTS_LISTS) : s.conflicts;
  s.orders = u.orders ? applyDelta(s.orders, s.held.orders, u.orders, ORDERS_LISTS) : s.orders;
  s.fleet = u.fleet ? applyDelta(s.fleet, s.held.fleet, u.fleet, FLEET_LISTS) : s.fleet;
  s.held = heldAfter(s.held, u);
  return u;
}

/** What the per-view routes answer now (the views cached for the screen's answer, so the same computation). */
async function perView(headers: Record<string, string>) {
  return {
    floor: FloorView.parse(await get('/api/dashboard/floor', headers)),
    alerts: AlertsView.parse(await get('/api/dashboard/alerts', headers)),
    conflicts: ConflictsView.parse(await get('/api/dashboard/conflicts?show=open', headers)),
    orders: OrdersView.parse(await get('/api/dashboard/orders', headers)),
    fleet: FleetView.parse(await get('/api/dashboard/fleet', headers)),
  };
}

const cut = (n: number): Action => ({ type: 'cutting.output', payload: { workOrderId: `${mo(1).id}-CUT`, lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: n } });

describe(`dashboard views in one answer, as deltas (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('whole views first; after a push only its order and station rows; applied, the same as the per-view routes', async () => {
    const s: Screen = { held: { instance: null }, floor: null, alerts: null, conflicts: null, orders: null, fleet: null };
    const first = await refresh(s, office.read);
    expect([first.floor?.base, first.orders?.base, first.fleet?.base, first.alerts?.base, first.conflicts?.base]).toEqual([null, null, null, null, null]);
    expect(s.floor?.orders.map((o) => o.moId)).toEqual([mo(1).id, mo(2).id]);
    expect(s).toMatchObject(await perView(office.read));

    for (const action of [{ type: 'spk.received', payload: { workOrderId: `${mo(1).id}-CUT` } } as const, cut(3)]) {
      const pushed = await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', action)]);
      expect(pushed.json<{ results: { status: string }[] }>().results[0]?.status, pushed.body).toBe('applied');
    }
    const before = s.held;
    const next = await refresh(s, office.read);
    // The push is in the very next answer, which holds only what it changed.
    expect(next.floor?.base).toBe(before.floor);
    expect(next.floor?.lists.orders?.rows.map((o) => o.moId)).toEqual([mo(1).id]);
    expect(next.floor?.lists.orders?.keys).toBeUndefined();
    expect(next.floor?.lists.stations?.rows.map((r) => r.id)).toEqual(['ST-CUT-1']);
    expect(next.orders?.lists.orders?.rows.map((o) => o.id)).toEqual([mo(1).id]);
    expect([next.alerts, next.conflicts]).toEqual([null, null]);
    const wip = s.floor?.orders.find((o) => o.moId === mo(1).id)?.places.find((p) => p.place === 'cutting');
    expect(wip?.workOrderId).toBe(`${mo(1).id}-CUT`);
    expect(s).toMatchObject(await perView(office.read));

    // What the screen holds, delta after delta, is what a fresh computation from the database makes.
    const fresh = async () => {
      expect({ ...s.floor, at: '' }).toEqual({ ...(await loadFloorView(db.db)), at: '' });
      expect(s.orders).toEqual(await loadOrdersView(db.db));
    };
    await fresh();
    // A draft, then approved: a new MO and its SPKs come into the lists.
    const draft = mo(3, { route: 'R2' });
    expect((await app.inject({ method: 'POST', url: '/api/dashboard/orders', headers: office.write, payload: draft })).statusCode).toBe(201);
    const drafted = await refresh(s, office.read);
    expect(drafted.orders?.lists.orders?.keys?.[0]).toBe(draft.id);
    expect(drafted.floor).toBeNull();
    expect((await app.inject({ method: 'POST', url: `/api/dashboard/orders/${draft.id}/approve`, headers: office.write })).statusCode).toBe(200);
    const approved = await refresh(s, office.read);
    expect(approved.floor?.lists.orders?.keys).toEqual([mo(1).id, mo(2).id, draft.id]);
    expect(s.orders?.orders.find((o) => o.id === draft.id)).toMatchObject({ status: 'released', progress: [{ place: 'cutting' }, { place: 'sewing' }, { place: 'finishing' }, { place: 'packing' }] });
    await fresh();
    expect(s).toMatchObject(await perView(office.read));

    // Nothing changed: nothing sent for any view.
    const idle = await refresh(s, office.read);
    expect([idle.floor, idle.alerts, idle.conflicts, idle.orders, idle.fleet]).toEqual([null, null, null, null, null]);

    // Revisions of another instance (or an earlier run) mean nothing here: the whole views again.
    const other = ViewsUpdate.parse(await get(viewsPath({ ...s.held, instance: 'another-server' }, 'open'), office.read));
    expect(other.floor?.base).toBeNull();
    expect(other.floor?.lists.orders?.rows).toHaveLength(3);
  });

  it('only dashboard accounts read it', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/dashboard/views?show=open' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/dashboard/views?show=open', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).statusCode).toBe(401);
  });
});

describe('sessions looked up once a second, ended at once', () => {
  const session = (a: FastifyInstance, headers: Record<string, string>) => a.inject({ method: 'GET', url: '/api/dashboard/session', headers }).then((r) => r.statusCode);

  it('a logout, a disable, a password reset: the session is refused on the very next request', async () => {
    await makeAccount(db.db, 'rina', 'supervisor', 'cutting');
    const first = await loginAs(app, 'rina');
    const second = await loginAs(app, 'rina');
    expect([await session(app, first.read), await session(app, second.read)]).toEqual([200, 200]);
    expect((await app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: first.write })).statusCode).toBe(200);
    expect([await session(app, first.read), await session(app, second.read)]).toEqual([401, 200]);
    expect((await app.inject({ method: 'POST', url: '/api/dashboard/accounts/rina/disable', headers: office.write })).statusCode).toBe(200);
    expect(await session(app, second.read)).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/dashboard/accounts/rina/enable', headers: office.write })).statusCode).toBe(200);
    const third = await loginAs(app, 'rina');
    expect(await session(app, third.read)).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/dashboard/accounts/rina/password', headers: office.write, payload: {} })).statusCode).toBe(200);
    expect(await session(app, third.read)).toBe(401);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('on another instance of the same PostgreSQL, a session it holds ends as soon as the first ends it', async () => {
    const other = await buildApp({ db: await db.openAnother(), adminToken: TEST_ADMIN_TOKEN, migrate: false, dashboard: DASHBOARD });
    try {
      await makeAccount(db.db, 'dewi', 'supervisor', 'cutting');
      const [a, b] = [await loginAs(app, 'dewi'), await loginAs(app, 'dewi')];
      expect([await session(other, a.read), await session(other, b.read)]).toEqual([200, 200]);
      const refusedWithin = async (headers: Record<string, string>) => {
        const t0 = Date.now();
        while ((await session(other, headers)) !== 401) {
          if (Date.now() - t0 > 3_000) throw new Error('still accepted 3 s after it ended (the cache believes it for 60 s)');
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      expect((await app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: a.write })).statusCode).toBe(200);
      await refusedWithin(a.read);
      expect(await session(other, b.read)).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/dashboard/accounts/dewi/disable', headers: office.write })).statusCode).toBe(200);
      await refusedWithin(b.read);
    } finally {
      await other.close();
    }
  });
});
