/**
 * Completing an order at packing (step 580): not while pieces of the order are still upstream (in another
 * department's WIP) or in transit to the next one, unless a supervisor closes it short, with a reason, audited.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyState, withChanges, type FloorState, type WorkOrderDoc } from '../docs';
import { parseAction, type Action } from '../events';
import { nextPlace, receivingDepartment, ROUTES, workOrderIdFor, type Department, type ManufacturingOrder, type Place } from '../master';
import { applyEvent } from '../reducer';
import { Floor } from '../testing/flow';
import { fixtureMaster, lineOf, mo, operatorOf, supervisorOf } from '../testing/fixtures';
import { piecesAt, readyToSend } from './pipeline';

const ssccs = ['012345670000000015', '012345670000000022', '012345670000000039', '012345670000000046'];

/** `qty` pieces through finishing (converted) and accepted at packing; what is left stays where `send` does not take it. */
function ready(floor: Floor, m: ManufacturingOrder, fin: number): void {
  const W = (p: Place) => workOrderIdFor(m.id, p);
  floor.finish(m, fin);
  floor.verify('pass');
  floor.detectPass(m, fin);
  floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: fin, fgArticleCode: m.articleCode } });
}

/** Packing sorts and packs `qty` more pieces in one carton. */
function pack(floor: Floor, m: ManufacturingOrder, qty: number): void {
  const pck = workOrderIdFor(m.id, 'packing');
  const sscc = ssccs[floor.wo(m.id, 'packing').cartons.length] as string;
  floor.do('packing', { type: 'packing.sorted', payload: { workOrderId: pck, destination: m.destination, shipWeek: m.shipWeek, qty } });
  floor.do('packing', { type: 'packing.carton', payload: { workOrderId: pck, lineId: lineOf('packing'), sscc, destination: m.destination, shipWeek: m.shipWeek, qty } });
}

const inspect = (m: ManufacturingOrder): Action => ({ type: 'packing.finalInspection', payload: { workOrderId: workOrderIdFor(m.id, 'packing'), result: 'pass', sampleSize: 5, defectsFound: 0 } });
const complete = (m: ManufacturingOrder): Action => ({ type: 'packing.completed', payload: { workOrderId: workOrderIdFor(m.id, 'packing') } });
const shortClose = (m: ManufacturingOrder, supervisorId = supervisorOf('packing'), reason = 'ship week closes today; 15 follow on MO-2026-0002'): Action => ({
  type: 'packing.shortClosed',
  payload: { workOrderId: workOrderIdFor(m.id, 'packing'), supervisorId, reason },
});

/**
 * The walk's order: 80 pieces on Route 2, all through sewing into finishing; finishing converts 65, hands 60 to
 * packing (accepted and packed) and 5 more that are still in transit; 15 are still at finishing.
 */
function sixtyOfEighty(asServer = false): { floor: Floor; m: ManufacturingOrder; inTransit: string } {
  const m = mo(80, { route: 'R2', quantity: 80 });
  const floor = new Floor([m], fixtureMaster(), undefined, asServer);
  floor.cut(m, 80);
  expect(floor.accept(m, floor.send(m, 'cutting', 80), 'sewing', 80).ok).toBe(true);
  floor.sew(m, 80);
  expect(floor.accept(m, floor.send(m, 'sewing', 80), 'finishing', 80).ok).toBe(true);
  floor.finish(m, 80);
  floor.verify('pass');
  floor.detectPass(m, 80);
  floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), qty: 65, fgArticleCode: m.articleCode } });
  expect(floor.accept(m, floor.send(m, 'finishing', 60), 'packing', 60).ok).toBe(true);
  const inTransit = floor.send(m, 'finishing', 5);
  pack(floor, m, 60);
  floor.do('packing', inspect(m));
  return { floor, m, inTransit };
}

