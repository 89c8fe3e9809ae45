/**
 * An alert's life (AlertDoc in docs.ts): raised → acknowledged → investigating → closed, every step kept with who,
 * when and a note.
 * - Operators acknowledge (any logged-in operator of the department: "I saw it").
 * - Supervisors and QC inspectors of the department investigate and close, with their own credential and a note; an
 *   operator never closes an alert, so never an open P1.
 * - An alert whose cause is gone closes by itself, with that reason (`settleAlerts`, after every event): a halt's
 *   alert when the line is released; a verification alert once a verification passed after it and the hold it put
 *   pieces into (if any) is released; a broken needle's when its quarantine hold is released. A halt's alert cannot be
 *   closed by hand while the line is halted (it closes with the release, which records disposition and corrective
 *   action). Shortages and detector faults have no cause the rules can see end: a person closes them.
 * Each line lists its alerts not closed yet (LineDoc.alerts), so the rules find them when a cause on the line goes.
 */
import type { AlertCloseReason, AlertDoc, AlertStep, LineDoc } from '../docs';
import type { EventOf, FloorEvent } from '../events';
import { compareHlc } from '../hlc';
import { canSupervise, type Department, type Operator } from '../master';
import { refuse, type Tx } from './tx';

/** A new alert raised by `e` (its id is the event's: a halt's alert has the halt's id). */
export function newAlert(e: FloorEvent, a: Pick<AlertDoc, 'severity' | 'type' | 'lineId' | 'workOrderId' | 'message'>): AlertDoc {
  return { kind: 'alert', id: e.id, ...a, status: 'raised', raisedEventId: e.id, raisedAt: e.hlc, holdId: null, steps: [], closedEventId: null, closedBecause: null };
}

/** Not closed: raised, acknowledged or investigating ('open' on alerts written before the lifecycle). */
export function isOpenAlert(a: AlertDoc | undefined): a is AlertDoc {
  return a !== undefined && a.status !== 'closed';
}

/** The alert closed by event `e`: by a person (`by`) or by the rules (`by` null), for `because`, saying `note`. */
export function closedAlert(a: AlertDoc, e: FloorEvent, because: AlertCloseReason, by: string | null, note: string): AlertDoc {
  return { ...a, status: 'closed', closedEventId: e.id, closedBecause: because, steps: [...(a.steps ?? []), { status: 'closed', by, at: e.hlc, eventId: e.id, note }] };
}

const QC_ROLES = new Set(['qc_inspector', 'qc_lab']);

/** A supervisor of the department (or an admin), or a QC inspector of it. */
export function canInvestigate(op: Operator | undefined, department: Department): boolean {
  if (canSupervise(op, department)) return true;
  return op !== undefined && op.active && op.roles.some((r) => QC_ROLES.has(r)) && op.departments.includes(department);
}

/** The alert, if it is this station's to handle: on its line, or (no line) of its department's work order. */
function alertHere(tx: Tx, alertId: string): AlertDoc {
  const a = tx.get('alert', alertId);
  if (!a) refuse('unknown_alert', `alert ${alertId} is not known here`);
  if (a.lineId !== null) {
    if (a.lineId !== tx.station.lineId) refuse('wrong_line', `alert ${a.id} is on line ${a.lineId}; this station runs ${tx.station.lineId}`);
  } else if (a.workOrderId !== null) {
    const wo = tx.workOrder(a.workOrderId);
    if (wo.place !== tx.department) refuse('wrong_department', `alert ${a.id} is about ${wo.id} at ${wo.place}, this station is ${tx.department}`);
  }
  if (a.status === 'closed') refuse('alert_closed', `alert ${a.id} was closed (${a.closedBecause ?? 'closed'})`);
  return a;
}

function signer(tx: Tx, id: string): string {
  if (!canInvestigate(tx.master.operators.get(id), tx.department)) {
    refuse('not_supervisor_or_qc', `${id} is not a supervisor or QC inspector of ${tx.department}`);
  }
  return id;
}

const step = (a: AlertDoc, s: AlertStep): AlertDoc => ({ ...a, status: s.status, steps: [...(a.steps ?? []), s] });

/** The logged-in operator saw it. Only a raised alert is acknowledged (once). */
export function acknowledgeAlert(tx: Tx, e: EventOf<'alert.acknowledged'>): void {
  const a = alertHere(tx, e.payload.alertId);
  if (a.status !== 'raised' && (a.status as string) !== 'open') refuse('alert_out_of_order', `alert ${a.id} is already ${a.status}`);
  tx.put(step(a, { status: 'acknowledged', by: e.operatorId, at: e.hlc, eventId: e.id, note: e.payload.note ?? '' }));
}

