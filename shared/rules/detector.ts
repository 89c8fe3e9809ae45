import type { AlertDoc, HoldDoc, LineDoc } from '../docs';
import { eventWallMs, type EventOf, type FloorEvent } from '../events';
import { hlcWallTime } from '../hlc';
import { closedAlert, isOpenAlert, newAlert } from './alerts';
import { advance, piecesAt, scrapAt, scrapLatest } from './pipeline';
import { enterLine } from './line';
import { refuse, type Tx } from './tx';
import { checkRecordedRun } from './verification';

/** Verification is due at least hourly (DOMAIN.md, "Verification"). */
export const VERIFICATION_INTERVAL_MS = 60 * 60 * 1000;

function alert(e: FloorEvent, a: Parameters<typeof newAlert>[1]): AlertDoc {
  return newAlert(e, a);
}

/** A halt replaced by a more serious one: its alert is closed as superseded; the new halt is what is released. */
function supersedeHalt(tx: Tx, haltId: string, byEventId: string): void {
  const old = tx.get('alert', haltId);
  if (isOpenAlert(old)) tx.put(closedAlert(old, tx.event, 'superseded', null, `a more serious halt (${byEventId}) replaced it`));
}

/** Is the line's last passing verification missing or older than the interval at `atMs`? */
export function verificationOverdue(line: LineDoc, atMs: number): boolean {
  if (line.verification.status !== 'ok' || line.verification.lastPassAt === null) return true;
  return atMs - hlcWallTime(line.verification.lastPassAt) > VERIFICATION_INTERVAL_MS;
}

/** The line's verification as the station screen shows it (wall times as ISO strings). */
export interface VerificationStatus {
  /** 'failed': the last run failed; 'due': none since start-up, power-on or a new lot, or the hour is up; else 'ok'. */
  status: 'ok' | 'due' | 'failed';
  lastPassAt: string | null;
  /** When the hourly verification falls (or fell) due: the last pass + the interval; null before any pass. */
  dueAt: string | null;
}

/**
 * What the screen says at `atMs`: the stored status, except that an 'ok' whose hour is up already reads 'due' (the
 * station's timer records `md.verificationOverdue` only at its next check; a pass through the detector is held already).
 */
export function verificationStatus(line: LineDoc | undefined, atMs: number): VerificationStatus {
  const passMs = line?.verification.lastPassAt ? hlcWallTime(line.verification.lastPassAt) : null;
  const shown = { lastPassAt: passMs === null ? null : new Date(passMs).toISOString(), dueAt: passMs === null ? null : new Date(passMs + VERIFICATION_INTERVAL_MS).toISOString() };
  if (!line) return { status: 'due', ...shown };
  if (line.verification.status === 'failed') return { status: 'failed', ...shown };
  return { status: verificationOverdue(line, atMs) ? 'due' : 'ok', ...shown };
}

/** Put pieces on hold (adds to the line's open hold, or opens one). Returns the line with the hold open. */
function holdPieces(tx: Tx, line: LineDoc, items: Record<string, number>, reason: HoldDoc['reason']): LineDoc {
  const entries = Object.entries(items).filter(([, n]) => n > 0);

  const open = line.openHoldId ? tx.get('hold', line.openHoldId) : undefined;
  const hold: HoldDoc =
    open && open.status === 'open'
      ? { ...open, items: { ...open.items } }
      : {
          kind: 'hold',
          id: tx.event.id,
          lineId: line.id,
          reason,
          items: {},
          status: 'open',
          createdEventId: tx.event.id,
          createdAt: tx.event.hlc,
          releasedBy: null,
          releasedEventId: null,
        };
  let held = 0;
  for (const [woId, count] of entries) {
    const wo = tx.workOrder(woId);
    // Pieces already handed over are out of reach of a hold (the alert tells the supervisor to follow them up).
    const n = Math.min(count, piecesAt(wo) - wo.heldQty);
    if (n <= 0) continue;
    held += n;
    tx.put({ ...wo, heldQty: wo.heldQty + n });
    hold.items[woId] = (hold.items[woId] ?? 0) + n;
  }
  if (held === 0 && hold.id === tx.event.id) return line; // nothing to hold, no empty hold document
  tx.put(hold);
  return { ...line, openHoldId: hold.id };
}

/**
 * A piece passed the detector. If verification is missing, failed or overdue, the piece is held for re-inspection
 * instead of being released: nothing escapes a detector that has not been proven within the hour.
 */
