/**
 * Example rule tests for the SOP steps docs/sop-map.md still listed with a gap: steps whose rule had no test of its
 * own, refusal codes a rule raises that no test triggered, and the design decisions the map states in its Rule
 * column (each shown here by the behaviour it implies). Every refusal also checks that the state is exactly as it was.
 */
import { describe, expect, it } from 'vitest';
import { makeSscc } from './barcode/gs1';
import type { Action, SlipCopy } from './events';
import { uuidv7 } from './ids';
import { ROUTES, fanOut, workOrderIdFor, type ManufacturingOrder, type Place } from './master';
import { readyToSend } from './rules/pipeline';
import { Floor } from './testing/flow';
import { ARTICLE_BOMS, lineOf, mo, operatorOf, supervisorOf } from './testing/fixtures';
import { CHECKED, clearLine, cutAndSew, expectAcceptedNoChange, expectRefusedUnchanged, walkToFinishing, walkToPackingLock, walkToSewing } from './testing/walk';

const M = mo(1);
const W = (place: Place, m: ManufacturingOrder = M) => workOrderIdFor(m.id, place);

const needle = (m: ManufacturingOrder, piecesInProcess: number, allFragmentsFound = false): Action => ({
  type: 'needle.broken',
  payload: { lineId: lineOf('sewing'), machineId: 'SM-07', workOrderId: W('sewing', m), allFragmentsFound, needleExchanged: true, supervisorId: supervisorOf('sewing'), piecesInProcess },
});
const inlineQc = (place: 'sewing' | 'finishing', stage: 'final' | 'assembly', result: 'pass' | 'scrap', qty: number, m: ManufacturingOrder = M): Action => ({
  type: 'qc.inline',
  payload: { workOrderId: W(place, m), lineId: lineOf(place), stage, result, qty, ...(result === 'scrap' ? { defectReason: 'torn seam' } : {}) },
});
const convert = (qty: number, m: ManufacturingOrder = M): Action => ({ type: 'fg.converted', payload: { workOrderId: W('finishing', m), lineId: lineOf('finishing'), qty, fgArticleCode: m.articleCode } });
const releaseHold = (holdId: string, workOrderId: string, passedQty: number, rejectedQty = 0): Action => ({
  type: 'hold.released',
  payload: { holdId, supervisorId: supervisorOf(workOrderId.endsWith('-SEW') ? 'sewing' : 'finishing'), results: [{ workOrderId, passedQty, rejectedQty }] },
});

describe('step 200: receive the SPK', () => {
  it('receiving the SPK marks it received (open → received); a second receipt changes nothing; a closed SPK is not received', () => {
    const floor = new Floor([M]);
    expect(floor.wo(M.id, 'cutting').status).toBe('open');
    floor.do('cutting', { type: 'spk.received', payload: { workOrderId: W('cutting') } });
    expect(floor.wo(M.id, 'cutting')).toMatchObject({ status: 'received', plannedQty: M.quantity, stageQty: {} });
    expectAcceptedNoChange(floor, 'cutting', { type: 'spk.received', payload: { workOrderId: W('cutting') } });
    expect(floor.wo(M.id, 'cutting').status).toBe('received');

    floor.do('embroidery', { type: 'spk.closed', payload: { workOrderId: W('embroidery'), department: 'embroidery' } });
    expectRefusedUnchanged(floor, 'embroidery', { type: 'spk.received', payload: { workOrderId: W('embroidery') } }, 'work_order_closed');
  });
});

describe('step 200: allocate material (design: the record of what each department draws; stock is the warehouse system\'s)', () => {
  it('every department records the material it draws on its own SPK (finishing its filling, packing its cartons), never on another\'s', () => {
    const floor = new Floor([M]);
    const allocate = (place: Place, materialCode: string, qty: number, unit: string): Action => ({ type: 'material.allocated', payload: { workOrderId: W(place), materials: [{ materialCode, qty, unit }] } });
    expectAcceptedNoChange(floor, 'finishing', allocate('finishing', 'DACRON-7D', 4.2, 'kg'));
    expectAcceptedNoChange(floor, 'packing', allocate('packing', 'CTN-60x40', 10, 'pcs'));
    expectRefusedUnchanged(floor, 'finishing', allocate('packing', 'CTN-60x40', 10, 'pcs'), 'wrong_department');
  });
});

