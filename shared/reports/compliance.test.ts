import { describe, expect, it } from 'vitest';
import type { HoldDoc } from '../docs';
import type { Action, FloorEvent } from '../events';
import { EventFactory, lineOf, verificationRun } from '../testing/fixtures';
import { batchEvents, complianceReport } from './compliance';

let now = Date.UTC(2026, 11, 5, 1);
const f = new EventFactory(() => (now += 1000));
const FIN = lineOf('finishing');
const OTHER_LINE = lineOf('finishing', 2);
const MINE = ['MO-2026-0001-SEW', 'MO-2026-0001-FIN'];
const FIN_WO = 'MO-2026-0001-FIN';
const THEIRS = 'MO-2026-0009-FIN';
const fin = (a: Action, op: string | null = 'OP-FIN1') => f.at('finishing', a, op);
const pass = (workOrderId: string, count: number, lineId = FIN): Action => ({ type: 'md.pass', payload: { lineId, workOrderId, deviceId: 'MD01', count } });
const detection = (workOrderId?: string, lineId = FIN): Action => ({ type: 'md.detection', payload: { lineId, deviceId: 'MD01', metal: 'fe', ...(workOrderId ? { workOrderId } : {}) } });

/** A finishing line's day: another batch, then ours bracketed by verifications, a halt released, then another batch. */
function day() {
  const e: Record<string, FloorEvent> = {};
  e.earlyVerification = fin(verificationRun(FIN), null);
  e.theirPass = fin(pass(THEIRS, 5));
  e.verificationBefore = fin(verificationRun(FIN), null);
  e.sewQc = f.at('sewing', { type: 'qc.inline', payload: { workOrderId: 'MO-2026-0001-SEW', lineId: lineOf('sewing'), stage: 'assembly', result: 'rework', qty: 2, defectReason: 'open seam' } });
  e.myPass = fin(pass(FIN_WO, 10));
  e.reject = fin(detection(FIN_WO), null);
  e.secondReject = fin(detection(), null);
  e.release = fin({ type: 'line.released', payload: { lineId: FIN, haltId: '', supervisorId: 'OP-FINSV', disposition: 'metal_found', correctiveAction: 'needle fragment removed, piece destroyed' } }, 'OP-FINSV');
  e.fault = fin({ type: 'md.fault', payload: { lineId: FIN, deviceId: 'MD01', bits: 4, description: 'coil drift' } }, null);
  e.theirReject = fin(detection(THEIRS), null);
  e.myLastPass = fin(pass(FIN_WO, 3));
  e.physicalQc = fin({ type: 'finishing.physicalQc', payload: { workOrderId: FIN_WO, lineId: FIN, result: 'pass', qty: 13 } });
  e.verificationAfter = fin(verificationRun(FIN), null);
  e.lateFault = fin({ type: 'md.fault', payload: { lineId: FIN, deviceId: 'MD01', bits: 8, description: 'after the batch' } }, null);
  e.lateVerification = fin(verificationRun(FIN), null);
  e.otherLine = fin(verificationRun(OTHER_LINE), null);
  // The release names the halt it ends (the first reject's event id).
  const release = e.release as FloorEvent & { type: 'line.released' };
  e.release = { ...release, payload: { ...release.payload, haltId: (e.reject as FloorEvent).id } };
  return e;
}

