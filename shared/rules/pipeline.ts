import type { WorkOrderDoc } from '../docs';
import type { Place } from '../master';
import { refuse } from './tx';

/**
 * The stages a piece passes through at each place, in order. A stage's count never exceeds the previous one's,
 * so WIP can never go negative; the last stage is what is ready to hand over.
 */
export const PIPELINE: Readonly<Record<Place, readonly string[]>> = {
  cutting: ['cut'],
  embroidery: ['embroidered'],
  sewing: ['assembly', 'labelling', 'back_loop'],
  subcon: [],
  finishing: ['stuffing', 'closing', 'grooming', 'metal_detected', 'converted'],
  packing: ['sorted', 'packed'],
};

/** Where a hold stops pieces: finishing holds stop conversion (the detector gate); elsewhere they stop handover. */
export function holdGate(place: Place): string | 'send' {
  return place === 'finishing' ? 'converted' : 'send';
}

export function stageCount(wo: WorkOrderDoc, stage: string): number {
  return wo.stageQty[stage] ?? 0;
}

/** Pieces that entered the place (cut pieces are created at cutting, so its input is what was planned). */
function inputCount(wo: WorkOrderDoc): number {
  return wo.place === 'cutting' ? wo.plannedQty : wo.receivedQty - wo.inputScrapQty;
}

/** Pieces available to enter `stage`: what the previous stage has, less what already went on. */
export function availableFor(wo: WorkOrderDoc, stage: string): number {
  const stages = PIPELINE[wo.place];
  const i = stages.indexOf(stage);
  if (i < 0) return 0;
  const prev = i === 0 ? inputCount(wo) : stageCount(wo, stages[i - 1] as string);
  const gateHeld = holdGate(wo.place) === stage ? wo.heldQty : 0;
  return prev - stageCount(wo, stage) - gateHeld;
}

/** Pieces ready to hand over: the last stage, less what was sent and what is held at the handover gate. */
export function readyToSend(wo: WorkOrderDoc): number {
  const stages = PIPELINE[wo.place];
  const last = stages[stages.length - 1];
  if (last === undefined) return 0;
  // At finishing, held pieces beyond those still waiting to convert were converted already: they stay put too.
  const held = holdGate(wo.place) === 'send' ? wo.heldQty : Math.max(0, wo.heldQty - waitingAt(wo, 'metal_detected'));
  return stageCount(wo, last) - wo.sentQty - held;
}

/** Pieces that finished `stage` and have not moved on (what a QC scrap at that stage can take). */
export function waitingAt(wo: WorkOrderDoc, stage: string): number {
  const stages = PIPELINE[wo.place];
  const i = stages.indexOf(stage);
  if (i < 0) return 0;
  const next = stages[i + 1];
  const movedOn = next === undefined ? wo.sentQty : stageCount(wo, next);
  return stageCount(wo, stage) - movedOn;
}

/**
 * Pieces waiting after `stage` that a QC scrap may take: never pieces on hold (only the hold's release, after
 * re-inspection, dispositions them), so a hold never counts more pieces than there are. At finishing the held pieces
 * are past the detector: first those waiting to convert, then converted ones not yet sent (as `readyToSend` reads
 * them). Elsewhere a hold names no stage (the pieces in process): only pieces beyond the held count are free.
 */
export function scrappableAt(wo: WorkOrderDoc, stage: string): number {
  const waiting = waitingAt(wo, stage);
  let held = 0;
  if (holdGate(wo.place) !== 'send') {
    const heldBeforeGate = Math.min(wo.heldQty, waitingAt(wo, 'metal_detected'));
    if (stage === 'metal_detected') held = heldBeforeGate;
    else if (stage === holdGate(wo.place)) held = Math.min(waiting, wo.heldQty - heldBeforeGate);
  }
  return Math.max(0, Math.min(waiting - held, piecesAt(wo) - wo.heldQty));
}

/** Record `qty` good pieces through `stage`, refusing anything that would make WIP negative. */
export function advance(wo: WorkOrderDoc, stage: string, qty: number): WorkOrderDoc {
  if (!PIPELINE[wo.place].includes(stage)) {
    refuse('wrong_stage', `${stage} is not a stage of ${wo.place}`);
  }
  const available = availableFor(wo, stage);
  if (qty > available) {
    if (wo.place === 'cutting') {
      refuse('exceeds_planned', `cutting ${qty} would exceed the SPK's ${wo.plannedQty} (only ${available} left); record a surplus first`);
    }
    refuse('exceeds_available', `only ${available} pieces of ${wo.id} are available for ${stage}, not ${qty}`);
  }
  return { ...wo, stageQty: { ...wo.stageQty, [stage]: stageCount(wo, stage) + qty } };
}

/** Scrap `qty` pieces waiting at `stage` (a QC scrap): they leave the stage's count for good. */
export function scrapAt(wo: WorkOrderDoc, stage: string, qty: number): WorkOrderDoc {
  const waiting = waitingAt(wo, stage);
  if (qty > waiting) refuse('exceeds_available', `only ${waiting} pieces of ${wo.id} are waiting after ${stage}, not ${qty}`);
  return { ...wo, stageQty: { ...wo.stageQty, [stage]: stageCount(wo, stage) - qty }, scrappedQty: wo.scrappedQty + qty };
}

/** Scrap `qty` pieces from the latest stages backwards (pieces rejected after a hold's re-inspection). */
export function scrapLatest(wo: WorkOrderDoc, qty: number): WorkOrderDoc {
  let rest = qty;
  let next = wo;
  const stages = [...PIPELINE[wo.place]].reverse();
  for (const stage of stages) {
    if (rest === 0) break;
    const take = Math.min(rest, Math.max(0, waitingAt(next, stage)));
    if (take > 0) {
      next = scrapAt(next, stage, take);
      rest -= take;
    }
  }
  if (rest > 0) {
    const first = PIPELINE[wo.place][0];
    const unstarted = first === undefined ? 0 : availableFor(next, first);
    if (wo.place === 'cutting' || rest > unstarted) refuse('exceeds_available', `cannot scrap ${qty} pieces of ${wo.id}`);
    next = { ...next, inputScrapQty: next.inputScrapQty + rest, scrappedQty: next.scrappedQty + rest };
  }
  return next;
}

/** Pieces physically at the place: what came in (or was cut), less scrap and what was handed over. */
export function piecesAt(wo: WorkOrderDoc): number {
  const came = wo.place === 'cutting' ? stageCount(wo, 'cut') + wo.scrappedQty : wo.receivedQty;
  return came - wo.scrappedQty - wo.sentQty;
}