describe('steps 210–220: output per part (design: the article code is one size of toy)', () => {
  const BEAR = mo(2, { route: 'R2', quantity: 20, cutParts: [...ARTICLE_BOMS['BEAR-30']] });
  const cut = (part: string, size: string, goodQty: number): Action => ({ type: 'cutting.output', payload: { workOrderId: W('cutting', BEAR), lineId: lineOf('cutting'), size, part, goodQty } });

  it('parts are counted per part into complete sets; the size keyed stays on the event, the SPK counts no size', () => {
    const floor = new Floor([BEAR]);
    const events = [cut('body', 'M', 10), cut('head', 'M', 10), cut('ear', 'M', 20), cut('arm', 'M', 20), cut('leg', 'M', 19)].map((a) => floor.do('cutting', a));
    expect(events.map((e) => (e.type === 'cutting.output' ? e.payload.size : ''))).toEqual(['M', 'M', 'M', 'M', 'M']);
    let wo = floor.wo(BEAR.id, 'cutting');
    expect(wo.partsCut).toEqual({ body: 10, head: 10, ear: 20, arm: 20, leg: 19 });
    expect(wo.stageQty.cut).toBe(9);
    floor.do('cutting', cut('leg', 'M', 1));
    wo = floor.wo(BEAR.id, 'cutting');
    expect(wo.stageQty.cut).toBe(10);
    expect(readyToSend(wo)).toBe(10);
  });
});

describe('steps 230–250: shortage (design: closed by a person; no event of the floor ends a shortage)', () => {
  it('a shortage is a P2 alert of the cutting SPK that stays open until a cutting supervisor closes it; the operator only acknowledges', () => {
    const floor = new Floor([M]);
    const e = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 8, reason: 'fabric roll 3 m short' } });
    expect(floor.state.alert[e.id]).toMatchObject({ severity: 'P2', type: 'shortage', lineId: null, workOrderId: W('cutting'), status: 'raised' });
    expect(floor.wo(M.id, 'cutting')).toMatchObject({ shortageQty: 8, plannedQty: M.quantity });

    floor.cut(M, 10);
    expect(floor.state.alert[e.id]?.status).toBe('raised');
    floor.do('cutting', { type: 'alert.acknowledged', payload: { alertId: e.id } });
    const close = (signedBy: string): Action => ({ type: 'alert.closed', payload: { alertId: e.id, signedBy, note: 'PPIC issued a second roll' } });
    expectRefusedUnchanged(floor, 'cutting', close(operatorOf('cutting')), 'not_supervisor_or_qc');
    expectRefusedUnchanged(floor, 'sewing', close(supervisorOf('sewing')), 'wrong_department');
    floor.do('cutting', close(supervisorOf('cutting')));
    expect(floor.state.alert[e.id]).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
  });
});

describe('P3 and P4: pieces unaccounted for, and a plan revised (closed by a person once read)', () => {
  it('a discrepancy at acceptance is a P3 of the receiving SPK; an acceptance raises none; its department closes it', () => {
    const floor = new Floor([M]);
    floor.cut(M, 20);
    const before = Object.keys(floor.state.alert).length;
    expect(floor.accept(M, floor.send(M, 'cutting', 10), 'embroidery', 10).ok).toBe(true);
    expect(Object.keys(floor.state.alert)).toHaveLength(before);
    const t = floor.send(M, 'cutting', 10);
    const e = floor.do('embroidery', {
      type: 'transfer.discrepancy',
      payload: { transferId: t, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 7, reason: 'three bodies missing', lineId: lineOf('embroidery') },
    });
    expect(floor.state.alert[e.id]).toMatchObject({ severity: 'P3', type: 'transfer_discrepancy', lineId: null, workOrderId: W('embroidery'), status: 'raised' });
    expect(floor.state.alert[e.id]?.message).toContain('7 counted of 10 sent (3 missing)');
    const close = (signedBy: string): Action => ({ type: 'alert.closed', payload: { alertId: e.id, signedBy, note: 'found in the cutting bin' } });
    expectRefusedUnchanged(floor, 'cutting', close(supervisorOf('cutting')), 'wrong_department');
    expectRefusedUnchanged(floor, 'embroidery', close(operatorOf('embroidery')), 'not_supervisor_or_qc');
    floor.do('embroidery', close(supervisorOf('embroidery')));
    expect(floor.state.alert[e.id]).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
  });

  it('a surplus is a P4 of the cutting SPK saying the plan before and after', () => {
    const floor = new Floor([M]);
    const e = floor.do('cutting', { type: 'cutting.surplus', payload: { workOrderId: W('cutting'), surplusQty: 4, reason: 'fabric yield' } });
    expect(floor.state.alert[e.id]).toMatchObject({ severity: 'P4', type: 'surplus', lineId: null, workOrderId: W('cutting'), status: 'raised' });
    expect(floor.state.alert[e.id]?.message).toContain(`planned ${M.quantity} → ${M.quantity + 4}`);
  });
});

