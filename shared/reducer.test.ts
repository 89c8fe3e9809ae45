import { describe, expect, it } from 'vitest';
import type { Action } from './events';
import { workOrderIdFor } from './master';
import { Floor } from './testing/flow';
import { lineOf, mo, operatorOf, supervisorOf } from './testing/fixtures';
import { uuidv7 } from './ids';

const M = mo(1);
const W = (place: Parameters<typeof workOrderIdFor>[1]) => workOrderIdFor(M.id, place);

/** Cut and hand 100 pieces to embroidery, embroider them, hand them to sewing. */
function atSewing(floor = new Floor([M]), qty = 100): Floor {
  floor.cut(M, qty);
  const t1 = floor.send(M, 'cutting', qty);
  expect(floor.accept(M, t1, 'embroidery', qty).ok).toBe(true);
  floor.do('embroidery', { type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty: qty, defectQty: 0 } });
  const t2 = floor.send(M, 'embroidery', qty);
  expect(floor.accept(M, t2, 'sewing', qty).ok).toBe(true);
  return floor;
}

function atFinishing(qty = 100): Floor {
  const floor = atSewing(undefined, qty);
  floor.sew(M, qty);
  const t = floor.send(M, 'sewing', qty);
  expect(floor.accept(M, t, 'finishing', qty).ok).toBe(true);
  floor.finish(M, qty);
  return floor;
}

