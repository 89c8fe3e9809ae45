/**
 * Order completion through the real push route: the server decides packing's completion with every document of the
 * order loaded (its other work orders and every transfer they sent, however many), and keeps a supervisor's short close.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrderDoc } from '../../shared/docs';
import type { Action, FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department } from '../../shared/master';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf, mo, operatorOf, stationOf, supervisorOf } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, storedBody, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const M = mo(1, { route: 'R2', quantity: 80 });
const W = (d: Department) => workOrderIdFor(M.id, d);
const f = new EventFactory(() => Date.now());
const stations = new Map<string, EnrolledStation>();
const DEPTS = ['cutting', 'sewing', 'finishing', 'packing'] as const;

beforeAll(async () => {
  for (const d of DEPTS) {
    stations.set(stationOf(d), await enrollStation(server.app, stationOf(d), d));
    const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' } });
    expect(op.statusCode).toBe(201);
  }
  const sup = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: supervisorOf('packing'), name: 'packing sup', roles: ['supervisor'], departments: ['packing'], pin: '246802' } });
  expect(sup.statusCode).toBe(201);
  expect((await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M })).statusCode).toBe(201);
});

/** Pushes `actions` from the department's station; every result as `status` or `status:code`. */
async function at(d: Department, actions: Action[], operator: string | null = operatorOf(d)): Promise<string[]> {
  const events: FloorEvent[] = actions.map((a) => f.event(stationOf(d), operator, a));
  const res = await pushAs(server.app, stations.get(stationOf(d)), events);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>().results.map((r) => (r.refusal ? `${r.status}:${r.refusal.code}` : r.status));
}
const all = (n: number, s = 'applied') => Array.from({ length: n }, () => s);

function handover(from: Department, to: Department, quantity: number): { lock: Action; accept: Action } {
  const transferId = uuidv7();
  const ids = { transferId, workOrderId: W(from), toWorkOrderId: W(to) };
  return {
    lock: { type: 'transfer.created', payload: { ...ids, articleCode: M.articleCode, quantity, from, to, lineId: lineOf(from) } },
    accept: { type: 'transfer.accepted', payload: { ...ids, countedQty: quantity, lineId: lineOf(to) } },
  };
}

describe(`order completion on the server (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('packing cannot complete the order while 15 pieces are at finishing and 5 in transit; the supervisor\'s short close is kept', async () => {
    const toSewing = handover('cutting', 'sewing', 80);
    expect(await at('cutting', [{ type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 80 } }, toSewing.lock])).toEqual(all(2));
    const toFinishing = handover('sewing', 'finishing', 80);
    const sew = (stage: 'assembly' | 'labelling' | 'back_loop'): Action => ({ type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage, goodQty: 80, destinationLabel: M.destination } });
    expect(await at('sewing', [toSewing.accept, sew('assembly'), sew('labelling'), sew('back_loop'), toFinishing.lock])).toEqual(all(5));
    const step = (s: 'stuffing' | 'closing' | 'grooming'): Action => ({ type: 'finishing.step', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), step: s, qty: 80 } });
    expect(await at('finishing', [toFinishing.accept, step('stuffing'), step('closing'), step('grooming')])).toEqual(all(4));
    const pieces = [
      { metal: 'fe' as const, sizeMm: 1.0, pieceId: 'TP-FE-1', detected: true },
      { metal: 'stainless' as const, sizeMm: 1.5, pieceId: 'TP-SS-1', detected: true },
    ];
    expect(await at('finishing', [
      { type: 'md.verification', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', trigger: 'lot_start', result: 'pass', pieces } },
      { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: W('finishing'), deviceId: 'MD01', count: 80 } },
    ], null)).toEqual(all(2));
    // 65 converted, handed over in thirteen boxes of 5: twelve reach packing, one is still on its way; 15 wait at finishing.
    const boxes = Array.from({ length: 13 }, () => handover('finishing', 'packing', 5));
    expect(await at('finishing', [{ type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 65, fgArticleCode: M.articleCode } }, ...boxes.map((b) => b.lock)])).toEqual(all(14));
    const pck = W('packing');
    expect(await at('packing', [
      ...boxes.slice(0, 12).map((b) => b.accept),
      { type: 'packing.sorted', payload: { workOrderId: pck, destination: M.destination, shipWeek: M.shipWeek, qty: 60 } },
      { type: 'packing.carton', payload: { workOrderId: pck, lineId: lineOf('packing'), sscc: '012345670000000015', destination: M.destination, shipWeek: M.shipWeek, qty: 60 } },
      { type: 'packing.finalInspection', payload: { workOrderId: pck, result: 'pass', sampleSize: 8, defectsFound: 0 } },
    ])).toEqual(all(15));

    expect(await at('packing', [{ type: 'packing.completed', payload: { workOrderId: pck } }])).toEqual(['refused:pieces_upstream']);
    expect((await storedBody<WorkOrderDoc>(server.db, 'workOrder', pck))?.status).not.toBe('closed');

    expect(await at('packing', [{ type: 'packing.shortClosed', payload: { workOrderId: pck, supervisorId: supervisorOf('packing'), reason: 'ship week closes today' } }])).toEqual(['applied']);
    expect(await storedBody<WorkOrderDoc>(server.db, 'workOrder', pck)).toMatchObject({
      status: 'closed',
      shortClose: { by: supervisorOf('packing'), reason: 'ship week closes today', plannedQty: 80, packedQty: 60, shortQty: 20, upstreamQty: 15, inTransitQty: 5 },
    });
  });
});