describe('embroidery: hand over to sewing (QT-09 LOCK)', () => {
  it('embroidery LOCKs only embroidered pieces, to sewing only, once; sewing counts them in', () => {
    const floor = new Floor([M]);
    floor.cut(M, 20);
    expect(floor.accept(M, floor.send(M, 'cutting', 20), 'embroidery', 20).ok).toBe(true);
    floor.do('embroidery', { type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty: 15, defectQty: 0 } });
    const lock = (transferId: string, quantity: number, to: Place = 'sewing', toWorkOrderId = W('sewing')): Action => ({
      type: 'transfer.created',
      payload: { transferId, workOrderId: W('embroidery'), toWorkOrderId, articleCode: M.articleCode, quantity, from: 'embroidery', to, lineId: lineOf('embroidery') },
    });
    expectRefusedUnchanged(floor, 'embroidery', lock(uuidv7(), 16), 'exceeds_available');
    expectRefusedUnchanged(floor, 'embroidery', lock(uuidv7(), 15, 'finishing', W('finishing')), 'not_next_on_route');

    const t = uuidv7();
    floor.do('embroidery', lock(t, 15));
    expect(floor.state.transfer[t]).toMatchObject({ status: 'locked', from: 'embroidery', to: 'sewing', receivingDepartment: 'sewing', quantity: 15, workOrderId: W('embroidery'), toWorkOrderId: W('sewing') });
    expect(floor.wo(M.id, 'embroidery')).toMatchObject({ sentQty: 15, transfersOut: [t] });
    expect(readyToSend(floor.wo(M.id, 'embroidery'))).toBe(0);
    expect(floor.wo(M.id, 'sewing').receivedQty).toBe(0);
    expectRefusedUnchanged(floor, 'embroidery', lock(t, 15), 'transfer_already_locked');

    expect(floor.accept(M, t, 'sewing', 15).ok).toBe(true);
    expect(floor.wo(M.id, 'sewing')).toMatchObject({ receivedQty: 15, status: 'received' });
  });
});

describe('offline acceptance from a slip: refused by code', () => {
  it('a slip for another SPK (wrong_work_order), skipping a department or from another MO (not_next_on_route), or for another article (article_mismatch)', () => {
    const other = mo(2);
    const floor = new Floor([M, other]);
    const slip: SlipCopy = { workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity: 30, from: 'cutting', to: 'embroidery', fromStationId: 'ST-CUT-1', payload: 'signed-slip' };
    const accept = (d: 'embroidery' | 'sewing', s: SlipCopy, toWorkOrderId = s.toWorkOrderId): Action => ({
      type: 'transfer.accepted',
      payload: { transferId: uuidv7(), workOrderId: s.workOrderId, toWorkOrderId, countedQty: 30, lineId: lineOf(d), slip: s },
    });
    expectRefusedUnchanged(floor, 'embroidery', accept('embroidery', { ...slip, toWorkOrderId: W('embroidery', other) }, W('embroidery')), 'wrong_work_order');
    expectRefusedUnchanged(floor, 'sewing', accept('sewing', { ...slip, toWorkOrderId: W('sewing'), to: 'sewing' }), 'not_next_on_route');
    expectRefusedUnchanged(floor, 'embroidery', accept('embroidery', { ...slip, workOrderId: W('cutting', other) }), 'not_next_on_route');
    expectRefusedUnchanged(floor, 'embroidery', accept('embroidery', { ...slip, articleCode: 'BUNNY-25' }), 'article_mismatch');
    floor.do('embroidery', accept('embroidery', slip));
    expect(floor.wo(M.id, 'embroidery').receivedQty).toBe(30);
  });
});