describe('WIP never negative', () => {
  it('refuses cutting beyond the SPK until a surplus revises it', () => {
    const floor = new Floor([M]);
    floor.cut(M, 100);
    const over = floor.try('cutting', { type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 5 } });
    expect(over.ok).toBe(false);
    if (!over.ok) expect(over.refusal.code).toBe('exceeds_planned');
    floor.do('cutting', { type: 'cutting.surplus', payload: { workOrderId: W('cutting'), surplusQty: 5, reason: 'fabric yield' } });
    expect(floor.wo(M.id, 'cutting').plannedQty).toBe(105);
    floor.cut(M, 5);
    expect(floor.wo(M.id, 'cutting').stageQty.cut).toBe(105);
  });

  it('refuses a stage with more pieces than the previous stage finished', () => {
    const floor = atSewing();
    floor.do('sewing', { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', goodQty: 60 } });
    const r = floor.try('sewing', { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'labelling', goodQty: 61, destinationLabel: M.destination } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('exceeds_available');
    expect(floor.wo(M.id, 'sewing').stageQty.labelling ?? 0).toBe(0);
  });

  it('refuses a transfer of more than is ready', () => {
    const floor = new Floor([M]);
    floor.cut(M, 40);
    expect(() => floor.send(M, 'cutting', 41)).toThrow(/exceeds_available/);
    floor.send(M, 'cutting', 40);
    expect(() => floor.send(M, 'cutting', 1)).toThrow(/exceeds_available/);
    expect(floor.wo(M.id, 'cutting').sentQty).toBe(40);
  });

  it('refuses a destination label that does not match the order (step 330)', () => {
    const floor = atSewing();
    floor.do('sewing', { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', goodQty: 10 } });
    const r = floor.try('sewing', { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'labelling', goodQty: 10, destinationLabel: 'US-DC9' } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('destination_mismatch');
  });

  it('QC scrap takes pieces out of the stage; rework and defects need a reason', () => {
    const floor = atSewing();
    floor.do('sewing', { type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', goodQty: 10 } });
    const noReason = floor.try('sewing', { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'scrap', qty: 2 } });
    expect(noReason.ok ? 'ok' : noReason.refusal.code).toBe('defect_reason_required');
    floor.do('sewing', { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'scrap', qty: 2, defectReason: 'torn seam' } });
    const wo = floor.wo(M.id, 'sewing');
    expect(wo.stageQty.assembly).toBe(8);
    expect(wo.scrappedQty).toBe(2);
    expect(wo.qc.assembly).toEqual({ pass: 0, rework: 0, scrap: 2 });
    const tooMany = floor.try('sewing', { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'scrap', qty: 9, defectReason: 'torn' } });
    expect(tooMany.ok ? 'ok' : tooMany.refusal.code).toBe('exceeds_available');
  });

  it('embroidery defects leave the work order and need a reason', () => {
    const floor = new Floor([M]);
    floor.cut(M, 10);
    const t = floor.send(M, 'cutting', 10);
    floor.accept(M, t, 'embroidery', 10);
    const r = floor.try('embroidery', { type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty: 8, defectQty: 2 } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('defect_reason_required');
    floor.do('embroidery', { type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty: 8, defectQty: 2, defectReason: 'thread break' } });
    const wo = floor.wo(M.id, 'embroidery');
    expect([wo.stageQty.embroidered, wo.scrappedQty]).toEqual([8, 2]);
    const more = floor.try('embroidery', { type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty: 1, defectQty: 0 } });
    expect(more.ok ? 'ok' : more.refusal.code).toBe('exceeds_available');
  });
});

describe('QT-09 transfers', () => {
  it('locks on create and unlocks into the receiver on accept', () => {
    const floor = new Floor([M]);
    floor.cut(M, 100);
    const t = floor.send(M, 'cutting', 100);
    expect(floor.state.transfer[t]?.status).toBe('locked');
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(0);
    expect(floor.accept(M, t, 'embroidery', 100).ok).toBe(true);
    expect(floor.state.transfer[t]?.status).toBe('accepted');
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(100);
    expect(floor.wo(M.id, 'embroidery').status).toBe('received');
  });

  it('accepts a transfer once; the second acceptance is refused and changes nothing', () => {
    const floor = new Floor([M]);
    floor.cut(M, 100);
    const t = floor.send(M, 'cutting', 100);
    floor.accept(M, t, 'embroidery', 100);
    const before = floor.state;
    const second = floor.accept(M, t, 'embroidery', 100);
    expect(second.ok ? 'ok' : second.refusal.code).toBe('transfer_already_accepted');
    expect(floor.state).toBe(before);
  });

  it('a transfer id cannot be locked twice', () => {
    const floor = new Floor([M]);
    floor.cut(M, 100);
    const t = floor.send(M, 'cutting', 50);
    const again = floor.try('cutting', {
      type: 'transfer.created',
      payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity: 50, from: 'cutting', to: 'embroidery', lineId: lineOf('cutting') },
    });
    expect(again.ok ? 'ok' : again.refusal.code).toBe('transfer_already_locked');
    expect(floor.wo(M.id, 'cutting').sentQty).toBe(50);
  });

  it('sends only to the next place on the route', () => {
    const floor = new Floor([M]);
    floor.cut(M, 10);
    const r = floor.try('cutting', {
      type: 'transfer.created',
      payload: { transferId: uuidv7(), workOrderId: W('cutting'), toWorkOrderId: W('sewing'), articleCode: M.articleCode, quantity: 10, from: 'cutting', to: 'sewing', lineId: lineOf('cutting') },
    });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('not_next_on_route');
  });

  it('a count that differs must be recorded as a discrepancy with a reason', () => {
    const floor = new Floor([M]);
    floor.cut(M, 100);
    const t = floor.send(M, 'cutting', 100);
    const wrong = floor.accept(M, t, 'embroidery', 98);
    expect(wrong.ok ? 'ok' : wrong.refusal.code).toBe('count_mismatch');
    floor.do('embroidery', {
      type: 'transfer.discrepancy',
      payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 98, reason: 'two pieces missing', lineId: lineOf('embroidery') },
    });
    expect(floor.state.transfer[t]).toMatchObject({ status: 'discrepancy', countedQty: 98, discrepancyReason: 'two pieces missing' });
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(98);
  });

  it('only the receiving department accepts', () => {
    const floor = new Floor([M]);
    floor.cut(M, 10);
    const t = floor.send(M, 'cutting', 10);
    const r = floor.try('sewing', { type: 'transfer.accepted', payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 10, lineId: lineOf('sewing') } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['wrong_department']).toContain(r.refusal.code);
  });

  it('Route 3: cut goods locked to the vendor are counted back in at finishing', () => {
    const m3 = mo(3, { route: 'R3' });
    const floor = new Floor([m3]);
    floor.cut(m3, 50);
    const t = floor.send(m3, 'cutting', 50);
    expect(floor.state.transfer[t]).toMatchObject({ to: 'subcon', receivingDepartment: 'finishing', toWorkOrderId: workOrderIdFor(m3.id, 'finishing') });
    expect(floor.accept(m3, t, 'finishing', 50).ok).toBe(true);
    expect(floor.wo(m3.id, 'finishing').receivedQty).toBe(50);
  });

  /** Embroidery accepts 30 pieces offline from cutting's slip, before cutting's LOCK is known. */
  function acceptedFromSlip(): { floor: Floor; transferId: string } {
    const floor = new Floor([M]);
    const transferId = uuidv7();
    const slip = { workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity: 30, from: 'cutting' as const, to: 'embroidery' as const, fromStationId: 'ST-CUT-1', payload: 'signed-slip' };
    floor.do('embroidery', { type: 'transfer.accepted', payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 30, lineId: lineOf('embroidery'), slip } });
    return { floor, transferId };
  }
  /** Cutting's LOCK of that transfer, for `quantity` pieces. */
  const lock = (transferId: string, quantity: number): Action => ({
    type: 'transfer.created',
    payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity, from: 'cutting', to: 'embroidery', lineId: lineOf('cutting') },
  });

  it('accepts offline from a slip before the LOCK arrives; the LOCK then joins it', () => {
    const { floor, transferId } = acceptedFromSlip();
    expect(floor.state.transfer[transferId]).toMatchObject({ status: 'accepted', createdEventId: null });
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(30);
    floor.cut(M, 30);
    floor.do('cutting', lock(transferId, 30));
    expect(floor.state.transfer[transferId]?.status).toBe('accepted');
    expect(floor.state.transfer[transferId]?.createdEventId).not.toBeNull();
    expect(floor.wo(M.id, 'cutting').sentQty).toBe(30);
  });

  it('refuses a LOCK that contradicts the slip the receiver accepted', () => {
    const { floor, transferId } = acceptedFromSlip();
    floor.cut(M, 40);
    const r = floor.try('cutting', lock(transferId, 40));
    expect(r.ok ? 'ok' : r.refusal.code).toBe('slip_mismatch');
  });

  it('refuses an unknown transfer without a slip', () => {
    const floor = new Floor([M]);
    const r = floor.try('embroidery', { type: 'transfer.accepted', payload: { transferId: uuidv7(), workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 5, lineId: lineOf('embroidery') } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('unknown_transfer');
  });
});

describe('line clearance', () => {
  const A = mo(10, { articleCode: 'BEAR-30' });
  const B = mo(11, { articleCode: 'BUNNY-25' });

  function twoOrdersAtSewingGate(): { floor: Floor; tB: string } {
    const floor = new Floor([A, B].map((m) => ({ ...m, route: 'R2' as const })));
    for (const m of [A, B]) {
      floor.cut({ ...m, route: 'R2' }, 10);
    }
    const tA = floor.send({ ...A, route: 'R2' }, 'cutting', 10);
    const tB = floor.send({ ...B, route: 'R2' }, 'cutting', 10);
    expect(floor.accept({ ...A, route: 'R2' }, tA, 'sewing', 10).ok).toBe(true);
    return { floor, tB };
  }

  it('a sewing line holding one article refuses another until cleared (step 290)', () => {
    const { floor, tB } = twoOrdersAtSewingGate();
    expect(floor.state.line[lineOf('sewing')]?.occupant?.articleCode).toBe('BEAR-30');
    const r = floor.accept({ ...B, route: 'R2' }, tB, 'sewing', 10);
    expect(r.ok ? 'ok' : r.refusal.code).toBe('line_not_cleared');
    expect(floor.state.transfer[tB]?.status).toBe('locked');

    const wrongStep = floor.try('sewing', { type: 'line.cleared', payload: { lineId: lineOf('sewing'), step: 380, checklist: [{ item: 'line empty', ok: true }] } });
    expect(wrongStep.ok ? 'ok' : wrongStep.refusal.code).toBe('wrong_step');
    const unchecked = floor.try('sewing', { type: 'line.cleared', payload: { lineId: lineOf('sewing'), step: 290, checklist: [{ item: 'line empty', ok: true }, { item: 'labels removed', ok: false }] } });
    expect(unchecked.ok ? 'ok' : unchecked.refusal.code).toBe('checklist_incomplete');

    floor.do('sewing', { type: 'line.cleared', payload: { lineId: lineOf('sewing'), step: 290, checklist: [{ item: 'line empty', ok: true }] } });
    expect(floor.accept({ ...B, route: 'R2' }, tB, 'sewing', 10).ok).toBe(true);
    expect(floor.state.line[lineOf('sewing')]?.occupant?.articleCode).toBe('BUNNY-25');
  });

  it('same article for another destination also needs clearance', () => {
    const X = mo(20, { route: 'R2', destination: 'DE-DC1' });
    const Y = mo(21, { route: 'R2', destination: 'US-DC2' });
    const floor = new Floor([X, Y]);
    floor.cut(X, 5);
    floor.cut(Y, 5);
    const tX = floor.send(X, 'cutting', 5);
    const tY = floor.send(Y, 'cutting', 5);
    expect(floor.accept(X, tX, 'sewing', 5).ok).toBe(true);
    const r = floor.accept(Y, tY, 'sewing', 5);
    expect(r.ok ? 'ok' : r.refusal.code).toBe('line_not_cleared');
  });
});

describe('metal detection halts the line', () => {
  it('a detection halts; output and handover are refused until a supervisor releases', () => {
    const floor = atFinishing();
    floor.verify('pass');
    floor.detectPass(M, 10);
    const det = floor.do('finishing', { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'fe', workOrderId: W('finishing') } }, null);
    const line = floor.state.line[lineOf('finishing')];
    expect(line?.halt).toMatchObject({ haltId: det.id, cause: 'detection', metal: 'fe' });
    expect(floor.state.alert[det.id]).toMatchObject({ severity: 'P1', status: 'raised' });

    const pass = floor.try('finishing', { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: W('finishing'), deviceId: 'MD01', count: 1 } }, null);
    expect(pass.ok ? 'ok' : pass.refusal.code).toBe('line_halted');
    const convert = floor.try('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 5, fgArticleCode: M.articleCode } });
    expect(convert.ok ? 'ok' : convert.refusal.code).toBe('line_halted');

    const byOperator = floor.try('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: det.id, supervisorId: operatorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle fragment removed, piece destroyed' } });
    expect(byOperator.ok ? 'ok' : byOperator.refusal.code).toBe('not_supervisor');
    const otherDept = floor.try('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: det.id, supervisorId: supervisorOf('sewing'), disposition: 'metal_found', correctiveAction: 'needle fragment removed' } });
    expect(otherDept.ok ? 'ok' : otherDept.refusal.code).toBe('not_supervisor');
    const wrongHalt = floor.try('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: uuidv7(), supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle fragment removed' } });
    expect(wrongHalt.ok ? 'ok' : wrongHalt.refusal.code).toBe('halt_mismatch');

    floor.do('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: det.id, supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle fragment removed, piece destroyed' } });
    expect(floor.state.line[lineOf('finishing')]?.halt).toBeNull();
    expect(floor.state.alert[det.id]?.status).toBe('closed');
    floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 5, fgArticleCode: M.articleCode } });
  });

  it('a second detection while halted is logged and keeps the first halt', () => {
    const floor = atFinishing();
    const first = floor.do('finishing', { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'fe' } }, null);
    floor.do('finishing', { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'stainless' } }, null);
    expect(floor.state.line[lineOf('finishing')]).toMatchObject({ rejects: 2, halt: { haltId: first.id, detections: 2 } });
  });

  it('a lost or garbled message that may have been a detection halts the line too', () => {
    const floor = atFinishing();
    const plain = floor.do('finishing', { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 4, description: 'belt motor' } }, null);
    expect(floor.state.line[lineOf('finishing')]?.halt).toBeNull();
    expect(floor.state.alert[plain.id]).toMatchObject({ severity: 'P2', type: 'detector_fault' });
    const lost = floor.do('finishing', { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 0, description: 'messages 0003-0005 lost', suspectedDetection: true } }, null);
    expect(floor.state.line[lineOf('finishing')]?.halt).toMatchObject({ haltId: lost.id, cause: 'suspected_detection' });
    expect(floor.state.alert[lost.id]).toMatchObject({ severity: 'P1', status: 'raised' });
    const pass = floor.try('finishing', { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: W('finishing'), deviceId: 'MD01', count: 1 } }, null);
    expect(pass.ok ? 'ok' : pass.refusal.code).toBe('line_halted');
    floor.do('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: lost.id, supervisorId: supervisorOf('finishing'), disposition: 'no_fault_found', correctiveAction: 'pieces since last pass re-scanned' } });
    expect(floor.state.line[lineOf('finishing')]?.halt).toBeNull();
  });

  it('releasing a line that is not halted is refused', () => {
    const floor = atFinishing();
    const r = floor.try('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: uuidv7(), supervisorId: supervisorOf('finishing'), disposition: 'no_fault_found', correctiveAction: 'checked the line' } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('line_not_halted');
  });
});

