/**
 * QT-09 conservation as the server decides it (every document known, events as recorded facts), whatever order the
 * stations' events arrive in: what a department received never exceeds what upstream gave up, no transfer is accepted
 * without a LOCK the sender's pieces covered, and two claims on the same pieces end in a conflict, not a double count.
 */
import { describe, expect, it } from 'vitest';
import type { Action, FloorEvent, SlipCopy } from '../events';
import { workOrderIdFor } from '../master';
import { applyEvent } from '../reducer';
import { Floor } from '../testing/flow';
import { fixtureMaster, lineOf, mo, operatorOf, supervisorOf } from '../testing/fixtures';
import { uuidv7 } from '../ids';
import { readyToSend } from './pipeline';
import { expectConserved } from '../testing/conservation';

const M = mo(1, { route: 'R2' });
const W = (place: Parameters<typeof workOrderIdFor>[1]) => workOrderIdFor(M.id, place);
const master = fixtureMaster(2);

/**
 * 10 pieces sewn and ready at sewing, as both sewing stations saw them before the network dropped (`atSewing` pieces
 * came in from cutting: more than 10 when some are still being sewn).
 */
function tenReadyAtSewing(atSewing = 10): Floor {
  const floor = new Floor([M], master, undefined, true);
  floor.cut(M, atSewing);
  const t = floor.send(M, 'cutting', atSewing);
  expect(floor.accept(M, t, 'sewing', atSewing).ok).toBe(true);
  floor.sew(M, 10);
  expect(readyToSend(floor.wo(M.id, 'sewing'))).toBe(10);
  return floor;
}

function lock(floor: Floor, station: 1 | 2, transferId: string, quantity = 10): FloorEvent {
  return floor.f.event(`ST-SEW-${station}`, operatorOf('sewing'), {
    type: 'transfer.created',
    payload: { transferId, workOrderId: W('sewing'), toWorkOrderId: W('finishing'), articleCode: M.articleCode, quantity, from: 'sewing', to: 'finishing', lineId: lineOf('sewing', station) },
  });
}

function slipOf(station: string, quantity = 10, from: 'sewing' | 'cutting' = 'sewing'): SlipCopy {
  const to = from === 'sewing' ? 'finishing' : 'sewing';
  return { workOrderId: W(from), toWorkOrderId: W(to), articleCode: M.articleCode, quantity, from, to, fromStationId: station, payload: 'signed-slip' };
}

function acceptFromSlip(floor: Floor, transferId: string, slip: SlipCopy, counted = slip.quantity): FloorEvent {
  const action: Action =
    counted === slip.quantity
      ? { type: 'transfer.accepted', payload: { transferId, workOrderId: slip.workOrderId, toWorkOrderId: slip.toWorkOrderId, countedQty: counted, lineId: lineOf('finishing'), slip } }
      : { type: 'transfer.discrepancy', payload: { transferId, workOrderId: slip.workOrderId, toWorkOrderId: slip.toWorkOrderId, countedQty: counted, reason: 'counted at receiving', lineId: lineOf('finishing'), slip } };
  return floor.f.event('ST-FIN-1', operatorOf('finishing'), action);
}

/**
 * ST-SEW-1 accepts `quantity` pieces from ST-CUT-1's slip before any of cutting's events arrived (accepted by the
 * rules, nothing refused).
 */
function sewingAcceptsCuttingSlip(quantity: number): { floor: Floor; t: string } {
  const floor = new Floor([M], master, undefined, true);
  const t = uuidv7();
  const slip = { ...slipOf('ST-CUT-1', quantity, 'cutting'), toWorkOrderId: W('sewing') };
  const accept = floor.f.event('ST-SEW-1', operatorOf('sewing'), { type: 'transfer.accepted', payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('sewing'), countedQty: quantity, lineId: lineOf('sewing'), slip } });
  expect(arrive(floor, [accept]).refused).toEqual([]);
  return { floor, t };
}

