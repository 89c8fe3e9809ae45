/**
 * QT-09 conservation through the real push route: two sewing stations that sent the same 10 pieces while offline,
 * finishing accepting one of them from its signed slip, in both arrival orders the walk found counting double.
 * After every push the server's documents are conserved (sent = what the transfers took, received = what was counted).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConflictDoc, TransferDoc, WorkOrderDoc } from '../../shared/docs';
import type { FloorEvent, SlipCopy } from '../../shared/events';
import { importPrivateKeyPkcs8, signTransferSlip } from '../../shared/barcode';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department, type ManufacturingOrder } from '../../shared/master';
import type { PullResponse, PushResponse } from '../../shared/sync';
import { expectConserved } from '../../shared/testing/conservation';
import { EventFactory, lineOf, mo, operatorOf } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const stations = new Map<string, EnrolledStation>();
const f = new EventFactory(() => Date.now());

beforeAll(async () => {
  for (const [id, d] of [['ST-CUT-1', 'cutting'], ['ST-SEW-1', 'sewing'], ['ST-SEW-2', 'sewing'], ['ST-FIN-1', 'finishing']] as const) {
    stations.set(id, await enrollStation(server.app, id, d));
  }
  for (const d of ['cutting', 'sewing', 'finishing'] as const) {
    const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' } });
    expect(op.statusCode).toBe(201);
  }
});

async function push(stationId: string, events: FloorEvent[]): Promise<PushResponse> {
  const res = await pushAs(server.app, stations.get(stationId), events);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>();
}

/** The server's floor documents, checked for conservation after every push. */
async function serverFloor(): Promise<{ workOrder: Record<string, WorkOrderDoc>; transfer: Record<string, TransferDoc>; conflict: Record<string, ConflictDoc> }> {
  const rows = await server.db.query<{ kind: string; id: string; body: WorkOrderDoc | TransferDoc | ConflictDoc }>(
    "SELECT kind, id, body FROM documents WHERE kind IN ('workOrder', 'transfer', 'conflict') AND NOT deleted",
  );
  const floor = { workOrder: {} as Record<string, WorkOrderDoc>, transfer: {} as Record<string, TransferDoc>, conflict: {} as Record<string, ConflictDoc> };
  for (const r of rows) (floor[r.kind as keyof typeof floor] as Record<string, typeof r.body>)[r.id] = r.body;
  return floor;
}

async function pushConserved(stationId: string, events: FloorEvent[]): Promise<PushResponse> {
  const res = await push(stationId, events);
  expectConserved(await serverFloor());
  return res;
}

let moNumber = 10;
/** A Route 2 order with 10 pieces sewn and ready at sewing, pushed by cutting and the first sewing station. */
async function tenReadyAtSewing(): Promise<{ m: ManufacturingOrder; W: (d: Department) => string }> {
  const m = mo(moNumber++, { route: 'R2', quantity: 100 });
  const W = (d: Department) => workOrderIdFor(m.id, d);
  expect((await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: m })).statusCode).toBe(201);
  const toSewing = uuidv7();
  const cut = [
    f.event('ST-CUT-1', operatorOf('cutting'), { type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 10 } }),
    f.event('ST-CUT-1', operatorOf('cutting'), {
      type: 'transfer.created',
      payload: { transferId: toSewing, workOrderId: W('cutting'), toWorkOrderId: W('sewing'), articleCode: m.articleCode, quantity: 10, from: 'cutting', to: 'sewing', lineId: lineOf('cutting') },
    }),
  ];
  expect((await pushConserved('ST-CUT-1', cut)).results.map((r) => r.status)).toEqual(['applied', 'applied']);
  const sew = (stage: 'assembly' | 'labelling' | 'back_loop') =>
    f.event('ST-SEW-1', operatorOf('sewing'), { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage, goodQty: 10, destinationLabel: m.destination } });
  const accept = f.event('ST-SEW-1', operatorOf('sewing'), { type: 'transfer.accepted', payload: { transferId: toSewing, workOrderId: W('cutting'), toWorkOrderId: W('sewing'), countedQty: 10, lineId: lineOf('sewing') } });
  const res = await pushConserved('ST-SEW-1', [accept, sew('assembly'), sew('labelling'), sew('back_loop')]);
  expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied']);
  return { m, W };
}

async function slipSignedBy(stationId: string, fields: Omit<SlipCopy, 'payload' | 'fromStationId'> & { transferId: string }): Promise<SlipCopy> {
  const s = stations.get(stationId);
  if (!s) throw new Error(stationId);
  const key = await importPrivateKeyPkcs8(Buffer.from(s.privateKey.export({ format: 'der', type: 'pkcs8' })).toString('base64url'));
  const { transferId, ...rest } = fields;
  const payload = await signTransferSlip({ ...rest, transferId, fromStationId: stationId }, key);
  return { ...rest, fromStationId: stationId, payload };
}

function sewingLock(m: ManufacturingOrder, W: (d: Department) => string, station: 1 | 2, transferId: string): FloorEvent {
  return f.event(`ST-SEW-${station}`, operatorOf('sewing'), {
    type: 'transfer.created',
    payload: { transferId, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), articleCode: m.articleCode, quantity: 10, from: 'sewing', to: 'finishing', lineId: lineOf('sewing', station) },
  });
}