describe('competing claims', () => {
  it('settling a conflict that is not known here is refused (unknown_conflict)', () => {
    const floor = walkToSewing(M, 10);
    expectRefusedUnchanged(floor, 'sewing', { type: 'conflict.resolved', payload: { conflictId: uuidv7(), decision: 'void', supervisorId: supervisorOf('sewing'), note: 'the same bundle on two slips' } }, 'unknown_conflict');
  });
});

describe('sewing', () => {
  it('the back loop stitch takes only labelled pieces, and only back-loop-stitched pieces are handed to finishing', () => {
    const floor = walkToSewing(M, 20);
    const stage = (s: 'assembly' | 'labelling' | 'back_loop', goodQty: number): Action => ({
      type: 'sewing.stage',
      payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: s, goodQty, ...(s === 'labelling' ? { destinationLabel: M.destination } : {}) },
    });
    floor.do('sewing', stage('assembly', 20));
    floor.do('sewing', stage('labelling', 12));
    expectRefusedUnchanged(floor, 'sewing', stage('back_loop', 13), 'exceeds_available');
    floor.do('sewing', stage('back_loop', 12));
    expect(floor.wo(M.id, 'sewing').stageQty).toEqual({ assembly: 20, labelling: 12, back_loop: 12 });
    expectRefusedUnchanged(floor, 'sewing', stage('back_loop', 1), 'exceeds_available');
    expect(() => floor.send(M, 'sewing', 13)).toThrow(/exceeds_available/);
    floor.send(M, 'sewing', 12);
    expect(floor.wo(M.id, 'sewing').sentQty).toBe(12);
  });

  it("inline QC at stage 'final' is QC of the department's last stage (sewing: back loop stitch; finishing: converted)", () => {
    const floor = walkToFinishing(M, 20);
    floor.verify('pass');
    floor.detectPass(M, 20);
    floor.do('finishing', convert(5));
    floor.do('finishing', inlineQc('finishing', 'final', 'scrap', 1));
    expect(floor.wo(M.id, 'finishing')).toMatchObject({ stageQty: { converted: 4, metal_detected: 20 }, scrappedQty: 1, qc: { converted: { pass: 0, rework: 0, scrap: 1 } } });

    const R2 = mo(3, { route: 'R2' });
    const sew = new Floor([R2]);
    cutAndSew(sew, R2, 10);
    sew.do('sewing', inlineQc('sewing', 'final', 'pass', 7, R2));
    sew.do('sewing', inlineQc('sewing', 'final', 'scrap', 2, R2));
    expect(sew.wo(R2.id, 'sewing')).toMatchObject({ stageQty: { assembly: 10, labelling: 10, back_loop: 8 }, scrappedQty: 2, qc: { back_loop: { pass: 7, rework: 0, scrap: 2 } } });
    expect(readyToSend(sew.wo(R2.id, 'sewing'))).toBe(8);
  });

  it('inline QC cannot scrap pieces quarantined for a broken needle: the hold never counts more pieces than there are', () => {
    const floor = walkToSewing(M, 20);
    floor.sew(M, 20);
    const e = floor.do('sewing', needle(M, 20));
    expect(floor.wo(M.id, 'sewing').heldQty).toBe(20);
    const msg = expectRefusedUnchanged(floor, 'sewing', inlineQc('sewing', 'final', 'scrap', 2), 'exceeds_available');
    expect(msg).toContain('on hold');
    expectRefusedUnchanged(floor, 'sewing', inlineQc('sewing', 'assembly', 'scrap', 1), 'exceeds_available');
    // The supervisor's re-inspection decides them: 18 passed, 2 rejected (scrapped).
    floor.do('sewing', releaseHold(e.id, W('sewing'), 18, 2));
    expect(floor.wo(M.id, 'sewing')).toMatchObject({ heldQty: 0, scrappedQty: 2 });
    floor.send(M, 'sewing', 18);
  });

  it('embroidery defects cannot take pieces quarantined for a broken needle at embroidery', () => {
    const floor = new Floor([M]);
    floor.cut(M, 10);
    expect(floor.accept(M, floor.send(M, 'cutting', 10), 'embroidery', 10).ok).toBe(true);
    const e = floor.do('embroidery', { type: 'needle.broken', payload: { lineId: lineOf('embroidery'), machineId: 'EM-02', workOrderId: W('embroidery'), allFragmentsFound: false, needleExchanged: true, supervisorId: supervisorOf('embroidery'), piecesInProcess: 10 } });
    const output = (goodQty: number, defectQty: number): Action => ({ type: 'embroidery.output', payload: { workOrderId: W('embroidery'), lineId: lineOf('embroidery'), goodQty, defectQty, defectReason: 'thread break' } });
    expectRefusedUnchanged(floor, 'embroidery', output(0, 2), 'exceeds_available');
    floor.do('embroidery', { type: 'hold.released', payload: { holdId: e.id, supervisorId: supervisorOf('embroidery'), results: [{ workOrderId: W('embroidery'), passedQty: 10, rejectedQty: 0 }] } });
    floor.do('embroidery', output(8, 2));
    expect(floor.wo(M.id, 'embroidery')).toMatchObject({ heldQty: 0, scrappedQty: 2, stageQty: { embroidered: 8 } });
  });

  it('a broken needle naming more pieces in process than the SPK has is refused (exceeds_available) and quarantines nothing', () => {
    const floor = walkToSewing(M, 20);
    floor.sew(M, 10);
    const msg = expectRefusedUnchanged(floor, 'sewing', needle(M, 21), 'exceeds_available');
    expect(msg).toContain('20 pieces in process');
    floor.do('sewing', needle(M, 12));
    // 12 quarantined: only 8 more are still free to name.
    expectRefusedUnchanged(floor, 'sewing', needle(M, 9), 'exceeds_available');
    expect(floor.wo(M.id, 'sewing').heldQty).toBe(12);
  });

  it('quarantined pieces leave sewing only after the supervisor releases them, and none becomes a finished good before it passed the detector', () => {
    const floor = walkToSewing(M, 10);
    floor.sew(M, 10);
    const e = floor.do('sewing', needle(M, 10));
    expect(() => floor.send(M, 'sewing', 1)).toThrow(/exceeds_available/);
    floor.do('sewing', releaseHold(e.id, W('sewing'), 10));
    expect(floor.accept(M, floor.send(M, 'sewing', 10), 'finishing', 10).ok).toBe(true);
    floor.finish(M, 10);
    floor.verify('pass');
    expectRefusedUnchanged(floor, 'finishing', convert(1), 'exceeds_available');
    floor.detectPass(M, 10);
    floor.do('finishing', convert(10));
    expect(floor.wo(M.id, 'finishing').stageQty).toMatchObject({ metal_detected: 10, converted: 10 });
  });

  it('segregation (design): the acknowledgement is the signed record; what keeps goods apart is the receiving line, which refuses another article until cleared, acknowledged or not', () => {
    const A = mo(50, { route: 'R2', articleCode: 'BEAR-30' });
    const B = mo(51, { route: 'R2', articleCode: 'BUNNY-25' });
    const floor = new Floor([A, B]);
    cutAndSew(floor, A, 10);
    // No acknowledgement for A: its handover to finishing goes through (the event is a record, not a gate).
    expect(floor.accept(A, floor.send(A, 'sewing', 10), 'finishing', 10).ok).toBe(true);

    floor.cut(B, 10);
    const tB1 = floor.send(B, 'cutting', 10);
    clearLine(floor, 'sewing');
    expect(floor.accept(B, tB1, 'sewing', 10).ok).toBe(true);
    floor.sew(B, 10);
    floor.do('sewing', { type: 'segregation.acknowledged', payload: { lineId: lineOf('sewing'), workOrderId: W('sewing', B), checklist: CHECKED } });
    const tB2 = floor.send(B, 'sewing', 10);
    const r = floor.accept(B, tB2, 'finishing', 10);
    expect(r.ok ? 'ok' : r.refusal.code).toBe('line_not_cleared');
    clearLine(floor, 'finishing');
    expect(floor.accept(B, tB2, 'finishing', 10).ok).toBe(true);
  });
});

