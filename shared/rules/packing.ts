import type { EventOf } from '../events';
import { advance, stageCount } from './pipeline';
import { enterLine } from './line';
import { refuse, type Tx } from './tx';

/** Steps 470–490: sort received goods by destination and ship week (splitting multi-destination orders). */
export function sortForPacking(tx: Tx, e: EventOf<'packing.sorted'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.destination !== wo.destination || e.payload.shipWeek !== wo.shipWeek) {
    refuse('destination_mismatch', `${wo.id} ships to ${wo.destination} in ${wo.shipWeek}`);
  }
  tx.put(advance(wo, 'sorted', e.payload.qty));
}

/** A carton with its SSCC (GS1-128) and manifest. The same SSCC never labels two cartons. */
export function packCarton(tx: Tx, e: EventOf<'packing.carton'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.destination !== wo.destination || e.payload.shipWeek !== wo.shipWeek) {
    refuse('destination_mismatch', `carton for ${e.payload.destination}/${e.payload.shipWeek} but ${wo.id} ships to ${wo.destination} in ${wo.shipWeek}`);
  }
  if (wo.cartons.includes(e.payload.sscc)) refuse('duplicate_carton', `carton ${e.payload.sscc} is already packed`);
  enterLine(tx, e.payload.lineId, wo, 'output');
  const packed = advance(wo, 'packed', e.payload.qty);
  tx.put({ ...packed, cartons: [...packed.cartons, e.payload.sscc] });
}

export function printShippingMark(tx: Tx, e: EventOf<'packing.shippingMark'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (!wo.cartons.includes(e.payload.sscc)) refuse('unknown_carton', `carton ${e.payload.sscc} is not packed on ${wo.id}`);
}

export function recordFinalInspection(tx: Tx, e: EventOf<'packing.finalInspection'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.defectsFound > e.payload.sampleSize) refuse('exceeds_available', 'more defects than pieces sampled');
  tx.put({ ...wo, finalInspection: e.payload.result });
}

/** Step 580: complete only when everything received is packed and the final inspection passed. */
export function completePacking(tx: Tx, e: EventOf<'packing.completed'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (wo.finalInspection !== 'pass') refuse('not_ready', `${wo.id} has not passed final inspection`);
  const packed = stageCount(wo, 'packed');
  const expected = wo.receivedQty - wo.scrappedQty;
  if (packed !== expected) refuse('not_ready', `${packed} of ${expected} pieces of ${wo.id} are packed`);
  tx.put({ ...wo, status: 'closed' });
}
