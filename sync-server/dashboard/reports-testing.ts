/**
 * A batch for the reports' tests (server and browser), recorded through the real push route as the stations would:
 * an MO cut, sewn (inline QC: 2 reworked, then all passed) and finished (detector verified, 12 pieces through it,
 * physical QC 9 pass + 3 rework whose reason is a spreadsheet formula, 5 converted, the verification found overdue
 * (the 12 pieces on hold), one reject halting the line, released with a disposition, verified again, the hold released
 * after re-inspection), another MO's lot on the same line before and after it, and the
 * finishing operator's labour clock left running on the MO's finishing SPK.
 */
import type { FastifyInstance } from 'fastify';
import type { Action, FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department, type ManufacturingOrder } from '../../shared/master';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf, operatorOf, stationOf, supervisorOf, verificationRun } from '../../shared/testing/fixtures';
import { enrollStation, pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

export const REPORT_DEPARTMENTS = ['cutting', 'sewing', 'finishing'] as const;
export const FORMULA_REASON = '=HYPERLINK("http://x","crooked ear")';
const FIN = lineOf('finishing');

export interface ReportFloor {
  push(d: Department, actions: Action[], operator?: string | null): Promise<FloorEvent[]>;
}

/** Stations (cutting, sewing, finishing), their operators, the finishing supervisor and the MOs, with the admin token. */
export async function reportFloor(app: FastifyInstance, orders: readonly ManufacturingOrder[]): Promise<ReportFloor> {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const stations = new Map<string, EnrolledStation>();
  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, headers: admin, payload });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  };
  for (const d of REPORT_DEPARTMENTS) {
    stations.set(stationOf(d), await enrollStation(app, stationOf(d), d));
    await post('/api/operators', { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' });
  }
  await post('/api/operators', { id: supervisorOf('finishing'), name: 'Finishing sup', roles: ['supervisor'], departments: ['finishing'], pin: '246802' });
  for (const order of orders) await post('/api/manufacturing-orders', order);
  const f = new EventFactory(() => Date.now());
  return {
    async push(d, actions, operator = operatorOf(d)) {
      const events = actions.map((a) => f.event(stationOf(d), operator, a));
      const res = await pushAs(app, stations.get(stationOf(d)), events);
      const results = res.statusCode === 200 ? res.json<PushResponse>().results : [];
      const refused = results.filter((r) => r.status !== 'applied');
      if (res.statusCode !== 200 || results.length !== events.length || refused.length > 0) throw new Error(`push from ${d}: ${res.statusCode} ${res.body}`);
      return events;
    },
  };
}

function handover(order: ManufacturingOrder, from: Department, to: Department, quantity: number): { lock: Action; accept: Action } {
  const ids = { transferId: uuidv7(), workOrderId: workOrderIdFor(order.id, from), toWorkOrderId: workOrderIdFor(order.id, to) };
  return {
    lock: { type: 'transfer.created', payload: { ...ids, articleCode: order.articleCode, quantity, from, to, lineId: lineOf(from) } },
    accept: { type: 'transfer.accepted', payload: { ...ids, countedQty: quantity, lineId: lineOf(to) } },
  };
}

/** Cut, sew (2 reworked at inline QC, then all passed), hand to finishing and stuff, close and groom. */
async function toFinishing(floor: ReportFloor, order: ManufacturingOrder): Promise<void> {
  const n = order.quantity;
  const W = (d: Department) => workOrderIdFor(order.id, d);
  const cut = handover(order, 'cutting', 'sewing', n);
  await floor.push('cutting', [{ type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: n } }, cut.lock]);
  const sew = (stage: 'assembly' | 'labelling' | 'back_loop'): Action => ({ type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage, goodQty: n, destinationLabel: order.destination } });
  const fin = handover(order, 'sewing', 'finishing', n);
  await floor.push('sewing', [
    cut.accept,
    sew('assembly'),
    { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'rework', qty: 2, defectReason: 'open seam' } },
    { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'pass', qty: n } },
    sew('labelling'),
    sew('back_loop'),
    fin.lock,
  ]);
  const step = (s: 'stuffing' | 'closing' | 'grooming'): Action => ({ type: 'finishing.step', payload: { workOrderId: W('finishing'), lineId: FIN, step: s, qty: n } });
  await floor.push('finishing', [fin.accept, step('stuffing'), step('closing'), step('grooming')]);
}

const pass = (order: ManufacturingOrder, count: number): Action => ({ type: 'md.pass', payload: { lineId: FIN, workOrderId: workOrderIdFor(order.id, 'finishing'), deviceId: 'MD01', count } });

/** The batch (see the header); both MOs of at least 12 pieces. Returns the reject's event id (the halt's id). */
export async function recordBatch(floor: ReportFloor, order: ManufacturingOrder, other: ManufacturingOrder): Promise<{ rejectId: string; holdId: string }> {
  const fin = workOrderIdFor(order.id, 'finishing');
  // The other MO's lot first, verified; then ours (a new lot: verified again), bracketed by verifications.
  await toFinishing(floor, other);
  await floor.push('finishing', [verificationRun(FIN), pass(other, 6)], null);
  await toFinishing(floor, order);
  await floor.push('finishing', [verificationRun(FIN), pass(order, 12)], null);
  await floor.push('finishing', [
    { type: 'finishing.physicalQc', payload: { workOrderId: fin, lineId: FIN, result: 'pass', qty: 9 } },
    { type: 'finishing.physicalQc', payload: { workOrderId: fin, lineId: FIN, result: 'rework', qty: 3, defectReason: FORMULA_REASON } },
    { type: 'fg.converted', payload: { workOrderId: fin, lineId: FIN, qty: 5, fgArticleCode: order.articleCode } },
  ]);
  // The hourly check found the verification overdue: the 12 pieces since the last pass go on hold.
  const [overdue] = await floor.push('finishing', [{ type: 'md.verificationOverdue', payload: { lineId: FIN, deviceId: 'MD01', dueAtMs: Date.now() - 1_000 } }], null);
  const holdId = overdue?.id ?? '';
  const [reject] = await floor.push('finishing', [{ type: 'md.detection', payload: { lineId: FIN, workOrderId: fin, deviceId: 'MD01', metal: 'fe' } }], null);
  const rejectId = reject?.id ?? '';
  await floor.push(
    'finishing',
    [{ type: 'line.released', payload: { lineId: FIN, haltId: rejectId, supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle tip found in the piece; piece destroyed' } }],
    supervisorOf('finishing'),
  );
  await floor.push('finishing', [verificationRun(FIN)], null);
  // Re-inspected, the held pieces pass: the supervisor releases the hold.
  await floor.push('finishing', [{ type: 'hold.released', payload: { holdId, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: fin, passedQty: 12, rejectedQty: 0 }] } }], supervisorOf('finishing'));
  // After our closing verification: the other MO again (not ours), and labour clocked on our finishing SPK.
  await floor.push('finishing', [pass(other, 4), { type: 'labour.started', payload: { workOrderId: fin } }]);
  return { rejectId, holdId };
}