describe('completing an order at packing', () => {
  it('is refused while pieces of the order are still at finishing or in transit (pieces_upstream), and allowed once they are all packed', () => {
    const { floor, m, inTransit } = sixtyOfEighty();
    const refused = floor.try('packing', complete(m));
    expect(refused.ok ? 'ok' : refused.refusal.code).toBe('pieces_upstream');
    expect(refused.ok ? '' : refused.refusal.message).toMatch(/15 .*finishing/);
    expect(refused.ok ? '' : refused.refusal.message).toMatch(/5 .*in transit/);
    expect(floor.wo(m.id, 'packing').status).not.toBe('closed');

    // The 5 in transit arrive and are packed: the 15 at finishing still hold the order open.
    expect(floor.accept(m, inTransit, 'packing', 5).ok).toBe(true);
    pack(floor, m, 5);
    const still = floor.try('packing', complete(m));
    expect(still.ok ? 'ok' : still.refusal.code).toBe('pieces_upstream');
    expect(still.ok ? '' : still.refusal.message).not.toMatch(/in transit/);

    // The last 15 come through: nothing is left upstream, the order completes.
    floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), qty: 15, fgArticleCode: m.articleCode } });
    expect(floor.accept(m, floor.send(m, 'finishing', 15), 'packing', 15).ok).toBe(true);
    pack(floor, m, 15);
    floor.do('packing', complete(m));
    expect(floor.wo(m.id, 'packing').status).toBe('closed');
    expect(floor.wo(m.id, 'packing').shortClose ?? null).toBeNull();
  });

  it('a supervisor closes it short with a reason: closed with what is packed, audited (who, why, how many short, what was left)', () => {
    const { floor, m } = sixtyOfEighty();
    // Not an operator; not without a reason (the schema says so before any rule).
    const byOperator = floor.try('packing', shortClose(m, operatorOf('packing')));
    expect(byOperator.ok ? 'ok' : byOperator.refusal.code).toBe('not_supervisor');
    expect(parseAction(shortClose(m, supervisorOf('packing'), '  ')).ok).toBe(false);

    const e = floor.do('packing', shortClose(m));
    const wo = floor.wo(m.id, 'packing');
    expect(wo.status).toBe('closed');
    expect(wo.shortClose).toEqual({
      by: supervisorOf('packing'),
      reason: 'ship week closes today; 15 follow on MO-2026-0002',
      eventId: e.id,
      at: e.hlc,
      plannedQty: 80,
      packedQty: 60,
      shortQty: 20,
      upstreamQty: 15,
      inTransitQty: 5,
    });
    // Closed once: a second close or a completion is refused.
    const again = floor.try('packing', shortClose(m));
    expect(again.ok ? 'ok' : again.refusal.code).toBe('work_order_closed');
  });

  it('a short close still needs the final inspection and every piece at packing packed (not_ready)', () => {
    const m = mo(81, { route: 'R2', quantity: 20 });
    const floor = new Floor([m]);
    floor.cut(m, 20);
    expect(floor.accept(m, floor.send(m, 'cutting', 20), 'sewing', 20).ok).toBe(true);
    floor.sew(m, 20);
    expect(floor.accept(m, floor.send(m, 'sewing', 20), 'finishing', 20).ok).toBe(true);
    ready(floor, m, 20);
    expect(floor.accept(m, floor.send(m, 'finishing', 10), 'packing', 10).ok).toBe(true);
    pack(floor, m, 6);
    const uninspected = floor.try('packing', shortClose(m));
    expect(uninspected.ok ? 'ok' : uninspected.refusal.code).toBe('not_ready');
    floor.do('packing', inspect(m));
    const unpacked = floor.try('packing', shortClose(m));
    expect(unpacked.ok ? 'ok' : unpacked.refusal.code).toBe('not_ready');
    pack(floor, m, 4);
    floor.do('packing', shortClose(m));
    expect(floor.wo(m.id, 'packing').shortClose).toMatchObject({ packedQty: 10, shortQty: 10, upstreamQty: 10, inTransitQty: 0 });
  });

  it('Route 3: pieces still out at the vendor are in transit and hold the order open', () => {
    const m = mo(82, { route: 'R3', quantity: 20 });
    const floor = new Floor([m]);
    floor.cut(m, 20);
    expect(floor.accept(m, floor.send(m, 'cutting', 15), 'finishing', 15).ok).toBe(true);
    floor.send(m, 'cutting', 5); // at the vendor
    ready(floor, m, 15);
    expect(floor.accept(m, floor.send(m, 'finishing', 15), 'packing', 15).ok).toBe(true);
    pack(floor, m, 15);
    floor.do('packing', inspect(m));
    const r = floor.try('packing', complete(m));
    expect(r.ok ? 'ok' : r.refusal.code).toBe('pieces_upstream');
    expect(r.ok ? '' : r.refusal.message).toMatch(/5 .*in transit/);
  });

  it('a packing station that does not hold the upstream work orders leaves the judgement to the server, which refuses', () => {
    const { floor, m } = sixtyOfEighty();
    // What a packing station holds: its own department's work orders and the transfers addressed to it.
    const station: FloorState = withChanges(emptyState(), [
      ...Object.values(floor.state.workOrder).filter((w) => w.place === 'packing'),
      ...Object.values(floor.state.transfer).filter((t) => t.receivingDepartment === 'packing'),
      ...Object.values(floor.state.line).filter((l) => l.department === 'packing'),
    ]);
    const event = floor.f.at('packing', complete(m));
    expect(applyEvent(station, event, floor.master).ok).toBe(true);
    const server = applyEvent(floor.state, event, floor.master, { recorded: true, complete: true });
    expect(server.ok ? 'ok' : server.refusal.code).toBe('pieces_upstream');
  });

  it('decided as the server decides (every document, recorded events): the same refusal and the same short close', () => {
    const { floor, m } = sixtyOfEighty(true);
    const r = floor.try('packing', complete(m));
    expect(r.ok ? 'ok' : r.refusal.code).toBe('pieces_upstream');
    floor.do('packing', shortClose(m));
    expect(floor.wo(m.id, 'packing').shortClose).toMatchObject({ shortQty: 20, upstreamQty: 15, inTransitQty: 5 });
  });
});

