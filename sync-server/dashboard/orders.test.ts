/**
 * PPIC's manufacturing orders: a draft changes nothing on the floor; approval fans it out into one SPK per place on
 * its route (the stations pull theirs); bad input, a taken id and a second approval are refused with nothing changed;
 * both steps are audited; only PPIC and admins may write, every role reads the Orders view with progress in sets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../shared/events';
import { ARTICLE_BOMS, EventFactory, lineOf, mo } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, seedOperatorAndOrder, type EnrolledStation } from '../testing';
import type { OrdersView } from './contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let ppic: DashboardLogin;
let supervisor: DashboardLogin;
let cutting: EnrolledStation;
const ORDER = mo(7, { route: 'R2', quantity: 50, cutParts: [...ARTICLE_BOMS['BEAR-30']] });

beforeAll(async () => {
  await makeAccount(server.db, 'pipit', 'ppic');
  await makeAccount(server.db, 'sari', 'supervisor', 'cutting');
  ppic = await loginAs(server.app, 'pipit');
  supervisor = await loginAs(server.app, 'sari');
  cutting = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
});

const post = (url: string, headers: Record<string, string>, payload?: unknown) =>
  server.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(sql, params);
  return Number(row?.n ?? 0);
}

const floorDocs = () => count("SELECT count(*)::int AS n FROM documents WHERE kind IN ('manufacturingOrder', 'workOrder')");
const orders = async (headers: Record<string, string>) => {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/orders', headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<OrdersView>().orders;
};

async function pulledIds(station: EnrolledStation): Promise<string[]> {
  const res = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: station.auth });
  expect(res.statusCode).toBe(200);
  return res.json<{ documents: { kind: string; id: string }[] }>().documents.filter((d) => d.kind === 'workOrder').map((d) => d.id);
}

describe(`PPIC orders on the dashboard (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('a draft writes no floor document; approval fans it out into one SPK per place on its route, which the station pulls', async () => {
    const before = await floorDocs();
    const created = await post('/api/dashboard/orders', ppic.write, ORDER);
    expect(created.statusCode, created.body).toBe(201);
    expect(await floorDocs()).toBe(before);
    expect(await pulledIds(cutting)).not.toContain(`${ORDER.id}-CUT`);
    const [draft] = (await orders(supervisor.read)).filter((o) => o.id === ORDER.id);
    expect(draft).toMatchObject({ status: 'draft', createdBy: 'pipit', approvedBy: null, progress: [], cutParts: ARTICLE_BOMS['BEAR-30'] });

    const approved = await post(`/api/dashboard/orders/${ORDER.id}/approve`, ppic.write);
    expect(approved.statusCode, approved.body).toBe(200);
    // Route 2: cutting → sewing → finishing → packing (no embroidery).
    const spks = ['CUT', 'SEW', 'FIN', 'PCK'].map((c) => `${ORDER.id}-${c}`);
    expect(approved.json()).toEqual({ id: ORDER.id, workOrders: spks });
    expect(await floorDocs()).toBe(before + 5);
    expect(await pulledIds(cutting)).toContain(`${ORDER.id}-CUT`);
    expect(await pulledIds(cutting)).not.toContain(`${ORDER.id}-SEW`);
    const [row] = (await orders(ppic.read)).filter((o) => o.id === ORDER.id);
    expect(row).toMatchObject({ status: 'released', createdBy: 'pipit', approvedBy: 'pipit' });
    expect(row?.progress.map((p) => [p.workOrderId, p.planned, p.done])).toEqual(spks.map((id) => [id, 50, 0]));

    const audited = await server.db.query<{ action: string; account_id: string }>('SELECT action, account_id FROM dashboard_audit WHERE target = $1 ORDER BY id', [ORDER.id]);
    expect(audited).toEqual([
      { action: 'order.created', account_id: 'pipit' },
      { action: 'order.approved', account_id: 'pipit' },
    ]);
  });

  it('progress per department is in complete sets by the bill of cut parts', async () => {
    await seedOperatorAndOrder(server.app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, mo(8));
    const f = new EventFactory(() => Date.now());
    const wo = `${ORDER.id}-CUT`;
    // A bear set is 1 body, 1 head, 2 ears, 2 arms, 2 legs: 10 of each part make 5 sets.
    for (const part of ['body', 'head', 'ear', 'arm', 'leg']) {
      const goodQty = 10;
      const action: Action = { type: 'cutting.output', payload: { workOrderId: wo, lineId: lineOf('cutting'), size: 'M', part, goodQty } };
      const res = await pushAs(server.app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', action)]);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().results[0].status, res.body).toBe('applied');
    }
    const [row] = (await orders(ppic.read)).filter((o) => o.id === ORDER.id);
    expect(row?.progress[0]).toMatchObject({ place: 'cutting', done: 5, wip: 5, planned: 50 });
    // An MO released by the admin API (no draft) is listed as released too, with no dashboard author.
    const [admins] = (await orders(ppic.read)).filter((o) => o.id === mo(8).id);
    expect(admins).toMatchObject({ status: 'released', createdBy: null, approvedBy: null });
  });

  it('bad input is a 400 naming the field and changes nothing; a taken id and a second approval are refused', async () => {
    const drafts = () => count('SELECT count(*)::int AS n FROM dashboard_order_drafts');
    const audits = () => count('SELECT count(*)::int AS n FROM dashboard_audit');
    const [d0, a0, f0] = [await drafts(), await audits(), await floorDocs()];
    const bad = [
      [{ ...mo(9), quantity: 0 }, 'body.quantity'],
      [{ ...mo(9), route: 'R4' }, 'body.route'],
      [{ ...mo(9), shipWeek: '2026-W54' }, 'body.shipWeek'],
      [{ ...mo(9), cutParts: [] }, 'body.cutParts'],
      [{ ...mo(9), cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'body', qtyPerSet: 2 }] }, 'body.cutParts'],
      [{ ...mo(9), articleCode: 'x' }, 'body.articleCode'],
    ] as const;
    for (const [body, path] of bad) {
      const res = await post('/api/dashboard/orders', ppic.write, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect((await post('/api/dashboard/orders', ppic.write, ORDER)).statusCode).toBe(409);
    expect((await post('/api/dashboard/orders', ppic.write, mo(8))).statusCode).toBe(409); // released by the admin API
    expect((await post(`/api/dashboard/orders/${ORDER.id}/approve`, ppic.write)).json()).toMatchObject({ error: 'already_approved' });
    expect((await post('/api/dashboard/orders/MO-2026-0404/approve', ppic.write)).statusCode).toBe(404);
    expect([await drafts(), await audits(), await floorDocs()]).toEqual([d0, a0, f0]);
  });

  it('a draft whose id the admin API released meanwhile is not approved twice: 409, nothing changed', async () => {
    const order = mo(10);
    expect((await post('/api/dashboard/orders', ppic.write, order)).statusCode).toBe(201);
    await seedOperatorAndOrder(server.app, { id: 'OP-CUT2', name: 'Cutter 2', roles: ['operator'], departments: ['cutting'], pin: '1357' }, order);
    const f0 = await floorDocs();
    const res = await post(`/api/dashboard/orders/${order.id}/approve`, ppic.write);
    expect(res.statusCode).toBe(409);
    expect(await floorDocs()).toBe(f0);
    const [row] = await server.db.query<{ status: string }>('SELECT status FROM dashboard_order_drafts WHERE id = $1', [order.id]);
    expect(row?.status).toBe('draft');
    expect(await count("SELECT count(*)::int AS n FROM dashboard_audit WHERE target = $1 AND action = 'order.approved'", [order.id])).toBe(0);
  });

  it('a supervisor or QC inspector may read orders but not create or approve them', async () => {
    await makeAccount(server.db, 'budi', 'qc');
    const qc = await loginAs(server.app, 'budi');
    for (const who of [supervisor, qc]) {
      expect((await post('/api/dashboard/orders', who.write, mo(11))).statusCode).toBe(403);
      expect((await post(`/api/dashboard/orders/${mo(10).id}/approve`, who.write)).statusCode).toBe(403);
      expect((await orders(who.read)).length).toBeGreaterThan(0);
    }
  });
});
