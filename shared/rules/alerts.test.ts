/**
 * An alert's life: raised → acknowledged → investigating → closed, each step with who, when and a note, by role
 * (operators acknowledge; supervisors and QC inspectors investigate and close; an open P1 is never closed by an
 * operator), and closed by the rules, with the reason, when its cause is gone (verification passed, line released,
 * hold released).
 */
import { describe, expect, it } from 'vitest';
import { AlertDocSchema, type AlertDoc, type FloorState } from '../docs';
import { parseAction, type Action } from '../events';
import { fixtureOperators, fixtureStations, lineOf, mo, operatorOf, supervisorOf } from '../testing/fixtures';
import { masterData, workOrderIdFor, type Department } from '../master';
import { Floor } from '../testing/flow';

const M = mo(1, { route: 'R2', quantity: 60 });
const W = (d: Department) => workOrderIdFor(M.id, d);
const QC = 'OP-FINQC';
const QC_SEWING = 'OP-SEWQC';
const master = masterData({
  operators: [
    ...fixtureOperators(),
    { id: QC, name: 'finishing QC', roles: ['qc_inspector'], departments: ['finishing'], pinHash: 'scrypt$test', active: true },
    { id: QC_SEWING, name: 'sewing QC', roles: ['qc_inspector'], departments: ['sewing'], pinHash: 'scrypt$test', active: true },
  ],
  stations: fixtureStations(),
});

const acknowledge = (alertId: string, note?: string): Action => ({ type: 'alert.acknowledged', payload: { alertId, ...(note === undefined ? {} : { note }) } });
const investigate = (alertId: string, signedBy: string, note = 'checking the detector belt'): Action => ({ type: 'alert.investigating', payload: { alertId, signedBy, note } });
const close = (alertId: string, signedBy: string, note = 'belt cleaned, test pieces detected'): Action => ({ type: 'alert.closed', payload: { alertId, signedBy, note } });
const code = (r: { ok: boolean; refusal?: { code: string } }) => (r.ok ? 'ok' : r.refusal?.code);

/** 60 pieces at finishing, through its three steps; the clock is the test's. */
function atFinishing(clock = { now: Date.UTC(2026, 10, 21, 8) }): Floor {
  const floor = new Floor([M], master, () => clock.now);
  floor.cut(M, 60);
  expect(floor.accept(M, floor.send(M, 'cutting', 60), 'sewing', 60).ok).toBe(true);
  floor.sew(M, 60);
  expect(floor.accept(M, floor.send(M, 'sewing', 60), 'finishing', 60).ok).toBe(true);
  floor.finish(M, 60);
  return floor;
}

const alertOf = (floor: Floor, id: string): AlertDoc => {
  const a = floor.state.alert[id];
  if (!a) throw new Error(`no alert ${id}`);
  return a;
};
const openOnLine = (state: FloorState, lineId: string) => Object.values(state.alert).filter((a) => a.lineId === lineId && a.status !== 'closed').map((a) => a.id).sort();