/** Applies events in the given order as the server would, checking conservation after every one. */
function arrive(floor: Floor, events: readonly FloorEvent[]): { refused: string[] } {
  const refused: string[] = [];
  for (const e of events) {
    const r = applyEvent(floor.state, e, master, { recorded: true, complete: true });
    floor.state = r.state;
    if (!r.ok) refused.push(`${e.type}:${r.refusal.code}`);
    expectConserved(floor.state);
  }
  return { refused };
}

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

describe('QT-09: two sewing stations send the same 10 pieces offline; finishing accepts one slip', () => {
  it('acceptance first, then the other LOCK, then the slip sender\'s LOCK: counted once, a conflict opens', () => {
    const floor = tenReadyAtSewing();
    const [t1, t2] = [uuidv7(), uuidv7()];
    const { refused } = arrive(floor, [acceptFromSlip(floor, t1, slipOf('ST-SEW-1')), lock(floor, 2, t2), lock(floor, 1, t1)]);
    expect(refused).toEqual([]);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(10);
    expect(floor.wo(M.id, 'sewing').sentQty).toBe(10);
    expect(floor.state.transfer[t1]).toMatchObject({ status: 'accepted', senderDebited: true });
    expect(floor.state.transfer[t2]?.status).toBe('disputed');
    expect(floor.state.conflict[t2]).toMatchObject({ status: 'open', type: 'competing_claim', claim: { stationId: 'ST-SEW-2' }, holders: [{ transferId: t1, fromStationId: 'ST-SEW-1', quantity: 10 }] });
    // Sewing cannot send the same pieces a third time.
    expect(readyToSend(floor.wo(M.id, 'sewing'))).toBe(0);
  });

  it('both LOCKs first (the slip sender\'s refused before), then the acceptance: counted once, the acceptance waits', () => {
    const floor = tenReadyAtSewing();
    const [t1, t2] = [uuidv7(), uuidv7()];
    const { refused } = arrive(floor, [lock(floor, 2, t2), lock(floor, 1, t1), acceptFromSlip(floor, t1, slipOf('ST-SEW-1'))]);
    expect(refused).toEqual([]);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(0);
    expect(floor.state.transfer[t1]?.status).toBe('disputed');
    const c = floor.state.conflict[t1];
    expect(c).toMatchObject({ status: 'open', claim: { stationId: 'ST-SEW-1' }, holders: [{ transferId: t2, fromStationId: 'ST-SEW-2' }] });
    expect(c?.parked.map((e) => e.type)).toEqual(['transfer.accepted']);
    expect(floor.wo(M.id, 'finishing').disputes).toEqual([t1]);
  });

  it('every arrival order of both LOCKs and both slip acceptances: never more than 10 received, conserved at every step', () => {
    const base = tenReadyAtSewing();
    const [t1, t2] = [uuidv7(), uuidv7()];
    const events = [lock(base, 1, t1), lock(base, 2, t2), acceptFromSlip(base, t1, slipOf('ST-SEW-1')), acceptFromSlip(base, t2, slipOf('ST-SEW-2'))];
    const orders = permutations(events);
    expect(orders).toHaveLength(24);
    for (const order of orders) {
      const floor = new Floor([M], master, undefined, true);
      floor.state = base.state;
      const { refused } = arrive(floor, order);
      expect(refused, order.map((e) => e.type).join(' → ')).toEqual([]);
      expect(floor.wo(M.id, 'finishing').receivedQty).toBe(10);
      expect(floor.wo(M.id, 'sewing').sentQty).toBe(10);
      const open = Object.values(floor.state.conflict).filter((c) => c.status === 'open');
      expect(open).toHaveLength(1);
      // Both sides are named: the claim that lost, and the transfer holding the pieces.
      const loser = open[0]!;
      expect(loser.holders.map((h) => h.transferId)).toEqual([loser.id === t1 ? t2 : t1]);
    }
  });
});