async function finishingAcceptsSlip(m: ManufacturingOrder, W: (d: Department) => string, transferId: string, signer = 'ST-SEW-1', countedQty = 10): Promise<FloorEvent> {
  const slip = await slipSignedBy(signer, { transferId, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), articleCode: m.articleCode, quantity: 10, from: 'sewing', to: 'finishing' });
  return countedQty === 10
    ? f.event('ST-FIN-1', operatorOf('finishing'), { type: 'transfer.accepted', payload: { transferId, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), countedQty, lineId: lineOf('finishing'), slip } })
    : f.event('ST-FIN-1', operatorOf('finishing'), { type: 'transfer.discrepancy', payload: { transferId, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), countedQty, reason: 'recounted', lineId: lineOf('finishing'), slip } });
}

const statuses = (r: PushResponse) => r.results.map((x) => (x.refusal ? `${x.status}:${x.refusal.code}` : x.status));

async function pulledConflicts(stationId: string): Promise<string[]> {
  const s = stations.get(stationId);
  if (!s) throw new Error(stationId);
  const res = await server.app.inject({ method: 'GET', url: '/api/pull?checkpoint=0&limit=1000', headers: s.auth });
  return res.json<PullResponse>().documents.filter((d) => d.kind === 'conflict').map((d) => d.id);
}

describe(`QT-09 conservation on the server (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('the acceptance from the slip first, then the other station\'s LOCK, then the slip sender\'s: 10 received, not 20', async () => {
    const { m, W } = await tenReadyAtSewing();
    const [t1, t2] = [uuidv7(), uuidv7()];
    expect(statuses(await pushConserved('ST-FIN-1', [await finishingAcceptsSlip(m, W, t1)]))).toEqual(['applied']);
    expect(statuses(await pushConserved('ST-SEW-2', [sewingLock(m, W, 2, t2)]))).toEqual(['applied']);
    expect(statuses(await pushConserved('ST-SEW-1', [sewingLock(m, W, 1, t1)]))).toEqual(['applied']);
    const floor = await serverFloor();
    expect(floor.workOrder[W('finishing')]?.receivedQty).toBe(10);
    expect(floor.workOrder[W('sewing')]?.sentQty).toBe(10);
    expect(floor.transfer[t2]?.status).toBe('disputed');
    expect(floor.conflict[t2]).toMatchObject({ status: 'open', claim: { stationId: 'ST-SEW-2' }, holders: [{ transferId: t1, fromStationId: 'ST-SEW-1' }] });
    // Both sides see it: every sewing station and the finishing station pull the conflict.
    for (const s of ['ST-SEW-1', 'ST-SEW-2', 'ST-FIN-1']) expect(await pulledConflicts(s)).toContain(t2);
    expect(await pulledConflicts('ST-CUT-1')).not.toContain(t2);
    // A second slip acceptance of the disputed transfer waits with it; nothing more is counted.
    expect(statuses(await pushConserved('ST-FIN-1', [await finishingAcceptsSlip(m, W, t2, 'ST-SEW-2')]))).toEqual(['applied']);
    expect((await serverFloor()).workOrder[W('finishing')]?.receivedQty).toBe(10);
  });

  it('both LOCKs first, then the acceptance of the one that lost: the acceptance waits in the conflict', async () => {
    const { m, W } = await tenReadyAtSewing();
    const [t1, t2] = [uuidv7(), uuidv7()];
    expect(statuses(await pushConserved('ST-SEW-2', [sewingLock(m, W, 2, t2)]))).toEqual(['applied']);
    expect(statuses(await pushConserved('ST-SEW-1', [sewingLock(m, W, 1, t1)]))).toEqual(['applied']);
    expect(statuses(await pushConserved('ST-FIN-1', [await finishingAcceptsSlip(m, W, t1)]))).toEqual(['applied']);
    const floor = await serverFloor();
    expect(floor.workOrder[W('finishing')]?.receivedQty).toBe(0);
    expect(floor.transfer[t1]?.status).toBe('disputed');
    expect(floor.conflict[t1]?.parked.map((e) => e.type)).toEqual(['transfer.accepted']);
    // The transfer that holds the pieces is still in transit and can be accepted: 10 in all.
    const accept2 = f.event('ST-FIN-1', operatorOf('finishing'), { type: 'transfer.accepted', payload: { transferId: t2, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), countedQty: 10, lineId: lineOf('finishing') } });
    expect(statuses(await pushConserved('ST-FIN-1', [accept2]))).toEqual(['applied']);
    expect((await serverFloor()).workOrder[W('finishing')]?.receivedQty).toBe(10);
  });

  it('refuses a slip the receiving station signed itself, and a count above the slip', async () => {
    const { m, W } = await tenReadyAtSewing();
    const self = await finishingAcceptsSlip(m, W, uuidv7(), 'ST-FIN-1');
    const over = await finishingAcceptsSlip(m, W, uuidv7(), 'ST-SEW-1', 99_999);
    expect(statuses(await pushConserved('ST-FIN-1', [self, over]))).toEqual(['refused:slip_signer_not_sender', 'refused:count_exceeds_sent']);
    expect((await serverFloor()).workOrder[W('finishing')]?.receivedQty).toBe(0);
  });
});