describe('finishing', () => {
  const R2 = mo(70, { route: 'R2', quantity: 10 });
  /** R2's 10 pieces sewn and LOCKed to finishing; returns the floor and the transfer. */
  function sentToFinishing(): { floor: Floor; t: string } {
    const floor = new Floor([R2]);
    cutAndSew(floor, R2, 10);
    return { floor, t: floor.send(R2, 'sewing', 10) };
  }
  const count = (t: string, countedQty: number, reason?: string): Action => {
    const base = { transferId: t, workOrderId: W('sewing', R2), toWorkOrderId: W('finishing', R2), countedQty, lineId: lineOf('finishing') };
    return reason === undefined ? { type: 'transfer.accepted', payload: base } : { type: 'transfer.discrepancy', payload: { ...base, reason } };
  };

  it('finishing records a discrepancy on the goods from sewing: a different count needs one, an equal count is an acceptance, more than sent is refused', () => {
    const { floor, t } = sentToFinishing();
    expectRefusedUnchanged(floor, 'finishing', count(t, 9), 'count_mismatch');
    expectRefusedUnchanged(floor, 'finishing', count(t, 10, 'recounted'), 'count_mismatch');
    expectRefusedUnchanged(floor, 'finishing', count(t, 11, 'one extra in the trolley'), 'count_exceeds_sent');
    floor.do('finishing', count(t, 9, 'one piece missing from the trolley'));
    expect(floor.state.transfer[t]).toMatchObject({ status: 'discrepancy', quantity: 10, countedQty: 9, discrepancyReason: 'one piece missing from the trolley', acceptedBy: operatorOf('finishing') });
    expect(floor.wo(R2.id, 'finishing')).toMatchObject({ receivedQty: 9, status: 'received' });
    expect(floor.wo(R2.id, 'sewing').sentQty).toBe(10);
    expect(floor.state.line[lineOf('finishing')]?.occupant).toMatchObject({ workOrderId: W('finishing', R2) });
    expectRefusedUnchanged(floor, 'finishing', count(t, 9, 'again'), 'transfer_already_accepted');
    // Only what was counted in is worked on.
    expectRefusedUnchanged(floor, 'finishing', { type: 'finishing.step', payload: { workOrderId: W('finishing', R2), lineId: lineOf('finishing'), step: 'stuffing', qty: 10 } }, 'exceeds_available');
  });

  it('stuffing, closing and grooming go in order: no step takes more than the one before finished, nor the detector more than was groomed', () => {
    const { floor, t } = sentToFinishing();
    floor.do('finishing', count(t, 10));
    const step = (s: 'stuffing' | 'closing' | 'grooming', qty: number): Action => ({ type: 'finishing.step', payload: { workOrderId: W('finishing', R2), lineId: lineOf('finishing'), step: s, qty } });
    expectRefusedUnchanged(floor, 'finishing', step('closing', 1), 'exceeds_available');
    floor.do('finishing', step('stuffing', 8));
    expectRefusedUnchanged(floor, 'finishing', step('closing', 9), 'exceeds_available');
    floor.do('finishing', step('closing', 8));
    floor.do('finishing', step('grooming', 5));
    expectRefusedUnchanged(floor, 'finishing', step('grooming', 4), 'exceeds_available');
    floor.verify('pass');
    expectRefusedUnchanged(floor, 'finishing', { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: W('finishing', R2), deviceId: 'MD01', count: 6 } }, 'exceeds_available', null);
    floor.detectPass(R2, 5);
    expect(floor.wo(R2.id, 'finishing').stageQty).toEqual({ stuffing: 8, closing: 8, grooming: 5, metal_detected: 5 });
  });

  it("lot end (design): a lot's end-of-lot check is the next lot's start check; when it fails, what the ended lot ran since the last pass goes on hold", () => {
    const A = mo(40, { route: 'R2', quantity: 10 });
    const B = mo(41, { route: 'R2', quantity: 10 });
    const floor = new Floor([A, B]);
    for (const m of [A, B]) cutAndSew(floor, m, 10);
    expect(floor.accept(A, floor.send(A, 'sewing', 10), 'finishing', 10).ok).toBe(true);
    floor.finish(A, 10);
    floor.verify('pass');
    floor.detectPass(A, 10);
    expect(floor.wo(A.id, 'finishing').heldQty).toBe(0);
    floor.do('finishing', convert(4, A));
    // B (same article and destination) enters: A's lot ended, a verification is due before anything more is released.
    expect(floor.accept(B, floor.send(B, 'sewing', 10), 'finishing', 10).ok).toBe(true);
    expect(floor.state.line[lineOf('finishing')]?.verification.status).toBe('due');
    const fail = floor.verify('fail');
    expect(floor.state.hold[fail.id]).toMatchObject({ reason: 'verification_failed', items: { [W('finishing', A)]: 10 }, status: 'open' });
    expect(() => floor.send(A, 'finishing', 1)).toThrow(/exceeds_available/);
  });

  it('an overdue report from the station timer only ever holds more: honoured even when the line was verified minutes ago', () => {
    const floor = walkToFinishing(M, 10);
    floor.verify('pass');
    floor.detectPass(M, 5);
    const e = floor.do('finishing', { type: 'md.verificationOverdue', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', dueAtMs: Date.UTC(2026, 10, 21, 23) } }, null);
    expect(floor.state.hold[e.id]?.items).toEqual({ [W('finishing')]: 5 });
    expect(floor.state.line[lineOf('finishing')]?.verification.status).toBe('due');
    floor.detectPass(M, 5);
    expect(floor.wo(M.id, 'finishing').heldQty).toBe(10);
  });

  it('inline QC cannot scrap converted pieces that a failed verification put on hold', () => {
    const floor = walkToFinishing(M, 30);
    floor.verify('pass');
    floor.detectPass(M, 30);
    floor.do('finishing', convert(10));
    const fail = floor.verify('fail');
    expect(floor.wo(M.id, 'finishing').heldQty).toBe(30);
    expectRefusedUnchanged(floor, 'finishing', inlineQc('finishing', 'final', 'scrap', 2), 'exceeds_available');
    floor.do('finishing', releaseHold(fail.id, W('finishing'), 28, 2));
    const wo = floor.wo(M.id, 'finishing');
    expect(wo).toMatchObject({ heldQty: 0, scrappedQty: 2 });
    expect(readyToSend(wo)).toBe(10);
  });
});

describe('packing', () => {
  const P = mo(80, { route: 'R2', quantity: 10, destination: 'DE-DC1', shipWeek: '2026-W50' });
  const PCK = W('packing', P);
  /** P's 10 pieces accepted at packing. */
  function atPacking(m = P, floor = new Floor([m])): Floor {
    expect(floor.accept(m, walkToPackingLock(floor, m, 10), 'packing', 10).ok).toBe(true);
    return floor;
  }
  const sorted = (destination: string, shipWeek: string, qty = 10, workOrderId = PCK): Action => ({ type: 'packing.sorted', payload: { workOrderId, destination, shipWeek, qty } });
  const carton = (n: number, destination: string, shipWeek: string, qty: number, workOrderId = PCK): Action => ({
    type: 'packing.carton',
    payload: { workOrderId, lineId: lineOf('packing'), sscc: makeSscc(0, '0123456', n), destination, shipWeek, qty },
  });

  it('sorting for another destination or ship week is refused (destination_mismatch) and sorts nothing', () => {
    const floor = atPacking();
    expectRefusedUnchanged(floor, 'packing', sorted('US-DC2', P.shipWeek), 'destination_mismatch');
    expectRefusedUnchanged(floor, 'packing', sorted(P.destination, '2026-W51'), 'destination_mismatch');
    floor.do('packing', sorted(P.destination, P.shipWeek));
    expect(floor.wo(P.id, 'packing').stageQty.sorted).toBe(10);
  });

  it('a carton for another destination or ship week is refused (destination_mismatch) and packs nothing', () => {
    const floor = atPacking();
    floor.do('packing', sorted(P.destination, P.shipWeek));
    expectRefusedUnchanged(floor, 'packing', carton(1, 'US-DC2', P.shipWeek, 6), 'destination_mismatch');
    expectRefusedUnchanged(floor, 'packing', carton(1, P.destination, '2026-W49', 6), 'destination_mismatch');
    floor.do('packing', carton(1, P.destination, P.shipWeek, 6));
    expect(floor.wo(P.id, 'packing')).toMatchObject({ cartons: [makeSscc(0, '0123456', 1)], stageQty: { packed: 6 } });
  });

  it('an order for two destinations is two MOs (a PPIC split): every work order carries its one MO\'s destination and week, and packing refuses a carton for the other', () => {
    const US = mo(81, { route: 'R2', quantity: 10, destination: 'US-DC2', shipWeek: '2026-W51' });
    for (const m of [P, US]) {
      for (const route of Object.keys(ROUTES) as (keyof typeof ROUTES)[]) {
        const wos = fanOut({ ...m, route });
        expect(new Set(wos.map((w) => `${w.destination}/${w.shipWeek}`))).toEqual(new Set([`${m.destination}/${m.shipWeek}`]));
      }
    }
    const floor = new Floor([P, US]);
    atPacking(P, floor);
    floor.do('packing', sorted(P.destination, P.shipWeek));
    expectRefusedUnchanged(floor, 'packing', sorted(US.destination, US.shipWeek, 1), 'destination_mismatch');
    expectRefusedUnchanged(floor, 'packing', carton(2, US.destination, US.shipWeek, 5), 'destination_mismatch');
    floor.do('packing', carton(2, P.destination, P.shipWeek, 10));
  });

  it('a final inspection finding more defects than it sampled is refused (exceeds_available); a failed one keeps the order open', () => {
    const floor = atPacking();
    floor.do('packing', sorted(P.destination, P.shipWeek));
    floor.do('packing', carton(3, P.destination, P.shipWeek, 10));
    const inspect = (result: 'pass' | 'fail', sampleSize: number, defectsFound: number): Action => ({ type: 'packing.finalInspection', payload: { workOrderId: PCK, result, sampleSize, defectsFound } });
    expectRefusedUnchanged(floor, 'packing', inspect('fail', 5, 6), 'exceeds_available');
    floor.do('packing', inspect('fail', 5, 5));
    expectRefusedUnchanged(floor, 'packing', { type: 'packing.completed', payload: { workOrderId: PCK } }, 'not_ready');
    floor.do('packing', inspect('pass', 8, 0));
    floor.do('packing', { type: 'packing.completed', payload: { workOrderId: PCK } });
    expect(floor.wo(P.id, 'packing').status).toBe('closed');
  });

  it('after a short close the pieces left upstream stay where they are (for PPIC\'s follow-up order): no handover into the closed packing SPK', () => {
    const Q = mo(82, { route: 'R2', quantity: 20 });
    const floor = new Floor([Q]);
    expect(floor.accept(Q, walkToPackingLock(floor, Q, 10), 'packing', 10).ok).toBe(true);
    cutAndSew(floor, Q, 10);
    expect(floor.accept(Q, floor.send(Q, 'sewing', 10), 'finishing', 10).ok).toBe(true);
    floor.finish(Q, 10);
    floor.detectPass(Q, 10);
    floor.do('finishing', convert(10, Q));

    const pck = W('packing', Q);
    floor.do('packing', sorted(Q.destination, Q.shipWeek, 10, pck));
    floor.do('packing', carton(4, Q.destination, Q.shipWeek, 10, pck));
    floor.do('packing', { type: 'packing.finalInspection', payload: { workOrderId: pck, result: 'pass', sampleSize: 5, defectsFound: 0 } });
    floor.do('packing', { type: 'packing.shortClosed', payload: { workOrderId: pck, supervisorId: supervisorOf('packing'), reason: 'ship week closes; rest on a follow-up MO' } });
    expect(floor.wo(Q.id, 'packing')).toMatchObject({ status: 'closed', shortClose: { packedQty: 10, shortQty: 10, upstreamQty: 10 } });

    const handover: Action = {
      type: 'transfer.created',
      payload: { transferId: uuidv7(), workOrderId: W('finishing', Q), toWorkOrderId: pck, articleCode: Q.articleCode, quantity: 10, from: 'finishing', to: 'packing', lineId: lineOf('finishing') },
    };
    expectRefusedUnchanged(floor, 'finishing', handover, 'work_order_closed');
    expect(floor.wo(Q.id, 'finishing')).toMatchObject({ sentQty: 10, stageQty: { converted: 20 } });
  });
});

describe('operator login', () => {
  it('logging in is accepted and changes nothing; an unknown operator, one of another department or nobody is refused', () => {
    const floor = new Floor([M]);
    const login: Action = { type: 'operator.login', payload: { method: 'badge_pin' } };
    expectAcceptedNoChange(floor, 'cutting', login);
    expectAcceptedNoChange(floor, 'cutting', login, 'OP-ADMIN');
    expectRefusedUnchanged(floor, 'cutting', login, 'unknown_operator', 'OP-NOBODY');
    expectRefusedUnchanged(floor, 'cutting', login, 'not_authorised', operatorOf('sewing'));
    expectRefusedUnchanged(floor, 'cutting', login, 'not_logged_in', null);
  });
});