describe('detector verification', () => {
  it('pieces through an unverified detector are held and cannot be converted', () => {
    const floor = atFinishing();
    floor.detectPass(M, 10);
    const wo = floor.wo(M.id, 'finishing');
    expect(wo.heldQty).toBe(10);
    const convert = floor.try('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 1, fgArticleCode: M.articleCode } });
    expect(convert.ok ? 'ok' : convert.refusal.code).toBe('exceeds_available');
  });

  it('a failed verification puts everything since the last pass on hold', () => {
    const floor = atFinishing();
    floor.verify('pass');
    floor.detectPass(M, 30);
    floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 10, fgArticleCode: M.articleCode } });
    const fail = floor.verify('fail');
    const hold = floor.state.hold[fail.id];
    expect(hold).toMatchObject({ reason: 'verification_failed', items: { [W('finishing')]: 30 }, status: 'open' });
    const wo = floor.wo(M.id, 'finishing');
    expect(wo.heldQty).toBe(30);
    // 30 through the detector, 10 already converted, all 30 held: nothing more converts.
    const convert = floor.try('finishing', { type: 'fg.converted', payload: { workOrderId: W('finishing'), lineId: lineOf('finishing'), qty: 1, fgArticleCode: M.articleCode } });
    expect(convert.ok ? 'ok' : convert.refusal.code).toBe('exceeds_available');

    // Re-inspection: the supervisor releases the hold; passed pieces go on, rejected are scrapped.
    const mismatch = floor.try('finishing', { type: 'hold.released', payload: { holdId: fail.id, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: W('finishing'), passedQty: 25, rejectedQty: 4 }] } });
    expect(mismatch.ok ? 'ok' : mismatch.refusal.code).toBe('hold_results_mismatch');
    const notSup = floor.try('finishing', { type: 'hold.released', payload: { holdId: fail.id, supervisorId: operatorOf('finishing'), results: [{ workOrderId: W('finishing'), passedQty: 25, rejectedQty: 5 }] } });
    expect(notSup.ok ? 'ok' : notSup.refusal.code).toBe('not_supervisor');
    // The 10 converted pieces are held too: they cannot be handed to packing.
    expect(() => floor.send(M, 'finishing', 1)).toThrow(/exceeds_available/);
    floor.do('finishing', { type: 'hold.released', payload: { holdId: fail.id, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: W('finishing'), passedQty: 25, rejectedQty: 5 }] } }, operatorOf('finishing'));
    floor.send(M, 'finishing', 10);
    const after = floor.wo(M.id, 'finishing');
    expect(after.heldQty).toBe(0);
    expect(after.scrappedQty).toBe(5);
    expect(after.stageQty.metal_detected).toBe(25);
  });

  it('an hourly verification that is overdue holds new passes', () => {
    let now = Date.UTC(2026, 10, 21, 8);
    const floor = atFinishing();
    const timed = new Floor([M], floor.master, () => now);
    timed.state = floor.state;
    timed.verify('pass');
    timed.detectPass(M, 5);
    expect(timed.wo(M.id, 'finishing').heldQty).toBe(0);
    now += 61 * 60 * 1000;
    timed.detectPass(M, 5);
    expect(timed.wo(M.id, 'finishing').heldQty).toBe(5);
    expect(Object.values(timed.state.alert).some((a) => a.type === 'verification_overdue')).toBe(true);
  });

  it('a new lot on the finishing line needs a verification before its pieces are released (lot start)', () => {
    const A = mo(40, { route: 'R2', quantity: 10 });
    const B = mo(41, { route: 'R2', quantity: 10 });
    const floor = new Floor([A, B]);
    for (const m of [A, B]) {
      floor.cut(m, 10);
      floor.accept(m, floor.send(m, 'cutting', 10), 'sewing', 10);
      floor.do('sewing', { type: 'line.cleared', payload: { lineId: lineOf('sewing'), step: 290, checklist: [{ item: 'line empty', ok: true }] } });
    }
    // Both orders are the same article and destination, so B enters the finishing line without a clearance.
    for (const m of [A, B]) {
      floor.do('sewing', { type: 'line.cleared', payload: { lineId: lineOf('sewing'), step: 290, checklist: [{ item: 'line empty', ok: true }] } });
      floor.sew(m, 10);
    }
    floor.accept(A, floor.send(A, 'sewing', 10), 'finishing', 10);
    floor.finish(A, 10);
    floor.verify('pass');
    floor.detectPass(A, 10);
    expect(floor.wo(A.id, 'finishing').heldQty).toBe(0);
    floor.accept(B, floor.send(B, 'sewing', 10), 'finishing', 10);
    expect(floor.state.line[lineOf('finishing')]?.verification.status).toBe('due');
    floor.finish(B, 10);
    floor.detectPass(B, 4);
    expect(floor.wo(B.id, 'finishing').heldQty).toBe(4);
    floor.verify('pass');
    floor.detectPass(B, 6);
    expect(floor.wo(B.id, 'finishing').heldQty).toBe(4);
  });

  it('power-on makes verification due again', () => {
    const floor = atFinishing();
    floor.verify('pass');
    floor.do('finishing', { type: 'md.powerOn', payload: { lineId: lineOf('finishing'), deviceId: 'MD01' } }, null);
    floor.detectPass(M, 3);
    expect(floor.wo(M.id, 'finishing').heldQty).toBe(3);
  });

  it('a verification whose result contradicts its test pieces is refused', () => {
    const floor = atFinishing();
    const r = floor.try('finishing', { type: 'md.verification', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', trigger: 'hourly', result: 'pass', pieces: [{ metal: 'fe', sizeMm: 1, pieceId: 'TP1', detected: false }] } }, null);
    expect(r.ok ? 'ok' : r.refusal.code).toBe('verification_inconsistent');
  });
});

