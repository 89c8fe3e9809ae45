/**
 * The reports on real PostgreSQL (TEST_DATABASE_URL; else PGlite), fed by a real flow through the push route
 * (reports-testing.ts): an MO cut, sewn (inline QC with a rework) and finished (detector verified, pieces through it,
 * physical QC, one reject halting the line and released with a disposition, verified again), another MO's records on
 * the same line, labour clocked. The compliance report (JSON and CSV), the charts, the roster's badges and the
 * Floor's labour time read them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor, type Department } from '../../shared/master';
import { factoryDayStart } from '../../shared/reports/factory-time';
import { lineOf, mo, operatorOf, supervisorOf } from '../../shared/testing/fixtures';
import { appForFile } from '../testing';
import type { FloorView } from './contract';
import type { ChartsView, ComplianceView, RosterBadges } from './reports-contract';
import { rangeStart } from './reports';
import { factoryTimeZone } from './reports-routes';
import { recordBatch, reportFloor } from './reports-testing';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
const M = mo(7, { route: 'R2', quantity: 20 });
const OTHER = mo(8, { route: 'R2', quantity: 20 });
const W = (d: Department, order = M) => workOrderIdFor(order.id, d);
const FIN = lineOf('finishing');
const as: Record<string, DashboardLogin> = {};
let rejectId = '';
let holdId = '';
let startedAt = 0;

beforeAll(async () => {
  startedAt = Date.now();
  const floor = await reportFloor(server.app, [M, OTHER]);
  await makeAccount(server.db, 'qc-ana', 'qc');
  await makeAccount(server.db, 'ppic-budi', 'ppic');
  await makeAccount(server.db, 'sup-fin', 'supervisor', 'finishing');
  for (const id of ['qc-ana', 'ppic-budi', 'sup-fin']) as[id] = await loginAs(server.app, id);
  ({ rejectId, holdId } = await recordBatch(floor, M, OTHER));
}, 120_000);

const get = (who: string, url: string) => server.app.inject({ method: 'GET', url, headers: as[who]!.read });

describe(`reports (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it("the batch compliance report: the MO's QC and detector records, the verifications around them, the halt and its disposition", async () => {
    const res = await get('qc-ana', `/api/dashboard/reports/compliance/${M.id}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json<ComplianceView>();
    expect(r.mo).toMatchObject({ id: M.id, articleCode: M.articleCode, quantity: 20 });
    expect(r.timeZone).toBe('Asia/Jakarta');
    expect(r.records.map((x) => x.kind)).toEqual(['qc', 'qc', 'verification', 'detector_pass', 'physical_qc', 'physical_qc', 'verification_overdue', 'hold', 'detector_reject', 'halt_released', 'verification', 'hold_released']);
    expect(r.records.find((x) => x.kind === 'hold')).toMatchObject({ workOrderId: W('finishing'), qty: 12, result: 'released', detail: `verification_overdue, hold ${holdId}` });
    expect(r.records.find((x) => x.kind === 'hold_released')).toMatchObject({ operatorId: supervisorOf('finishing'), qty: 12 });
    expect(r.records.every((x) => x.workOrderId === null || x.workOrderId.startsWith(M.id))).toBe(true);
    expect(r.verifications).toEqual({ pass: 2, fail: 0, overdue: 1 });
    expect(r.halts).toEqual([
      expect.objectContaining({ haltId: rejectId, lineId: FIN, cause: 'detection', detections: 1, disposition: 'metal_found', releasedBy: supervisorOf('finishing') }),
    ]);
    expect(r.spks.find((s) => s.workOrderId === W('finishing'))).toMatchObject({ qcPass: 9, qcRework: 3, detectorPasses: 12, detectorRejects: 1, heldQty: 12, stillHeldQty: 0 });
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
    expect(lines).toHaveLength(1 + 12);
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

  it("a range starts at the factory's midnight: today, or six midnights before it", () => {
    const now = Date.UTC(2026, 11, 5, 16, 30); // 23:30 WIB on 5 December
    expect(new Date(rangeStart('today', now, 'Asia/Jakarta')).toISOString()).toBe('2026-12-04T17:00:00.000Z');
    expect(new Date(rangeStart('week', now, 'Asia/Jakarta')).toISOString()).toBe('2026-11-28T17:00:00.000Z');
    expect(new Date(rangeStart('today', now + 3_600_000, 'Asia/Jakarta')).toISOString()).toBe('2026-12-05T17:00:00.000Z');
  });
});