describe('batch compliance: what belongs to the MO', () => {
  const e = day();
  const all = Object.values(e);

  it("its SPKs' QC and detector records, and each line's detector records from the verification before to the one after", () => {
    const chosen = batchEvents(new Set(MINE), all, new Set()).map((x) => x.id);
    const expected = ['verificationBefore', 'sewQc', 'myPass', 'reject', 'secondReject', 'release', 'fault', 'myLastPass', 'physicalQc', 'verificationAfter'];
    expect(chosen).toEqual(expected.map((k) => e[k]!.id));
    // Not: the earlier verification, the other batch's pass and reject, what came after the closing verification, another line.
  });

  it('a batch with no passing verification after it runs to the end of the line’s records', () => {
    const cut = all.filter((x) => x !== e.verificationAfter && x !== e.lateVerification);
    const chosen = batchEvents(new Set(MINE), cut, new Set()).map((x) => x.id);
    expect(chosen).toContain(e.lateFault!.id);
  });

  it('a report: records by time, halts with their disposition, per-SPK sums, verifications counted', () => {
    const hold: HoldDoc = {
      kind: 'hold', id: '0190b1c2-0000-7000-8000-0000000000aa', lineId: FIN, reason: 'verification_failed', items: { [FIN_WO]: 4, [THEIRS]: 2 },
      status: 'open', createdEventId: e.fault!.id, createdAt: e.fault!.hlc, releasedBy: null, releasedEventId: null,
    };
    const notOurs: HoldDoc = { ...hold, id: '0190b1c2-0000-7000-8000-0000000000bb', items: { [THEIRS]: 9 } };
    const r = complianceReport(MINE, all, [hold, notOurs]);
    expect(r.records.map((x) => x.kind)).toEqual(['verification', 'qc', 'detector_pass', 'detector_reject', 'detector_reject', 'halt_released', 'detector_fault', 'hold', 'detector_pass', 'physical_qc', 'verification']);
    expect(r.records.find((x) => x.kind === 'hold')).toMatchObject({ workOrderId: FIN_WO, qty: 4, result: 'open', lineId: FIN });
    expect(r.records.find((x) => x.kind === 'halt_released')).toMatchObject({ result: 'metal_found', operatorId: 'OP-FINSV' });
    expect(r.halts).toEqual([
      { haltId: e.reject!.id, lineId: FIN, atMs: expect.any(Number), cause: 'detection', detections: 2, disposition: 'metal_found', correctiveAction: 'needle fragment removed, piece destroyed', releasedBy: 'OP-FINSV', releasedAtMs: expect.any(Number) },
    ]);
    expect(r.spks).toEqual([
      { workOrderId: 'MO-2026-0001-SEW', qcPass: 0, qcRework: 2, qcScrap: 0, detectorPasses: 0, detectorRejects: 0, heldQty: 0, stillHeldQty: 0 },
      { workOrderId: FIN_WO, qcPass: 13, qcRework: 0, qcScrap: 0, detectorPasses: 13, detectorRejects: 1, heldQty: 4, stillHeldQty: 4 },
    ]);
    expect(r.verifications).toEqual({ pass: 2, fail: 0, overdue: 0 });
    const times = r.records.map((x) => x.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("a halt not yet released shows no disposition; a hold's release counts our pieces only", () => {
    const open = all.filter((x) => x !== e.release);
    const holdId = '0190b1c2-0000-7000-8000-0000000000cc';
    const released = fin({ type: 'hold.released', payload: { holdId, supervisorId: 'OP-FINSV', results: [{ workOrderId: FIN_WO, passedQty: 3, rejectedQty: 1 }, { workOrderId: THEIRS, passedQty: 5, rejectedQty: 0 }] } }, 'OP-FINSV');
    const r = complianceReport(MINE, [...open, released], []);
    expect(r.halts[0]).toMatchObject({ disposition: null, releasedBy: null });
    expect(r.records.at(-1)).toMatchObject({ kind: 'hold_released', qty: 4, operatorId: 'OP-FINSV' });
    expect(r.records.at(-1)?.detail).not.toContain(THEIRS);
  });

  it('an MO with no records has an empty report', () => {
    const r = complianceReport(['MO-2026-0042-FIN'], all, []);
    expect(r.records).toEqual([]);
    expect(r.halts).toEqual([]);
    expect(r.spks[0]).toMatchObject({ workOrderId: 'MO-2026-0042-FIN', detectorPasses: 0 });
  });
});