describe('cutting shortage, broken needles', () => {
  it('a shortage raises an escalation for the supervisor', () => {
    const floor = new Floor([M]);
    const e = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 12, reason: 'fabric roll short' } });
    expect(floor.state.alert[e.id]).toMatchObject({ type: 'shortage', status: 'raised', workOrderId: W('cutting') });
    expect(floor.wo(M.id, 'cutting').shortageQty).toBe(12);
  });

  it('missing needle fragments quarantine the pieces in process; supervisor sign-off required', () => {
    const floor = atSewing();
    floor.sew(M, 40);
    const base = { lineId: lineOf('sewing'), machineId: 'SM-07', workOrderId: W('sewing'), needleExchanged: true, piecesInProcess: 20 };
    const unsigned = floor.try('sewing', { type: 'needle.broken', payload: { ...base, allFragmentsFound: false, supervisorId: operatorOf('sewing') } });
    expect(unsigned.ok ? 'ok' : unsigned.refusal.code).toBe('not_supervisor');
    const e = floor.do('sewing', { type: 'needle.broken', payload: { ...base, allFragmentsFound: false, supervisorId: supervisorOf('sewing') } });
    expect(floor.state.hold[e.id]).toMatchObject({ reason: 'needle_fragments_missing', items: { [W('sewing')]: 20 } });
    expect(floor.wo(M.id, 'sewing').heldQty).toBe(20);
    // 40 sewn, 20 held: only 20 may be handed over.
    expect(() => floor.send(M, 'sewing', 21)).toThrow(/exceeds_available/);
    floor.send(M, 'sewing', 20);
  });

  it('all fragments found: logged, nothing quarantined', () => {
    const floor = atSewing();
    floor.do('sewing', { type: 'needle.broken', payload: { lineId: lineOf('sewing'), machineId: 'SM-07', workOrderId: W('sewing'), allFragmentsFound: true, needleExchanged: true, supervisorId: supervisorOf('sewing'), piecesInProcess: 20 } });
    expect(Object.keys(floor.state.hold)).toHaveLength(0);
  });
});

