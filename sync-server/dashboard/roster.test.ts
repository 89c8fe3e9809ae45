/**
 * The roster on the dashboard and the office's one writer of it: operators created on the admin-token API and by the
 * Roster view are the same documents (dashboard/roster.ts). Everyone reads the roster, never a PIN hash; a supervisor
 * deactivates, reactivates and resets the PIN of their own department's operators, not of another department's nor
 * of anyone who supervises (an admin does), and adds one to their department (PPIC and admins add anyone); each step is audited once and reaches the stations' pull. The admin API's
 * MO release is PPIC's (`releaseOrder`): the same SPKs, a second one refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Operator } from '../../shared/master';
import { verifyPin } from '../../shared/security/pin';
import { mo } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import type { OrdersView } from './contract';
import type { PinReset, RosterView } from './roster-contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let sewingSupervisor: DashboardLogin;
let office: DashboardLogin;
let qc: DashboardLogin;
let sewing: EnrolledStation;

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const OPERATORS = [
  { id: 'OP-SEW1', name: 'Dewi', roles: ['operator'], departments: ['sewing'], pin: '1357' },
  { id: 'OP-SEWSV', name: 'Sewing supervisor', roles: ['supervisor'], departments: ['sewing'], pin: '246813' },
  { id: 'OP-CUT1', name: 'Siti', roles: ['operator'], departments: ['cutting'], pin: '2468' },
];

beforeAll(async () => {
  for (const op of OPERATORS) {
    const res = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: op });
    expect(res.statusCode, res.body).toBe(201);
  }
  await makeAccount(server.db, 'sari', 'supervisor', 'sewing');
  await makeAccount(server.db, 'office', 'admin');
  await makeAccount(server.db, 'qc-ani', 'qc');
  sewingSupervisor = await loginAs(server.app, 'sari');
  office = await loginAs(server.app, 'office');
  qc = await loginAs(server.app, 'qc-ani');
  sewing = await enrollStation(server.app, 'ST-SEW-1', 'sewing');
});

const post = (url: string, headers: Record<string, string>, payload?: Record<string, unknown>) =>
  server.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });

async function roster(headers: Record<string, string>): Promise<{ body: string; view: RosterView }> {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/roster', headers });
  expect(res.statusCode, res.body).toBe(200);
  return { body: res.body, view: res.json<RosterView>() };
}

/** The operator as the sewing station pulls it. */
async function pulled(id: string): Promise<Operator> {
  const res = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: sewing.auth });
  expect(res.statusCode).toBe(200);
  const doc = res.json<{ documents: { kind: string; id: string; body: unknown }[] }>().documents.find((d) => d.kind === 'operator' && d.id === id);
  return Operator.parse(doc?.body);
}

async function trail(id: string): Promise<{ action: string; account_id: string; detail: Record<string, unknown> }[]> {
  return server.db.query("SELECT action, account_id, detail FROM dashboard_audit WHERE target = $1 AND action LIKE 'operator.%' ORDER BY id", [id]);
}