/** A supervisor or QC inspector is on it (acknowledged or not: they may walk up first). */
export function investigateAlert(tx: Tx, e: EventOf<'alert.investigating'>): void {
  const a = alertHere(tx, e.payload.alertId);
  const by = signer(tx, e.payload.signedBy);
  if (a.status === 'investigating') refuse('alert_out_of_order', `alert ${a.id} is already being investigated`);
  tx.put(step(a, { status: 'investigating', by, at: e.hlc, eventId: e.id, note: e.payload.note }));
}

/** A supervisor or QC inspector closes it, saying why; a halt's alert only with the line's release. */
export function closeAlertByHand(tx: Tx, e: EventOf<'alert.closed'>): void {
  const a = alertHere(tx, e.payload.alertId);
  const by = signer(tx, e.payload.signedBy);
  if (a.lineId !== null && tx.get('line', a.lineId)?.halt?.haltId === a.id) {
    refuse('alert_cause_active', `line ${a.lineId} is still halted by it: release the line (disposition and corrective action) to close it`);
  }
  tx.put(closedAlert(a, e, 'closed_by_hand', by, e.payload.note));
}

// ---- causes gone -------------------------------------------------------------------------------------------------

const HOLD_TYPES: ReadonlySet<AlertDoc['type']> = new Set(['verification_failed', 'verification_overdue', 'needle_fragments_missing']);

/** Who and why, when the event that took the cause away names them (a release's supervisor and corrective action). */
function closer(e: FloorEvent): { by: string | null; note: string } {
  if (e.type === 'line.released') return { by: e.payload.supervisorId, note: e.payload.correctiveAction };
  if (e.type === 'hold.released') return { by: e.payload.supervisorId, note: 'the pieces on hold were re-inspected and released' };
  if (e.type === 'md.verification') return { by: null, note: 'a verification passed' };
  return { by: null, note: 'its cause is gone' };
}

/** Why `a` (open, on `line`) has nothing left to alert about, or null. */
function causeGone(tx: Tx, a: AlertDoc, line: LineDoc): AlertCloseReason | null {
  const holdReleased = () => a.holdId === null || a.holdId === undefined || tx.get('hold', a.holdId)?.status === 'released';
  switch (a.type) {
    case 'metal_detection':
    case 'manual_halt':
      return line.halt?.haltId === a.id ? null : 'line_released';
    case 'verification_failed':
    case 'verification_overdue': {
      const passedSince = line.verification.lastPassAt !== null && compareHlc(line.verification.lastPassAt, a.raisedAt) > 0;
      if (!passedSince || !holdReleased()) return null;
      return tx.event.type === 'hold.released' ? 'hold_released' : 'verification_passed';
    }
    case 'needle_fragments_missing':
      return a.holdId && holdReleased() ? 'hold_released' : null;
    default:
      return null;
  }
}

/**
 * After every accepted event (reducer.ts): alerts it raised on a line join the line's list (with the hold their pieces
 * went into), and the open alerts of every line it touched (a line, a hold of it, an alert on it) whose cause is gone
 * are closed with the reason. The line's list keeps only alerts still open.
 */
export function settleAlerts(tx: Tx): void {
  const staged = tx.changes();
  const lineIds = new Set<string>();
  for (const d of staged) {
    if (d.kind === 'line') lineIds.add(d.id);
    else if (d.kind === 'hold' || (d.kind === 'alert' && d.lineId !== null)) lineIds.add(d.lineId as string);
  }
  for (const lineId of lineIds) {
    let line = tx.get('line', lineId);
    if (!line) continue;
    const listed = [...(line.alerts ?? [])];
    for (const d of staged) {
      if (d.kind !== 'alert' || d.lineId !== lineId || d.raisedEventId !== tx.event.id || listed.includes(d.id)) continue;
      listed.push(d.id);
      if (HOLD_TYPES.has(d.type)) {
        // The hold its pieces went into: opened by this event, or the line's open hold they joined.
        const holdId = tx.get('hold', d.id) ? d.id : d.type === 'needle_fragments_missing' ? null : line.openHoldId;
        tx.put({ ...d, holdId });
      }
    }
    const still: string[] = [];
    for (const a of tx.getAll('alert', listed)) {
      if (!isOpenAlert(a)) continue;
      const gone = causeGone(tx, a, line);
      if (gone === null) still.push(a.id);
      else {
        const { by, note } = closer(tx.event);
        tx.put(closedAlert(a, tx.event, gone, by, note));
      }
    }
    line = tx.get('line', lineId) ?? line;
    if (still.join() !== (line.alerts ?? []).join()) tx.put({ ...line, alerts: still });
  }
}