describe('packing', () => {
  it('packs cartons by SSCC once, and completes only after final inspection with everything packed', () => {
    const m2 = mo(30, { route: 'R2', quantity: 10 });
    const floor = new Floor([m2]);
    floor.cut(m2, 10);
    floor.accept(m2, floor.send(m2, 'cutting', 10), 'sewing', 10);
    floor.sew(m2, 10);
    floor.accept(m2, floor.send(m2, 'sewing', 10), 'finishing', 10);
    floor.finish(m2, 10);
    floor.verify('pass');
    floor.detectPass(m2, 10);
    floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m2.id, 'finishing'), lineId: lineOf('finishing'), qty: 10, fgArticleCode: m2.articleCode } });
    floor.accept(m2, floor.send(m2, 'finishing', 10), 'packing', 10);
    const pck = workOrderIdFor(m2.id, 'packing');
    floor.do('packing', { type: 'packing.sorted', payload: { workOrderId: pck, destination: m2.destination, shipWeek: m2.shipWeek, qty: 10 } });
    floor.do('packing', { type: 'packing.carton', payload: { workOrderId: pck, lineId: lineOf('packing'), sscc: '012345670000000015', destination: m2.destination, shipWeek: m2.shipWeek, qty: 6 } });
    const dup = floor.try('packing', { type: 'packing.carton', payload: { workOrderId: pck, lineId: lineOf('packing'), sscc: '012345670000000015', destination: m2.destination, shipWeek: m2.shipWeek, qty: 4 } });
    expect(dup.ok ? 'ok' : dup.refusal.code).toBe('duplicate_carton');
    const early = floor.try('packing', { type: 'packing.completed', payload: { workOrderId: pck } });
    expect(early.ok ? 'ok' : early.refusal.code).toBe('not_ready');
    floor.do('packing', { type: 'packing.carton', payload: { workOrderId: pck, lineId: lineOf('packing'), sscc: '012345670000000022', destination: m2.destination, shipWeek: m2.shipWeek, qty: 4 } });
    floor.do('packing', { type: 'packing.shippingMark', payload: { workOrderId: pck, sscc: '012345670000000022' } });
    floor.do('packing', { type: 'packing.finalInspection', payload: { workOrderId: pck, result: 'pass', sampleSize: 5, defectsFound: 0 } });
    floor.do('packing', { type: 'packing.completed', payload: { workOrderId: pck } });
    expect(floor.wo(m2.id, 'packing').status).toBe('closed');
    const after = floor.try('packing', { type: 'packing.finalInspection', payload: { workOrderId: pck, result: 'pass', sampleSize: 5, defectsFound: 0 } });
    expect(after.ok ? 'ok' : after.refusal.code).toBe('work_order_closed');
  });
});

