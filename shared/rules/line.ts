import type { LineDoc, WorkOrderDoc } from '../docs';
import type { EventOf } from '../events';
import { CLEARANCE_STEP } from '../master';
import { closedAlert, isOpenAlert, newAlert } from './alerts';
import { refuse, type Tx } from './tx';

function putIfChanged(tx: Tx, before: LineDoc | undefined, after: LineDoc): void {
  if (before !== after) tx.put(after);
}

/**
 * Goods of `wo` enter or are worked on `lineId`. A halted line takes nothing and releases nothing; at a clearance
 * point (sewing 290, finishing 380, packing 405) a line holding another article or destination refuses until cleared.
 */
export function enterLine(tx: Tx, lineId: string, wo: WorkOrderDoc, what: 'output' | 'receive' | 'send'): LineDoc {
  const existing = tx.get('line', lineId);
  let line = tx.line(lineId);
  if (line.halt) {
    refuse('line_halted', `line ${lineId} is halted (${line.halt.cause}); a supervisor must release it before any ${what}`);
  }
  if (CLEARANCE_STEP[line.department] !== undefined && what !== 'send') {
    const occ = line.occupant;
    if (occ && (occ.articleCode !== wo.articleCode || occ.destination !== wo.destination)) {
      refuse(
        'line_not_cleared',
        `line ${lineId} still holds ${occ.articleCode} for ${occ.destination}; clear the line (step ${CLEARANCE_STEP[line.department]}) before ${wo.articleCode} for ${wo.destination}`,
      );
    }
    if (!occ || occ.workOrderId !== wo.id) {
      line = { ...line, occupant: { articleCode: wo.articleCode, destination: wo.destination, workOrderId: wo.id } };
      // A new lot on a detector line: the detector is verified at the start of each lot before pieces are released.
      if (line.department === 'finishing' && line.verification.status === 'ok') {
        line = { ...line, verification: { ...line.verification, status: 'due' } };
      }
    }
  }
  if (!existing) tx.put(line);
  else putIfChanged(tx, existing, line);
  return line;
}

function checklistDone(items: readonly { item: string; ok: boolean }[]): void {
  const open = items.filter((i) => !i.ok).map((i) => i.item);
  if (open.length) refuse('checklist_incomplete', `not yet checked: ${open.join(', ')}`);
}

/** Line clearance (steps 290 / 380 / 405): the line is empty of the previous article and destination. */
export function clearLine(tx: Tx, e: EventOf<'line.cleared'>): void {
  const line = tx.line(e.payload.lineId);
  const step = CLEARANCE_STEP[line.department];
  if (step !== e.payload.step) {
    refuse('wrong_step', `line clearance at ${line.department} is step ${step ?? '(none)'}, not ${e.payload.step}`);
  }
  if (line.halt) refuse('line_halted', `line ${line.id} is halted; release it first`);
  checklistDone(e.payload.checklist);
  tx.put({ ...line, occupant: null, lastClearance: { step: e.payload.step, eventId: e.id, by: e.operatorId, at: e.hlc } });
}

/** Step 380: the operator acknowledges segregation (signed checklist); the event is the record. */
export function acknowledgeSegregation(tx: Tx, e: EventOf<'segregation.acknowledged'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  checklistDone(e.payload.checklist);
  enterLine(tx, e.payload.lineId, wo, 'output');
}

/**
 * A halt from the station itself: any logged-in operator of the line's department may stop it (stopping is the safe
 * side, like an andon cord); only a supervisor releases it (`releaseLine`). Same effect as a detection's halt.
 */
export function haltLine(tx: Tx, e: EventOf<'line.halted'>): void {
  const line = tx.line(e.payload.lineId);
  if (line.halt) refuse('already_halted', `line ${line.id} is already halted`);
  tx.put({
    ...line,
    halt: { haltId: e.id, cause: 'manual', since: e.hlc, eventId: e.id, detections: 0, metal: null, reason: e.payload.reason },
  });
  tx.put(newAlert(e, { severity: 'P2', type: 'manual_halt', lineId: line.id, workOrderId: null, message: `Line ${line.id} halted: ${e.payload.reason}` }));
}

/** A supervisor, with their own credential, records disposition and corrective action and releases the line. */
export function releaseLine(tx: Tx, e: EventOf<'line.released'>): void {
  const line = tx.line(e.payload.lineId);
  if (!line.halt) refuse('line_not_halted', `line ${line.id} is not halted`);
  if (line.halt.haltId !== e.payload.haltId) {
    refuse('halt_mismatch', `line ${line.id}'s halt is ${line.halt.haltId}, not ${e.payload.haltId}`);
  }
  tx.supervisor(e.payload.supervisorId, line.department);
  const alert = tx.get('alert', line.halt.haltId);
  tx.put({ ...line, halt: null });
  if (isOpenAlert(alert)) tx.put(closedAlert(alert, e, 'line_released', e.payload.supervisorId, e.payload.correctiveAction));
}