/** One order's way down its route, stopped anywhere: how much of what is ready each department sends, whether it is counted in. */
/** A share of what is there: mostly all of it (so orders do get through), else any part. */
const share = fc.oneof({ arbitrary: fc.constant(1), weight: 4 }, { arbitrary: fc.double({ min: 0, max: 1, noNaN: true }), weight: 1 });
const journey = fc.record({
  route: fc.constantFrom('R1' as const, 'R2' as const, 'R3' as const),
  quantity: fc.integer({ min: 1, max: 60 }),
  cut: share,
  hops: fc.array(fc.record({ send: share, accepted: fc.oneof({ arbitrary: fc.constant(true), weight: 4 }, { arbitrary: fc.constant(false), weight: 1 }) }), { minLength: 4, maxLength: 4 }),
  pack: fc.oneof(fc.constant(1), fc.double({ min: 0, max: 0.99, noNaN: true })),
});
type Journey = typeof journey extends fc.Arbitrary<infer T> ? T : never;

/** Works every piece a department has received through its stages, as its operators would. */
function workThrough(floor: Floor, m: ManufacturingOrder, d: Department): void {
  const W = workOrderIdFor(m.id, d);
  const n = floor.wo(m.id, d).receivedQty;
  if (n === 0) return;
  if (d === 'embroidery') floor.do(d, { type: 'embroidery.output', payload: { workOrderId: W, lineId: lineOf(d), goodQty: n, defectQty: 0 } });
  if (d === 'sewing') floor.sew(m, n);
  if (d === 'finishing') ready(floor, m, n);
}

function walk(j: Journey): { floor: Floor; m: ManufacturingOrder } {
  const m = mo(90, { route: j.route, quantity: j.quantity });
  const floor = new Floor([m]);
  floor.cut(m, Math.round(j.cut * j.quantity));
  let from: Department = 'cutting';
  for (const hop of j.hops) {
    const to = nextPlace(m.route, from);
    const receiver = to ? receivingDepartment(m.route, to) : undefined;
    if (!to || !receiver || receiver === 'packing' && from !== 'finishing') break;
    const qty = Math.round(hop.send * readyToSend(floor.wo(m.id, from)));
    if (qty > 0) {
      const t = floor.send(m, from, qty);
      if (hop.accepted) expect(floor.accept(m, t, receiver, qty).ok).toBe(true);
    }
    if (receiver === 'packing') {
      const packed = Math.round(j.pack * floor.wo(m.id, 'packing').receivedQty);
      if (packed > 0) pack(floor, m, packed);
      break;
    }
    workThrough(floor, m, receiver);
    from = receiver;
  }
  floor.do('packing', inspect(m));
  return { floor, m };
}

describe('completing an order at packing (properties)', () => {
  it('completes only when none of the order\'s pieces are upstream or in transit; a supervisor\'s short close records what was left', () => {
    const seen = { completed: 0, upstream: 0, notReady: 0 };
    fc.assert(
      fc.property(journey, (j) => {
        const { floor, m } = walk(j);
        const state = floor.state;
        const wo = floor.wo(m.id, 'packing');
        // Counted here from the whole state, not as the rule counts: WIP of the route's other work orders, and every
        // transfer of the order still in transit (LOCKed, not counted in yet).
        const upstream = ROUTES[m.route].filter((p) => p !== 'packing').reduce((n, p) => n + piecesAt(state.workOrder[workOrderIdFor(m.id, p)] as WorkOrderDoc), 0);
        const inTransit = Object.values(state.transfer).filter((t) => t.moId === m.id && t.status === 'locked').reduce((n, t) => n + t.quantity, 0);
        const packed = wo.stageQty.packed ?? 0;
        const done = floor.try('packing', complete(m));
        if (packed !== wo.receivedQty - wo.scrappedQty) {
          seen.notReady++;
          expect(done.ok ? 'ok' : done.refusal.code).toBe('not_ready');
          return;
        }
        if (upstream + inTransit === 0) {
          seen.completed++;
          expect(done.ok, done.ok ? '' : done.refusal.message).toBe(true);
          expect(floor.wo(m.id, 'packing').status).toBe('closed');
          return;
        }
        seen.upstream++;
        expect(done.ok ? 'ok' : done.refusal.code).toBe('pieces_upstream');
        expect(floor.state).toBe(state);
        const short = floor.try('packing', shortClose(m));
        expect(short.ok, short.ok ? '' : short.refusal.message).toBe(true);
        expect(floor.wo(m.id, 'packing')).toMatchObject({
          status: 'closed',
          shortClose: { by: supervisorOf('packing'), packedQty: packed, shortQty: Math.max(0, m.quantity - packed), upstreamQty: upstream, inTransitQty: inTransit },
        });
      }),
      { numRuns: 200 },
    );
    // Every case is reached (the generator is not vacuous).
    expect(seen.completed).toBeGreaterThan(5);
    expect(seen.upstream).toBeGreaterThan(5);
    expect(seen.notReady).toBeGreaterThan(5);
  });
});