describe('QT-09: a supervisor settles the competing claim', () => {
  function disputed(): { floor: Floor; t1: string; t2: string } {
    const floor = tenReadyAtSewing(20);
    const [t1, t2] = [uuidv7(), uuidv7()];
    arrive(floor, [lock(floor, 2, t2), lock(floor, 1, t1), acceptFromSlip(floor, t1, slipOf('ST-SEW-1'))]);
    return { floor, t1, t2 };
  }
  const resolve = (floor: Floor, conflictId: string, decision: 'void' | 'apply', by = supervisorOf('sewing')) =>
    floor.f.event('ST-SEW-1', by, { type: 'conflict.resolved', payload: { conflictId, decision, supervisorId: by, note: 'counted the bins again' } });

  it('void: the claim is cancelled, what waited is listed as not counted, nothing moves', () => {
    const { floor, t1 } = disputed();
    expect(arrive(floor, [resolve(floor, t1, 'void')]).refused).toEqual([]);
    expect(floor.state.transfer[t1]?.status).toBe('void');
    expect(floor.state.conflict[t1]).toMatchObject({ status: 'resolved', resolution: { decision: 'void', by: supervisorOf('sewing') } });
    expect(floor.state.conflict[t1]?.resolution?.notReplayed).toHaveLength(1);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(0);
    expect(floor.wo(M.id, 'finishing').disputes).toEqual([]);
    // Resolved once only; a voided transfer cannot be accepted afterwards.
    expect(arrive(floor, [resolve(floor, t1, 'apply')]).refused).toEqual(['conflict.resolved:conflict_not_open']);
  });

  it('apply needs the pieces: refused until sewing records the output that covers them, then the acceptance replays', () => {
    const { floor, t1 } = disputed();
    expect(arrive(floor, [resolve(floor, t1, 'apply')]).refused).toEqual(['conflict.resolved:exceeds_available']);
    floor.sew(M, 10); // the output one station had not recorded: there were 20 pieces after all
    expect(arrive(floor, [resolve(floor, t1, 'apply')]).refused).toEqual([]);
    expect(floor.state.transfer[t1]).toMatchObject({ status: 'accepted', senderDebited: true });
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(10);
    expect(floor.wo(M.id, 'sewing').sentQty).toBe(20);
    expect(floor.state.conflict[t1]).toMatchObject({ status: 'resolved', resolution: { decision: 'apply', notReplayed: [] } });
  });

  it('only a supervisor of a department in the conflict decides', () => {
    const { floor, t1 } = disputed();
    const byOperator = floor.f.event('ST-SEW-1', operatorOf('sewing'), { type: 'conflict.resolved', payload: { conflictId: t1, decision: 'void', supervisorId: operatorOf('sewing'), note: 'not mine to decide' } });
    const byPacking = floor.f.event('ST-PCK-1', supervisorOf('packing'), { type: 'conflict.resolved', payload: { conflictId: t1, decision: 'void', supervisorId: supervisorOf('packing'), note: 'not mine to decide' } });
    expect(arrive(floor, [byOperator, byPacking]).refused).toEqual(['conflict.resolved:not_supervisor', 'conflict.resolved:wrong_department']);
    expect(floor.state.conflict[t1]?.status).toBe('open');
  });
});

describe('QT-09: work done downstream on pieces that wait is parked, not refused in a cascade', () => {
  it('finishing works on a disputed lot; the work waits in the conflict and counts once the supervisor applies it', () => {
    const floor = tenReadyAtSewing(20);
    const [t1, t2] = [uuidv7(), uuidv7()];
    arrive(floor, [lock(floor, 1, t1), acceptFromSlip(floor, t1, slipOf('ST-SEW-1')), lock(floor, 2, t2), acceptFromSlip(floor, t2, slipOf('ST-SEW-2'))]);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(10);
    const stuff = (qty: number) => floor.f.event('ST-FIN-1', operatorOf('finishing'), { type: 'finishing.step', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), step: 'stuffing', qty } });
    // 20 stuffed: 10 counted pieces + the 10 that wait. Parked, not refused; 25 would fail even then: refused.
    expect(arrive(floor, [stuff(20), stuff(25)]).refused).toEqual(['finishing.step:exceeds_available']);
    expect(floor.wo(M.id, 'finishing').stageQty.stuffing ?? 0).toBe(0);
    expect(floor.state.conflict[t2]?.parked.map((e) => e.type)).toEqual(['transfer.accepted', 'finishing.step']);
    floor.sew(M, 10);
    const apply = floor.f.event('ST-FIN-1', supervisorOf('finishing'), { type: 'conflict.resolved', payload: { conflictId: t2, decision: 'apply', supervisorId: supervisorOf('finishing'), note: 'twenty pieces in the bins' } });
    expect(arrive(floor, [apply]).refused).toEqual([]);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(20);
    expect(floor.wo(M.id, 'finishing').stageQty.stuffing).toBe(20);
  });
});

