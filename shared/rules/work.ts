import type { WorkOrderDoc } from '../docs';
import type { EventOf } from '../events';
import { newAlert } from './alerts';
import { cutParts } from './bom';
import { PIPELINE, advance, piecesAt, scrapAt, scrappableAt } from './pipeline';
import { enterLine } from './line';
import { refuse, type Tx } from './tx';

/** Steps 200: the department receives its SPK. A second receipt changes nothing. */
export function receiveSpk(tx: Tx, e: EventOf<'spk.received'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (wo.status === 'open') tx.put({ ...wo, status: 'received' });
}

export function allocateMaterial(tx: Tx, e: EventOf<'material.allocated'>): void {
  tx.ownWorkOrder(e.payload.workOrderId); // the event itself is the allocation record
}

/** Steps 210–220: parts, counted into complete sets by the BOM. Output beyond the SPK needs a surplus revision first. */
export function recordCutting(tx: Tx, e: EventOf<'cutting.output'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  enterLine(tx, e.payload.lineId, wo, 'output');
  tx.put(cutParts(wo, e.payload.part, e.payload.goodQty));
}

/** Steps 230–250, shortage: recorded and escalated to a supervisor. */
export function escalateShortage(tx: Tx, e: EventOf<'cutting.shortage'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  tx.put({ ...wo, shortageQty: wo.shortageQty + e.payload.shortQty });
  tx.put(newAlert(e, { severity: 'P2', type: 'shortage', lineId: null, workOrderId: wo.id, message: `Shortage of ${e.payload.shortQty} on ${wo.id}: ${e.payload.reason}` }));
}

/**
 * Steps 230–250, surplus: revises the SPK's quantity. PPIC and the supervisor hear of it as a P4 (for information:
 * nothing is wrong on the floor; a person closes it once read).
 */
export function reviseSurplus(tx: Tx, e: EventOf<'cutting.surplus'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  tx.put({ ...wo, plannedQty: wo.plannedQty + e.payload.surplusQty, surplusQty: wo.surplusQty + e.payload.surplusQty });
  tx.put(newAlert(e, { severity: 'P4', type: 'surplus', lineId: null, workOrderId: wo.id, message: `Surplus of ${e.payload.surplusQty} on ${wo.id}: planned ${wo.plannedQty} → ${wo.plannedQty + e.payload.surplusQty} (${e.payload.reason})` }));
}

export function recordEmbroidery(tx: Tx, e: EventOf<'embroidery.output'>): void {
  const { goodQty, defectQty, defectReason } = e.payload;
  if (goodQty + defectQty === 0) refuse('exceeds_available', 'record at least one piece');
  if (defectQty > 0 && !defectReason) refuse('defect_reason_required', 'defects need a reason');
  let wo = tx.ownWorkOrder(e.payload.workOrderId);
  enterLine(tx, e.payload.lineId, wo, 'output');
  if (defectQty > 0) {
    const unstarted = wo.receivedQty - wo.inputScrapQty - (wo.stageQty.embroidered ?? 0);
    if (goodQty + defectQty > unstarted) {
      refuse('exceeds_available', `only ${unstarted} pieces of ${wo.id} are waiting for embroidery`);
    }
    // Pieces quarantined (a broken needle) are dispositioned only by the hold's release, never as defects.
    const notHeld = piecesAt(wo) - wo.heldQty;
    if (defectQty > notHeld) {
      refuse('exceeds_available', `only ${notHeld} pieces of ${wo.id} are free to scrap (${wo.heldQty} are on hold: the hold's release decides them)`);
    }
    wo = { ...wo, inputScrapQty: wo.inputScrapQty + defectQty, scrappedQty: wo.scrappedQty + defectQty };
  }
  if (goodQty > 0) wo = advance(wo, 'embroidered', goodQty);
  tx.put(wo);
}

/** Steps 310–360: assembly → labelling (destination label must match) → back loop stitch. */
export function recordSewingStage(tx: Tx, e: EventOf<'sewing.stage'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.stage === 'labelling') {
    if (e.payload.destinationLabel !== wo.destination) {
      refuse('destination_mismatch', `label ${e.payload.destinationLabel ?? '(none)'} does not match destination ${wo.destination}`);
    }
  }
  enterLine(tx, e.payload.lineId, wo, 'output');
  tx.put(advance(wo, e.payload.stage, e.payload.goodQty));
}

function recordQc(tx: Tx, wo: WorkOrderDoc, stage: string, result: 'pass' | 'rework' | 'scrap', qty: number, reason?: string): void {
  if (!PIPELINE[wo.place].includes(stage)) refuse('wrong_stage', `${stage} is not a stage of ${wo.place}`);
  if (result !== 'pass' && !reason) refuse('defect_reason_required', `${result} needs a defect reason`);
  const prev = wo.qc[stage] ?? { pass: 0, rework: 0, scrap: 0 };
  let next: WorkOrderDoc = { ...wo, qc: { ...wo.qc, [stage]: { ...prev, [result]: prev[result] + qty } } };
  if (result === 'rework') next = { ...next, reworkQty: next.reworkQty + qty };
  if (result === 'scrap') {
    // Pieces on hold (a verification, a broken needle) are dispositioned only by releasing the hold, never by QC.
    const free = scrappableAt(wo, stage);
    if (qty > free) {
      const onHold = wo.heldQty > 0 ? ` (${wo.heldQty} of ${wo.id} are on hold: the hold's release decides them)` : '';
      refuse('exceeds_available', `only ${free} pieces of ${wo.id} after ${stage} are free to scrap${onHold}`);
    }
    next = scrapAt(next, stage, qty);
  }
  tx.put(next);
}

/** Inline QC (sewing, finishing): pass / rework / scrap with a defect reason. */
export function recordInlineQc(tx: Tx, e: EventOf<'qc.inline'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  enterLine(tx, e.payload.lineId, wo, 'output');
  const stages = PIPELINE[wo.place];
  const stage = e.payload.stage === 'final' ? (stages[stages.length - 1] ?? 'final') : e.payload.stage;
  recordQc(tx, wo, stage, e.payload.result, e.payload.qty, e.payload.defectReason);
}

/** Finishing physical QC (symmetry, dimensions) happens on pieces that passed the detector. */
export function recordPhysicalQc(tx: Tx, e: EventOf<'finishing.physicalQc'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  enterLine(tx, e.payload.lineId, wo, 'output');
  recordQc(tx, wo, 'metal_detected', e.payload.result, e.payload.qty, e.payload.defectReason);
}

export function recordFinishingStep(tx: Tx, e: EventOf<'finishing.step'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  enterLine(tx, e.payload.lineId, wo, 'output');
  tx.put(advance(wo, e.payload.step, e.payload.qty));
}

/** Steps 440–450: only pieces that passed the detector and are not on hold become finished goods. */
export function convertToFg(tx: Tx, e: EventOf<'fg.converted'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.fgArticleCode !== wo.articleCode) {
    refuse('article_mismatch', `finished-good code ${e.payload.fgArticleCode} is not ${wo.articleCode}`);
  }
  enterLine(tx, e.payload.lineId, wo, 'output');
  tx.put(advance(wo, 'converted', e.payload.qty));
}

export function closeSpk(tx: Tx, e: EventOf<'spk.closed'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.department !== wo.place) refuse('wrong_department', `${wo.id} is not a ${e.payload.department} work order`);
  tx.put({ ...wo, status: 'closed' });
}
