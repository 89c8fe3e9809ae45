/**
 * The reports on real PostgreSQL (TEST_DATABASE_URL; else PGlite), fed by a real flow through the push route: an MO
 * cut, sewn (inline QC with a rework) and finished (detector verified, pieces through it, physical QC, one reject
 * halting the line and released with a disposition, verified again), another MO's records on the same line, labour
 * clocked. The compliance report (JSON and CSV), the charts, the roster's badges and the Floor's labour time read them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Action, FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department } from '../../shared/master';
import { factoryDayStart } from '../../shared/reports/factory-time';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf, mo, operatorOf, stationOf, supervisorOf, verificationRun } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import type { FloorView } from './contract';
import type { ChartsView, ComplianceView, RosterBadges } from './reports-contract';
import { factoryTimeZone } from './reports-routes';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const M = mo(7, { route: 'R2', quantity: 20 });
const OTHER = mo(8, { route: 'R2', quantity: 20 });
const W = (d: Department, order = M) => workOrderIdFor(order.id, d);
const FIN = lineOf('finishing');
const f = new EventFactory(() => Date.now());
const stations = new Map<string, EnrolledStation>();
const as: Record<string, DashboardLogin> = {};
const DEPTS = ['cutting', 'sewing', 'finishing'] as const;
let rejectId = '';
let startedAt = 0;

async function at(d: Department, actions: Action[], operator: string | null = operatorOf(d)): Promise<FloorEvent[]> {
  const events = actions.map((a) => f.event(stationOf(d), operator, a));
  const res = await pushAs(server.app, stations.get(stationOf(d)), events);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json<PushResponse>().results.map((r) => (r.refusal ? `${r.status}:${r.refusal.code}:${r.refusal.message}` : r.status))).toEqual(events.map(() => 'applied'));
  return events;
}

function handover(order: typeof M, from: Department, to: Department, quantity: number): { lock: Action; accept: Action } {
  const ids = { transferId: uuidv7(), workOrderId: W(from, order), toWorkOrderId: W(to, order) };
  return {
    lock: { type: 'transfer.created', payload: { ...ids, articleCode: order.articleCode, quantity, from, to, lineId: lineOf(from) } },
    accept: { type: 'transfer.accepted', payload: { ...ids, countedQty: quantity, lineId: lineOf(to) } },
  };
}

/** Cut, sew (a rework at inline QC), hand to finishing and run it through the first finishing steps. */
async function toFinishing(order: typeof M, n: number): Promise<void> {
  const cut = handover(order, 'cutting', 'sewing', n);
  await at('cutting', [{ type: 'cutting.output', payload: { workOrderId: W('cutting', order), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: n } }, cut.lock]);
  const sew = (stage: 'assembly' | 'labelling' | 'back_loop'): Action => ({ type: 'sewing.stage', payload: { workOrderId: W('sewing', order), lineId: lineOf('sewing'), stage, goodQty: n, destinationLabel: order.destination } });
  const fin = handover(order, 'sewing', 'finishing', n);
  await at('sewing', [
    cut.accept,
    sew('assembly'),
    { type: 'qc.inline', payload: { workOrderId: W('sewing', order), lineId: lineOf('sewing'), stage: 'assembly', result: 'rework', qty: 2, defectReason: 'open seam' } },
    { type: 'qc.inline', payload: { workOrderId: W('sewing', order), lineId: lineOf('sewing'), stage: 'assembly', result: 'pass', qty: n } },
    sew('labelling'),
    sew('back_loop'),
    fin.lock,
  ]);
  const step = (s: 'stuffing' | 'closing' | 'grooming'): Action => ({ type: 'finishing.step', payload: { workOrderId: W('finishing', order), lineId: FIN, step: s, qty: n } });
  await at('finishing', [fin.accept, step('stuffing'), step('closing'), step('grooming')]);
}

const pass = (order: typeof M, count: number): Action => ({ type: 'md.pass', payload: { lineId: FIN, workOrderId: W('finishing', order), deviceId: 'MD01', count } });