describe(`the roster on the dashboard (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('lists every operator with what the reader may do, and never a PIN hash', async () => {
    const { body, view } = await roster(sewingSupervisor.read);
    expect(view.operators.map((o) => [o.id, o.active, o.mayManage])).toEqual([
      ['OP-CUT1', true, false],
      ['OP-SEW1', true, true],
      ['OP-SEWSV', true, false],
    ]);
    expect(view.operators.find((o) => o.id === 'OP-SEW1')).toMatchObject({ name: 'Dewi', roles: ['operator'], departments: ['sewing'] });
    expect(body).not.toMatch(/pinHash|scrypt/);
    expect((await roster(office.read)).view.operators.every((o) => o.mayManage)).toBe(true);
    expect((await roster(qc.read)).view.operators.some((o) => o.mayManage)).toBe(false);
  });

  it("a supervisor deactivates their department's operator (the station pulls it inactive) and reactivates them; each step audited once", async () => {
    const res = await post('/api/dashboard/roster/OP-SEW1/deactivate', sewingSupervisor.write);
    expect(res.statusCode, res.body).toBe(200);
    const op = await pulled('OP-SEW1');
    expect(op.active).toBe(false);
    // The rest of the entry is untouched: the same PIN still verifies.
    expect(await verifyPin('1357', op.pinHash)).toBe(true);
    expect((await roster(sewingSupervisor.read)).view.operators.find((o) => o.id === 'OP-SEW1')?.active).toBe(false);
    expect((await post('/api/dashboard/roster/OP-SEW1/deactivate', sewingSupervisor.write)).statusCode).toBe(200);
    expect((await post('/api/dashboard/roster/OP-SEW1/reactivate', sewingSupervisor.write)).statusCode).toBe(200);
    expect((await pulled('OP-SEW1')).active).toBe(true);
    expect((await trail('OP-SEW1')).map((a) => [a.action, a.account_id])).toEqual([
      ['operator.deactivated', 'sari'],
      ['operator.reactivated', 'sari'],
    ]);
  });

  it("a supervisor may not touch another department's operator nor a supervisor; an admin may; nothing changes when refused", async () => {
    const other = await post('/api/dashboard/roster/OP-CUT1/deactivate', sewingSupervisor.write);
    expect(other.statusCode).toBe(403);
    expect(other.json<{ error: string }>().error).toBe('not_your_department');
    const supervising = await post('/api/dashboard/roster/OP-SEWSV/pin', sewingSupervisor.write, { pin: '975310' });
    expect(supervising.statusCode).toBe(403);
    expect(supervising.json<{ error: string }>().error).toBe('forbidden_role');
    expect((await pulled('OP-CUT1')).active).toBe(true);
    expect(await verifyPin('246813', (await pulled('OP-SEWSV')).pinHash)).toBe(true);
    expect(await trail('OP-CUT1')).toEqual([]);
    expect((await post('/api/dashboard/roster/OP-NOBODY/deactivate', office.write)).statusCode).toBe(404);

    expect((await post('/api/dashboard/roster/OP-CUT1/deactivate', office.write)).statusCode).toBe(200);
    expect((await pulled('OP-CUT1')).active).toBe(false);
  });

  it('a PIN reset follows the PIN rules for the operator’s roles; a set or generated PIN replaces the old one at the stations', async () => {
    const short = await post('/api/dashboard/roster/OP-SEWSV/pin', office.write, { pin: '9753' });
    expect(short.statusCode).toBe(400);
    expect(short.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)).toEqual(['body.pin']);
    expect((await post('/api/dashboard/roster/OP-SEW1/pin', sewingSupervisor.write, { pin: '1234' })).statusCode).toBe(400);
    expect(await verifyPin('246813', (await pulled('OP-SEWSV')).pinHash)).toBe(true);

    const set = await post('/api/dashboard/roster/OP-SEWSV/pin', office.write, { pin: '975310' });
    expect(set.json<PinReset>()).toEqual({ id: 'OP-SEWSV', generatedPin: null });
    const hash = (await pulled('OP-SEWSV')).pinHash;
    expect(await verifyPin('975310', hash)).toBe(true);
    expect(await verifyPin('246813', hash)).toBe(false);

    const gen = await post('/api/dashboard/roster/OP-SEW1/pin', sewingSupervisor.write, {});
    const { generatedPin } = gen.json<PinReset>();
    expect(generatedPin).toMatch(/^\d{6}$/);
    expect(await verifyPin(generatedPin!, (await pulled('OP-SEW1')).pinHash)).toBe(true);
    expect(await verifyPin('1357', (await pulled('OP-SEW1')).pinHash)).toBe(false);
    const steps = await trail('OP-SEW1');
    expect(steps.at(-1)).toMatchObject({ action: 'operator.pin_reset', account_id: 'sari', detail: { generated: true } });
    expect(JSON.stringify(await server.db.query('SELECT * FROM dashboard_audit'))).not.toContain(generatedPin!);
  });

  it('one operator added on the form: a supervisor to their department (PIN generated, shown once), PPIC and admins anyone; a taken badge 409; each audited', async () => {
    const added = await post('/api/dashboard/roster', sewingSupervisor.write, { id: 'OP-SEW9', name: 'Wulan', roles: ['operator'], departments: ['sewing'] });
    expect(added.statusCode, added.body).toBe(201);
    const { generatedPin } = added.json<PinReset>();
    expect(generatedPin).toMatch(/^\d{6}$/);
    const doc = await pulled('OP-SEW9');
    expect(doc).toMatchObject({ id: 'OP-SEW9', name: 'Wulan', roles: ['operator'], departments: ['sewing'], active: true });
    expect(await verifyPin(generatedPin!, doc.pinHash)).toBe(true);
    expect((await roster(sewingSupervisor.read)).view.operators.find((o) => o.id === 'OP-SEW9')?.mayManage).toBe(true);
    expect(await trail('OP-SEW9')).toEqual([{ action: 'operator.created', account_id: 'sari', detail: { roles: ['operator'], departments: ['sewing'], generated: true } }]);
    expect(JSON.stringify(await server.db.query('SELECT * FROM dashboard_audit'))).not.toContain(generatedPin!);

    // Beyond what a supervisor manages: another department, a supervising role. A taken badge, a weak PIN: refused.
    const elsewhere = await post('/api/dashboard/roster', sewingSupervisor.write, { id: 'OP-CUT9', name: 'Rina', roles: ['operator'], departments: ['cutting'], pin: '8642' });
    expect([elsewhere.statusCode, elsewhere.json<{ error: string }>().error]).toEqual([403, 'not_your_department']);
    const boss = await post('/api/dashboard/roster', sewingSupervisor.write, { id: 'OP-SEWS2', name: 'Boss', roles: ['supervisor'], departments: ['sewing'], pin: '864200' });
    expect([boss.statusCode, boss.json<{ error: string }>().error]).toEqual([403, 'forbidden_role']);
    const taken = await post('/api/dashboard/roster', office.write, { id: 'OP-SEW1', name: 'Someone else', roles: ['operator'], departments: ['sewing'], pin: '8642' });
    expect([taken.statusCode, taken.json<{ error: string }>().error]).toEqual([409, 'exists']);
    expect((await pulled('OP-SEW1')).name).toBe('Dewi');
    const weak = await post('/api/dashboard/roster', office.write, { id: 'OP-SEWS2', name: 'Boss', roles: ['supervisor'], departments: ['sewing'], pin: '8642' });
    expect([weak.statusCode, weak.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)]).toEqual([400, ['body.pin']]);
    expect((await post('/api/dashboard/roster', qc.write, { id: 'OP-QC9', name: 'Q', roles: ['operator'], departments: ['sewing'], pin: '8642' })).statusCode).toBe(403);
    expect(await trail('OP-CUT9')).toEqual([]);

    const byAdmin = await post('/api/dashboard/roster', office.write, { id: 'OP-SEWS2', name: 'Boss', roles: ['supervisor'], departments: ['sewing'], pin: '864200' });
    expect(byAdmin.json<PinReset>()).toEqual({ id: 'OP-SEWS2', generatedPin: null });
    expect(await verifyPin('864200', (await pulled('OP-SEWS2')).pinHash)).toBe(true);
    await makeAccount(server.db, 'pipit', 'ppic');
    const ppic = await loginAs(server.app, 'pipit');
    expect((await post('/api/dashboard/roster', ppic.write, { id: 'OP-CUT9', name: 'Rina', roles: ['operator'], departments: ['cutting'], pin: '8642' })).statusCode).toBe(201);
    // PPIC adds; deactivating stays with supervisors and admins.
    expect((await post('/api/dashboard/roster/OP-CUT9/deactivate', ppic.write)).statusCode).toBe(403);
  });

  it('the admin API writes the same operator documents and releases an MO as PPIC does (a second release refused)', async () => {
    const op = { id: 'OP-API1', name: 'From the API', roles: ['operator'], departments: ['sewing'], pin: '8642' };
    expect((await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: op })).statusCode).toBe(201);
    const doc = await pulled('OP-API1');
    expect(doc).toMatchObject({ id: 'OP-API1', name: 'From the API', roles: ['operator'], departments: ['sewing'], active: true });
    expect(await verifyPin('8642', doc.pinHash)).toBe(true);
    expect((await roster(sewingSupervisor.read)).view.operators.find((o) => o.id === 'OP-API1')?.mayManage).toBe(true);
    const weak = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { ...op, roles: ['supervisor'] } });
    expect(weak.statusCode).toBe(400);

    const order = mo(3, { route: 'R2' });
    const first = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: order });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json<{ workOrders: string[] }>().workOrders).toEqual([`${order.id}-CUT`, `${order.id}-SEW`, `${order.id}-FIN`, `${order.id}-PCK`]);
    const again = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: order });
    expect(again.statusCode).toBe(409);
    const orders = await server.app.inject({ method: 'GET', url: '/api/dashboard/orders', headers: office.read });
    expect(orders.json<OrdersView>().orders.find((o) => o.id === order.id)).toMatchObject({ status: 'released', progress: expect.arrayContaining([expect.objectContaining({ place: 'sewing' })]) });
  });
});