describe('alert lifecycle', () => {
  it('goes raised → acknowledged → investigating → closed, each step with who, when and the note', () => {
    const floor = atFinishing();
    const shortage = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 4, reason: 'fabric roll short' } });
    expect(alertOf(floor, shortage.id)).toMatchObject({ status: 'raised', steps: [], closedEventId: null, closedBecause: null });

    const ack = floor.do('cutting', acknowledge(shortage.id, 'seen, calling the supervisor'));
    const inv = floor.do('cutting', investigate(shortage.id, supervisorOf('cutting'), 'checking the warehouse'));
    const done = floor.do('cutting', close(shortage.id, supervisorOf('cutting'), 'PPIC revised the order to 56'));
    expect(alertOf(floor, shortage.id)).toMatchObject({
      status: 'closed',
      closedEventId: done.id,
      closedBecause: 'closed_by_hand',
      steps: [
        { status: 'acknowledged', by: operatorOf('cutting'), at: ack.hlc, eventId: ack.id, note: 'seen, calling the supervisor' },
        { status: 'investigating', by: supervisorOf('cutting'), at: inv.hlc, eventId: inv.id, note: 'checking the warehouse' },
        { status: 'closed', by: supervisorOf('cutting'), at: done.hlc, eventId: done.id, note: 'PPIC revised the order to 56' },
      ],
    });
    // A note is required to investigate and to close (the schema, before any rule); acknowledging needs none.
    expect(parseAction(investigate(shortage.id, supervisorOf('cutting'), '')).ok).toBe(false);
    expect(parseAction(close(shortage.id, supervisorOf('cutting'), ' ')).ok).toBe(false);
    expect(parseAction(acknowledge(shortage.id)).ok).toBe(true);
  });

  it('operators acknowledge but never investigate or close; a supervisor or QC inspector of the department may', () => {
    const floor = atFinishing();
    floor.verify('pass');
    const fault = floor.do('finishing', { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 0x12, description: 'belt motor overload' } }, null);
    expect(code(floor.try('finishing', investigate(fault.id, operatorOf('finishing'))))).toBe('not_supervisor_or_qc');
    expect(code(floor.try('finishing', close(fault.id, operatorOf('finishing'))))).toBe('not_supervisor_or_qc');
    expect(code(floor.try('finishing', investigate(fault.id, QC_SEWING)))).toBe('not_supervisor_or_qc');
    expect(code(floor.try('finishing', investigate(fault.id, supervisorOf('sewing'))))).toBe('not_supervisor_or_qc');
    expect(alertOf(floor, fault.id).status).toBe('raised');
    // Investigating without an acknowledgement first is fine: the supervisor walked up.
    floor.do('finishing', investigate(fault.id, QC));
    floor.do('finishing', close(fault.id, QC));
    expect(alertOf(floor, fault.id)).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
  });

  it("an open P1 is never closed by an operator; a halt's alert closes only with the line's release, which closes it", () => {
    const floor = atFinishing();
    const det = floor.do('finishing', { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'fe' } }, null);
    expect(alertOf(floor, det.id)).toMatchObject({ severity: 'P1', status: 'raised' });
    floor.do('finishing', acknowledge(det.id));
    expect(code(floor.try('finishing', close(det.id, operatorOf('finishing'))))).toBe('not_supervisor_or_qc');
    floor.do('finishing', investigate(det.id, supervisorOf('finishing'), 'metal found in a bear, destroyed'));
    // Closing it by hand would leave the line halted with no open alert: the release closes it.
    expect(code(floor.try('finishing', close(det.id, supervisorOf('finishing'))))).toBe('alert_cause_active');
    expect(alertOf(floor, det.id).status).toBe('investigating');
    const rel = floor.do('finishing', { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId: det.id, supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle found in the bear; bear destroyed' } });
    expect(alertOf(floor, det.id)).toMatchObject({ status: 'closed', closedEventId: rel.id, closedBecause: 'line_released' });
    expect(alertOf(floor, det.id).steps?.at(-1)).toEqual({ status: 'closed', by: supervisorOf('finishing'), at: rel.hlc, eventId: rel.id, note: 'needle found in the bear; bear destroyed' });
    expect(floor.state.line[lineOf('finishing')]?.alerts ?? []).toEqual([]);
  });

  it('steps out of order, a closed or unknown alert and an alert of another line are refused, changing nothing', () => {
    const floor = atFinishing();
    floor.verify('pass');
    const fault = floor.do('finishing', { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 0x1, description: 'sensitivity drift' } }, null);
    floor.do('finishing', acknowledge(fault.id));
    const refused = (d: Department, a: Action) => {
      const before = floor.state;
      const r = floor.try(d, a);
      expect(floor.state).toBe(before);
      return code(r);
    };
    expect(refused('finishing', acknowledge(fault.id))).toBe('alert_out_of_order');
    floor.do('finishing', investigate(fault.id, supervisorOf('finishing')));
    expect(refused('finishing', investigate(fault.id, supervisorOf('finishing')))).toBe('alert_out_of_order');
    expect(refused('finishing', acknowledge(fault.id))).toBe('alert_out_of_order');
    expect(refused('sewing', acknowledge(fault.id))).toBe('wrong_line');
    floor.do('finishing', close(fault.id, supervisorOf('finishing')));
    expect(refused('finishing', acknowledge(fault.id))).toBe('alert_closed');
    expect(refused('finishing', close(fault.id, supervisorOf('finishing')))).toBe('alert_closed');
    expect(refused('finishing', acknowledge('01936f5e-0000-7000-8000-00000000dead'))).toBe('unknown_alert');
    // An alert without a line belongs to its work order's department.
    const shortage = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 1, reason: 'one short' } });
    expect(refused('sewing', acknowledge(shortage.id))).toBe('wrong_department');
  });

  it("the walk's two P2 \"verification overdue\" alerts close by themselves once the check passed and their holds are released", () => {
    const clock = { now: Date.UTC(2026, 10, 21, 8) };
    const floor = atFinishing(clock);
    const LINE = lineOf('finishing');
    // Pieces through a detector never verified: held, P2 #1.
    floor.detectPass(M, 10);
    const [first] = openOnLine(floor.state, LINE);
    expect(alertOf(floor, first ?? '')).toMatchObject({ type: 'verification_overdue', status: 'raised' });
    floor.verify('pass');
    // Verified, but its pieces are still on hold: the alert stays until they are re-inspected.
    expect(alertOf(floor, first ?? '').status).toBe('raised');
    // An hour and more later, without a new verification: held again, P2 #2.
    clock.now += 61 * 60_000;
    floor.detectPass(M, 10);
    const second = openOnLine(floor.state, LINE).find((id) => id !== first) ?? '';
    expect(alertOf(floor, second)).toMatchObject({ type: 'verification_overdue', status: 'raised' });
    floor.verify('pass');
    expect(openOnLine(floor.state, LINE)).toEqual([first, second].sort());

    const holds = Object.values(floor.state.hold).filter((h) => h.status === 'open');
    expect(holds).toHaveLength(2);
    const release = (holdId: string) =>
      floor.do('finishing', { type: 'hold.released', payload: { holdId, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: W('finishing'), passedQty: 10, rejectedQty: 0 }] } });
    const r1 = release(alertOf(floor, first ?? '').holdId ?? '');
    expect(alertOf(floor, first ?? '')).toMatchObject({ status: 'closed', closedEventId: r1.id, closedBecause: 'hold_released' });
    expect(alertOf(floor, first ?? '').steps?.at(-1)).toMatchObject({ status: 'closed', by: supervisorOf('finishing'), eventId: r1.id });
    expect(alertOf(floor, second).status).toBe('raised');
    const r2 = release(alertOf(floor, second).holdId ?? '');
    expect(alertOf(floor, second)).toMatchObject({ status: 'closed', closedEventId: r2.id, closedBecause: 'hold_released' });
    expect(openOnLine(floor.state, LINE)).toEqual([]);
    expect(floor.state.line[LINE]?.alerts ?? []).toEqual([]);
  });

  it('an overdue alert with nothing on hold closes when a verification passes; a failed verification\'s P1 when it passes and its hold is released', () => {
    const floor = atFinishing();
    const LINE = lineOf('finishing');
    floor.verify('pass');
    const overdue = floor.do('finishing', { type: 'md.verificationOverdue', payload: { lineId: LINE, deviceId: 'MD01', dueAtMs: Date.UTC(2026, 10, 21, 9) } }, null);
    expect(alertOf(floor, overdue.id)).toMatchObject({ status: 'raised', holdId: null });
    const pass = floor.verify('pass');
    expect(alertOf(floor, overdue.id)).toMatchObject({ status: 'closed', closedEventId: pass.id, closedBecause: 'verification_passed' });
    expect(alertOf(floor, overdue.id).steps?.at(-1)).toMatchObject({ status: 'closed', by: null, eventId: pass.id });

    floor.detectPass(M, 8);
    const failed = floor.verify('fail');
    expect(alertOf(floor, failed.id)).toMatchObject({ severity: 'P1', type: 'verification_failed', status: 'raised', holdId: failed.id });
    floor.verify('pass');
    expect(alertOf(floor, failed.id).status).toBe('raised');
    floor.do('finishing', { type: 'hold.released', payload: { holdId: failed.id, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: W('finishing'), passedQty: 8, rejectedQty: 0 }] } });
    expect(alertOf(floor, failed.id)).toMatchObject({ status: 'closed', closedBecause: 'hold_released' });
  });

  it('a broken-needle quarantine alert closes with its hold; a detector fault or a shortage never closes by itself', () => {
    const floor = atFinishing();
    floor.verify('pass');
    const fault = floor.do('finishing', { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 0x4, description: 'reject flap slow' } }, null);
    const shortage = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 1, reason: 'one short' } });
    floor.verify('pass');
    expect(alertOf(floor, fault.id).status).toBe('raised');
    expect(alertOf(floor, shortage.id).status).toBe('raised');

    const m2 = mo(2, { route: 'R2', quantity: 10 });
    const sewing = new Floor([m2], master);
    sewing.cut(m2, 10);
    expect(sewing.accept(m2, sewing.send(m2, 'cutting', 10), 'sewing', 10).ok).toBe(true);
    const needle = sewing.do('sewing', {
      type: 'needle.broken',
      payload: { lineId: lineOf('sewing'), machineId: 'SM-07', workOrderId: workOrderIdFor(m2.id, 'sewing'), allFragmentsFound: false, needleExchanged: true, supervisorId: supervisorOf('sewing'), piecesInProcess: 10 },
    });
    expect(sewing.state.alert[needle.id]).toMatchObject({ type: 'needle_fragments_missing', status: 'raised', holdId: needle.id });
    sewing.do('sewing', { type: 'hold.released', payload: { holdId: needle.id, supervisorId: supervisorOf('sewing'), results: [{ workOrderId: workOrderIdFor(m2.id, 'sewing'), passedQty: 10, rejectedQty: 0 }] } });
    expect(sewing.state.alert[needle.id]).toMatchObject({ status: 'closed', closedBecause: 'hold_released' });
  });

  it('an alert written before the lifecycle (status open, no steps) reads as raised and can be acknowledged', () => {
    const floor = atFinishing();
    const shortage = floor.do('cutting', { type: 'cutting.shortage', payload: { workOrderId: W('cutting'), shortQty: 1, reason: 'one short' } });
    const { steps: _steps, holdId: _holdId, closedBecause: _closedBecause, ...rest } = alertOf(floor, shortage.id);
    const legacy = { ...rest, status: 'open' };
    expect(AlertDocSchema.parse(legacy)).toMatchObject({ status: 'raised' });
    floor.state = { ...floor.state, alert: { ...floor.state.alert, [shortage.id]: legacy as unknown as AlertDoc } };
    floor.do('cutting', acknowledge(shortage.id));
    expect(alertOf(floor, shortage.id)).toMatchObject({ status: 'acknowledged', steps: [{ status: 'acknowledged', by: operatorOf('cutting') }] });
  });
});