beforeAll(async () => {
  startedAt = Date.now();
  for (const d of DEPTS) {
    stations.set(stationOf(d), await enrollStation(server.app, stationOf(d), d));
    const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' } });
    expect(op.statusCode).toBe(201);
  }
  const sup = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: supervisorOf('finishing'), name: 'Finishing sup', roles: ['supervisor'], departments: ['finishing'], pin: '246802' } });
  expect(sup.statusCode).toBe(201);
  for (const order of [M, OTHER]) expect((await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: order })).statusCode).toBe(201);
  await makeAccount(server.db, 'qc-ana', 'qc');
  await makeAccount(server.db, 'ppic-budi', 'ppic');
  await makeAccount(server.db, 'sup-fin', 'supervisor', 'finishing');
  for (const id of ['qc-ana', 'ppic-budi', 'sup-fin']) as[id] = await loginAs(server.app, id);

  // The other MO's lot first, verified; then ours (a new lot: verified again), bracketed by verifications.
  await toFinishing(OTHER, 20);
  await at('finishing', [verificationRun(FIN), pass(OTHER, 6)], null);
  await toFinishing(M, 20);
  await at('finishing', [verificationRun(FIN), pass(M, 12)], null);
  await at('finishing', [
    { type: 'finishing.physicalQc', payload: { workOrderId: W('finishing'), lineId: FIN, result: 'pass', qty: 9 } },
    { type: 'finishing.physicalQc', payload: { workOrderId: W('finishing'), lineId: FIN, result: 'rework', qty: 3, defectReason: '=HYPERLINK("http://x","crooked ear")' } },
    { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: FIN, qty: 5, fgArticleCode: M.articleCode } },
  ]);
  const [reject] = await at('finishing', [{ type: 'md.detection', payload: { lineId: FIN, workOrderId: W('finishing'), deviceId: 'MD01', metal: 'fe' } }], null);
  rejectId = reject!.id;
  await at('finishing', [{ type: 'line.released', payload: { lineId: FIN, haltId: rejectId, supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle tip found in the piece; piece destroyed' } }], supervisorOf('finishing'));
  await at('finishing', [verificationRun(FIN)], null);
  // After our closing verification: the other MO again (not ours).
  await at('finishing', [pass(OTHER, 4), { type: 'labour.started', payload: { workOrderId: W('finishing') } }]);
}, 120_000);

const get = (who: string, url: string) => server.app.inject({ method: 'GET', url, headers: as[who]!.read });

describe(`reports (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it("the batch compliance report: the MO's QC and detector records, the verifications around them, the halt and its disposition", async () => {
    const res = await get('qc-ana', `/api/dashboard/reports/compliance/${M.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<ComplianceView>();
    expect(r.mo).toMatchObject({ id: M.id, articleCode: M.articleCode, quantity: 20 });
    expect(r.timeZone).toBe('Asia/Jakarta');
    expect(r.records.map((x) => x.kind)).toEqual(['qc', 'qc', 'verification', 'detector_pass', 'physical_qc', 'physical_qc', 'detector_reject', 'halt_released', 'verification']);
    expect(r.records.every((x) => x.workOrderId === null || x.workOrderId.startsWith(M.id))).toBe(true);
    expect(r.verifications).toEqual({ pass: 2, fail: 0, overdue: 0 });
    expect(r.halts).toEqual([
      expect.objectContaining({ haltId: rejectId, lineId: FIN, cause: 'detection', detections: 1, disposition: 'metal_found', releasedBy: supervisorOf('finishing') }),
    ]);
    expect(r.spks.find((s) => s.workOrderId === W('finishing'))).toMatchObject({ qcPass: 9, qcRework: 3, detectorPasses: 12, detectorRejects: 1 });
    expect(r.spks.find((s) => s.workOrderId === W('sewing'))).toMatchObject({ qcPass: 20, qcRework: 2 });
    // Factory time: WIB is UTC+7.
    const reject = r.records.find((x) => x.kind === 'detector_reject')!;
    const wib = new Date(Date.parse(reject.at) + 7 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
    expect(reject.local).toBe(wib);
  });

  it('the CSV: a download named for the MO, one row per record, dates in WIB, a formula typed at a station made harmless', async () => {
    const res = await get('sup-fin', `/api/dashboard/reports/compliance/${M.id}/csv`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="compliance-${M.id}.csv"`);
    const lines = res.body.replace(/^\ufeff/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('time (Asia/Jakarta),time (UTC),record,SPK,line,station,operator,result,quantity,detail,event');
    expect(lines).toHaveLength(1 + 9);
    expect(lines.find((l) => l.includes('detector_reject'))).toContain(`${W('finishing')},${FIN},ST-FIN-1,,reject,1,"metal fe, device MD01",${rejectId}`);
    expect(lines.find((l) => l.includes(',rework,3,'))).toContain(`"'=HYPERLINK(""http://x"",""crooked ear"")"`);
    expect(lines.slice(1).every((l) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{4}-\d\d-\d\dT/.test(l))).toBe(true);
  });

  it('an unknown or draft MO is 404, a malformed one 400', async () => {
    expect((await get('qc-ana', '/api/dashboard/reports/compliance/MO-2026-9999')).statusCode).toBe(404);
    expect((await get('qc-ana', '/api/dashboard/reports/compliance/MO-2026-9999/csv')).statusCode).toBe(404);
    expect((await get('qc-ana', '/api/dashboard/reports/compliance/not-an-mo')).statusCode).toBe(400);
  });

  it('charts: output per hour per department, QC pass rate and first-pass yield, for today and the week', async () => {
    // Should the factory's midnight fall during this test, "today" starts after the events: read the week instead.
    const range = factoryDayStart(Date.now(), 'Asia/Jakarta') <= startedAt ? 'today' : 'week';
    const res = await get('sup-fin', `/api/dashboard/reports/charts?range=${range}`);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json<ChartsView>();
    expect(c.buckets.length).toBeGreaterThan(0);
    expect(c.buckets.length).toBeLessThanOrEqual(range === 'today' ? 24 : 7 * 24);
    const out = Object.fromEntries(c.output.map((o) => [o.department, o.total]));
    // Two MOs of 20: cut 40 sets, sewn (back loop) 40, converted 5.
    expect(out).toEqual({ cutting: 40, sewing: 40, finishing: 5 });
    for (const o of c.output) expect(o.perBucket.reduce((a, b) => a + b, 0)).toBe(o.total);
    const qc = Object.fromEntries(c.qc.map((q) => [q.department, q]));
    // Sewing, per MO: 2 reworked then 20 passed (2 of them re-inspections): 20/22 pass rate, 18/20 first time.
    expect(qc.sewing).toMatchObject({ recorded: 44, passed: 40, rework: 4, inspected: 40, passedFirstTime: 36 });
    expect(qc.sewing?.firstPassYield).toBeCloseTo(0.9);
    expect(qc.finishing).toMatchObject({ recorded: 12, passed: 9, rework: 3, inspected: 12, passedFirstTime: 9, passRate: 0.75, firstPassYield: 0.75 });
    const week = (await get('sup-fin', '/api/dashboard/reports/charts?range=week')).json<ChartsView>();
    expect(Object.fromEntries(week.output.map((o) => [o.department, o.total]))).toEqual(out);
    expect((await get('sup-fin', '/api/dashboard/reports/charts?range=month')).statusCode).toBe(400);
  });

  it("the roster's badges for PPIC: id and name, never the PIN or its hash; not for a supervisor", async () => {
    const res = await get('ppic-budi', '/api/dashboard/roster/badges');
    expect(res.statusCode).toBe(200);
    const { operators } = res.json<RosterBadges>();
    expect(operators.map((o) => o.id)).toEqual(expect.arrayContaining([operatorOf('cutting'), supervisorOf('finishing')]));
    expect(res.body).not.toMatch(/pin/i);
    expect((await get('sup-fin', '/api/dashboard/roster/badges')).statusCode).toBe(403);
  });

  it("the Floor: labour time per SPK, a running clock's operator", async () => {
    const res = await get('sup-fin', '/api/dashboard/floor');
    const labour = res.json<FloorView>().labour;
    expect(labour).toEqual([{ workOrderId: W('finishing'), place: 'finishing', totalMs: expect.any(Number), operators: [{ operatorId: operatorOf('finishing'), state: 'running', workedMs: expect.any(Number) }] }]);
    expect(labour[0]!.totalMs).toBeGreaterThanOrEqual(0);
  });

  it("the factory's time zone: Asia/Jakarta unless configured; a name the runtime does not know stops the server", () => {
    expect(factoryTimeZone({})).toBe('Asia/Jakarta');
    expect(factoryTimeZone({ QSF_FACTORY_TIME_ZONE: 'Asia/Makassar' })).toBe('Asia/Makassar');
    expect(() => factoryTimeZone({ QSF_FACTORY_TIME_ZONE: 'Asia/Atlantis' })).toThrow(/QSF_FACTORY_TIME_ZONE/);
  });
});