export function recordDetectorPass(tx: Tx, e: EventOf<'md.pass'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  let line = enterLine(tx, e.payload.lineId, wo, 'output');
  const advanced = advance(wo, 'metal_detected', e.payload.count);
  tx.put(advanced);
  if (verificationOverdue(line, eventWallMs(e))) {
    const reason = line.verification.status === 'failed' ? 'verification_failed' : 'verification_overdue';
    const wasOpen = line.openHoldId !== null && tx.get('hold', line.openHoldId)?.status === 'open';
    line = holdPieces(tx, line, { [wo.id]: e.payload.count }, reason);
    if (!wasOpen) {
      tx.put(alert(e, { severity: 'P2', type: 'verification_overdue', lineId: line.id, workOrderId: wo.id, message: `Detector on ${line.id} not verified: pieces on hold` }));
    }
  } else {
    line = { ...line, sinceLastPass: { ...line.sinceLastPass, [wo.id]: (line.sinceLastPass[wo.id] ?? 0) + e.payload.count } };
  }
  tx.put(line);
}

/** A detection (reject) is a P1 alert: the line halts at once. Further detections while halted are still logged. */
export function recordDetection(tx: Tx, e: EventOf<'md.detection'>): void {
  const line = tx.line(e.payload.lineId);
  if (line.halt?.cause === 'detection') {
    tx.put({ ...line, rejects: line.rejects + 1, halt: { ...line.halt, detections: line.halt.detections + 1 } });
    return;
  }
  // A line already stopped for another reason (manual, suspected) escalates: the detection must be dispositioned.
  if (line.halt) supersedeHalt(tx, line.halt.haltId, e.id);
  tx.put({
    ...line,
    rejects: line.rejects + 1,
    halt: { haltId: e.id, cause: 'detection', since: e.hlc, eventId: e.id, detections: 1, metal: e.payload.metal, reason: null },
  });
  tx.put(
    alert(e, {
      severity: 'P1',
      type: 'metal_detection',
      lineId: line.id,
      workOrderId: e.payload.workOrderId ?? null,
      message: `Metal detected (${e.payload.metal}) on ${line.id}: line halted`,
    }),
  );
}

/**
 * A verification run with certified test pieces. It passes only if every required metal was tested and every piece
 * detected (judged by shared/rules/verification.ts, the same judgement the bridge built the run with).
 */
export function recordVerification(tx: Tx, e: EventOf<'md.verification'>): void {
  const refusal = checkRecordedRun(e.payload);
  if (refusal) refuse(refusal.code, refusal.message);
  let line = tx.line(e.payload.lineId);
  if (e.payload.result === 'pass') {
    tx.put({ ...line, verification: { status: 'ok', lastPassAt: e.hlc, lastPassEventId: e.id }, sinceLastPass: {}, openHoldId: null });
    return;
  }
  line = holdPieces(tx, line, line.sinceLastPass, 'verification_failed');
  tx.put({ ...line, verification: { ...line.verification, status: 'failed' }, sinceLastPass: {} });
  tx.put(alert(e, { severity: 'P1', type: 'verification_failed', lineId: line.id, workOrderId: null, message: `Detector verification failed on ${line.id}: pieces since the last pass on hold` }));
}

/** The station's timer found the hourly verification overdue: everything since the last pass goes on hold. */
export function recordVerificationOverdue(tx: Tx, e: EventOf<'md.verificationOverdue'>): void {
  let line = tx.line(e.payload.lineId);
  line = holdPieces(tx, line, line.sinceLastPass, 'verification_overdue');
  tx.put({ ...line, verification: { ...line.verification, status: line.verification.status === 'failed' ? 'failed' : 'due' }, sinceLastPass: {} });
  tx.put(alert(e, { severity: 'P2', type: 'verification_overdue', lineId: line.id, workOrderId: null, message: `Detector verification overdue on ${line.id}` }));
}

/**
 * A detector fault is logged and alerted. If the device lost or garbled a message that may have been a detection,
 * the line halts exactly as for a detection: a contaminated piece may have passed, and a supervisor must look.
 */