describe('QT-09: an acceptance from a slip whose sender has not synced yet waits for its LOCK', () => {
  it('counts nothing until the sender\'s output and LOCK arrive, then replays', () => {
    const { floor, t } = sewingAcceptsCuttingSlip(30);
    expect(floor.state.transfer[t]).toMatchObject({ status: 'awaiting_lock', senderDebited: false });
    expect(floor.state.conflict[t]).toMatchObject({ type: 'awaiting_lock', status: 'waiting' });
    expect(floor.wo(M.id, 'sewing').receivedQty).toBe(0);
    floor.cut(M, 30);
    const lockEv = floor.f.event('ST-CUT-1', operatorOf('cutting'), {
      type: 'transfer.created',
      payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('sewing'), articleCode: M.articleCode, quantity: 30, from: 'cutting', to: 'sewing', lineId: lineOf('cutting') },
    });
    expect(arrive(floor, [lockEv]).refused).toEqual([]);
    expect(floor.state.transfer[t]).toMatchObject({ status: 'accepted', senderDebited: true, createdEventId: lockEv.id });
    expect(floor.wo(M.id, 'sewing').receivedQty).toBe(30);
    expect(floor.wo(M.id, 'cutting').sentQty).toBe(30);
    expect(floor.state.conflict[t]).toMatchObject({ status: 'resolved', resolution: { decision: 'locked', by: null } });
  });
});

describe('QT-09: a slip creates no goods from nothing', () => {
  it('refuses a slip signed by the receiving station itself', () => {
    const floor = tenReadyAtSewing();
    const { refused } = arrive(floor, [acceptFromSlip(floor, uuidv7(), slipOf('ST-FIN-1', 10))]);
    expect(refused).toEqual(['transfer.accepted:slip_signer_not_sender']);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(0);
  });

  it('refuses a slip signed by a station the server does not know', () => {
    const floor = tenReadyAtSewing();
    expect(arrive(floor, [acceptFromSlip(floor, uuidv7(), slipOf('ST-SEW-9', 10))]).refused).toEqual(['transfer.accepted:slip_signer_not_sender']);
  });

  it('a slip for pieces the sender never produced (+100) counts nothing: it waits for a LOCK that never comes', () => {
    const { floor, t } = sewingAcceptsCuttingSlip(100);
    expect(floor.wo(M.id, 'sewing').receivedQty).toBe(0);
    expect(floor.state.conflict[t]?.status).toBe('waiting');
  });

  it('refuses a discrepancy that counts more than the slip says (99,999 of 5)', () => {
    const floor = tenReadyAtSewing();
    const { refused } = arrive(floor, [acceptFromSlip(floor, uuidv7(), slipOf('ST-SEW-1', 5), 99_999)]);
    expect(refused).toEqual(['transfer.discrepancy:count_exceeds_sent']);
    expect(floor.wo(M.id, 'finishing').receivedQty).toBe(0);
  });
});

describe('QT-09 at a station (a command decided now)', () => {
  it('a LOCK for pieces the station can see are gone is refused, not disputed', () => {
    const floor = tenReadyAtSewing();
    const r1 = applyEvent(floor.state, lock(floor, 1, uuidv7()), master);
    expect(r1.ok).toBe(true);
    const r2 = applyEvent(r1.state, lock(floor, 2, uuidv7()), master);
    expect(r2.ok ? 'ok' : r2.refusal.code).toBe('exceeds_available');
  });
});