describe('who may act', () => {
  it('refuses unknown operators, operators of another department, and anonymous operator actions', () => {
    const floor = new Floor([M]);
    const action = { type: 'cutting.output' as const, payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 1 } };
    const unknown = floor.try('cutting', action, 'OP-NOBODY');
    expect(unknown.ok ? 'ok' : unknown.refusal.code).toBe('unknown_operator');
    const other = floor.try('cutting', action, operatorOf('sewing'));
    expect(other.ok ? 'ok' : other.refusal.code).toBe('not_authorised');
    const anon = floor.try('cutting', action, null);
    expect(anon.ok ? 'ok' : anon.refusal.code).toBe('not_logged_in');
    expect(floor.wo(M.id, 'cutting').stageQty.cut ?? 0).toBe(0);
  });

  it('a station may not work another department\'s order', () => {
    const floor = new Floor([M]);
    const r = floor.try('cutting', { type: 'spk.received', payload: { workOrderId: W('sewing') } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('wrong_department');
  });

  it('output on a closed work order is refused', () => {
    const floor = new Floor([M]);
    floor.do('cutting', { type: 'spk.closed', payload: { workOrderId: W('cutting'), department: 'cutting' } });
    const r = floor.try('cutting', { type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 1 } });
    expect(r.ok ? 'ok' : r.refusal.code).toBe('work_order_closed');
  });
});