export function recordDetectorFault(tx: Tx, e: EventOf<'md.fault'>): void {
  const line = tx.line(e.payload.lineId);
  if (e.payload.suspectedDetection && line.halt?.cause !== 'detection' && line.halt?.cause !== 'suspected_detection') {
    if (line.halt) supersedeHalt(tx, line.halt.haltId, e.id);
    tx.put({
      ...line,
      faults: line.faults + 1,
      halt: { haltId: e.id, cause: 'suspected_detection', since: e.hlc, eventId: e.id, detections: 0, metal: null, reason: e.payload.description },
    });
    tx.put(alert(e, { severity: 'P1', type: 'metal_detection', lineId: line.id, workOrderId: null, message: `Possible detection on ${line.id} (${e.payload.description}): line halted` }));
    return;
  }
  tx.put({ ...line, faults: line.faults + 1 });
  tx.put(alert(e, { severity: 'P2', type: 'detector_fault', lineId: line.id, workOrderId: null, message: `Detector fault 0x${e.payload.bits.toString(16)} on ${line.id}: ${e.payload.description}` }));
}

/** After a power cut the detector must be verified again before pieces are released. */
export function recordPowerOn(tx: Tx, e: EventOf<'md.powerOn'>): void {
  const line = tx.line(e.payload.lineId);
  tx.put({ ...line, verification: { ...line.verification, status: line.verification.status === 'failed' ? 'failed' : 'due' } });
}

/** A supervisor releases a hold after re-inspection: passed pieces go on, rejected ones are scrapped. */
export function releaseHold(tx: Tx, e: EventOf<'hold.released'>): void {
  const hold = tx.get('hold', e.payload.holdId);
  if (!hold) refuse('unknown_hold', `hold ${e.payload.holdId} is not known here`);
  if (hold.status !== 'open') refuse('hold_not_open', `hold ${hold.id} was already released`);
  const line = tx.line(hold.lineId);
  tx.supervisor(e.payload.supervisorId, line.department);
  const results = new Map(e.payload.results.map((r) => [r.workOrderId, r]));
  const itemIds = Object.keys(hold.items);
  if (results.size !== e.payload.results.length || results.size !== itemIds.length) {
    refuse('hold_results_mismatch', `give one result for each of ${itemIds.join(', ')}`);
  }
  for (const woId of itemIds) {
    const r = results.get(woId);
    const n = hold.items[woId] ?? 0;
    if (!r || r.passedQty + r.rejectedQty !== n) refuse('hold_results_mismatch', `${woId} has ${n} pieces on hold: passed + rejected must equal ${n}`);
    let wo = tx.workOrder(woId);
    wo = { ...wo, heldQty: wo.heldQty - n };
    if (r.rejectedQty > 0) wo = wo.place === 'finishing' ? scrapAt(wo, 'metal_detected', r.rejectedQty) : scrapLatest(wo, r.rejectedQty);
    tx.put(wo);
  }
  tx.put({ ...hold, status: 'released', releasedBy: e.payload.supervisorId, releasedEventId: e.id });
  if (line.openHoldId === hold.id) tx.put({ ...line, openHoldId: null });
}

/**
 * Broken-needle log (sewing). Supervisor sign-off is required; missing fragments quarantine the pieces in process,
 * which must then pass the detector.
 */
export function reportBrokenNeedle(tx: Tx, e: EventOf<'needle.broken'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  const line = tx.line(e.payload.lineId);
  tx.supervisor(e.payload.supervisorId, line.department);
  if (e.payload.allFragmentsFound || e.payload.piecesInProcess === 0) {
    if (!tx.get('line', line.id)) tx.put(line);
    return;
  }
  const inProcess = piecesAt(wo) - wo.heldQty;
  if (e.payload.piecesInProcess > inProcess) {
    refuse('exceeds_available', `${wo.id} has ${inProcess} pieces in process, not ${e.payload.piecesInProcess}`);
  }
  const held: HoldDoc = {
    kind: 'hold',
    id: e.id,
    lineId: line.id,
    reason: 'needle_fragments_missing',
    items: { [wo.id]: e.payload.piecesInProcess },
    status: 'open',
    createdEventId: e.id,
    createdAt: e.hlc,
    releasedBy: null,
    releasedEventId: null,
  };
  tx.put(held);
  tx.put({ ...wo, heldQty: wo.heldQty + e.payload.piecesInProcess });
  if (!tx.get('line', line.id)) tx.put(line);
  tx.put(alert(e, { severity: 'P2', type: 'needle_fragments_missing', lineId: line.id, workOrderId: wo.id, message: `Broken needle on ${e.payload.machineId}: fragments missing, ${e.payload.piecesInProcess} pieces quarantined` }));
}
