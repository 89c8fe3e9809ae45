import type { WorkOrderDoc } from '../docs';
import type { EventOf } from '../events';
import { HlcTimestamp, hlcWallTime } from '../hlc';
import { ROUTES, workOrderIdFor, type Place } from '../master';
import { advance, piecesAt, stageCount } from './pipeline';
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

/**
 * A carton with its SSCC (GS1-128) and manifest line (`packedCartons`: its pieces and when, for the SPK's packing
 * list). The same SSCC never labels two cartons.
 */
export function packCarton(tx: Tx, e: EventOf<'packing.carton'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  if (e.payload.destination !== wo.destination || e.payload.shipWeek !== wo.shipWeek) {
    refuse('destination_mismatch', `carton for ${e.payload.destination}/${e.payload.shipWeek} but ${wo.id} ships to ${wo.destination} in ${wo.shipWeek}`);
  }
  if (wo.cartons.includes(e.payload.sscc)) refuse('duplicate_carton', `carton ${e.payload.sscc} is already packed`);
  enterLine(tx, e.payload.lineId, wo, 'output');
  const packed = advance(wo, 'packed', e.payload.qty);
  tx.put({
    ...packed,
    cartons: [...packed.cartons, e.payload.sscc],
    packedCartons: [...(packed.packedCartons ?? []), { sscc: e.payload.sscc, qty: e.payload.qty, at: e.hlc }],
  });
}

/** One carton on an SPK's packing list: "carton n of N", its SSCC, pieces and when it was packed. */
export interface PackingListLine {
  /** The carton's number within the SPK (1 = first packed). */
  n: number;
  sscc: string;
  /** Null for a carton packed before its manifest line was kept (the SPK's packed total still counts it). */
  qty: number | null;
  /** Wall-clock ms of the packing event; null when not known. */
  packedAtMs: number | null;
}

/** An SPK's packing list (carton manifest) as of now: every carton packed on it so far. */
export interface PackingList {
  workOrderId: string;
  moId: string;
  articleCode: string;
  destination: string;
  shipWeek: string;
  /** The SPK's quantity. */
  plannedQty: number;
  /** Cartons packed so far: the N of each line's "n of N". */
  cartonCount: number;
  /** Pieces packed so far (the SPK's packed count). */
  packedQty: number;
  lines: PackingListLine[];
}

const wallMsOf = (hlc: string): number | null => (HlcTimestamp.safeParse(hlc).success ? hlcWallTime(hlc) : null);

/** The packing list of a packing SPK from its work order document alone (no server, no event log). */
export function packingList(wo: WorkOrderDoc): PackingList {
  const detail = new Map((wo.packedCartons ?? []).map((c) => [c.sscc, c]));
  return {
    workOrderId: wo.id,
    moId: wo.moId,
    articleCode: wo.articleCode,
    destination: wo.destination,
    shipWeek: wo.shipWeek,
    plannedQty: wo.plannedQty,
    cartonCount: wo.cartons.length,
    packedQty: stageCount(wo, 'packed'),
    lines: wo.cartons.map((sscc, i) => {
      const c = detail.get(sscc);
      return { n: i + 1, sscc, qty: c ? c.qty : null, packedAtMs: c ? wallMsOf(c.at) : null };
    }),
  };
}

/** A carton's number within its SPK (1 = first packed), or null while the SPK does not list it. */
export function cartonNumber(wo: WorkOrderDoc, sscc: string): number | null {
  const i = wo.cartons.indexOf(sscc);
  return i < 0 ? null : i + 1;
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

/** Packing's own part of step 580: the final inspection passed and everything received is packed. Returns the packed count. */
function packingDone(wo: WorkOrderDoc): number {
  if (wo.finalInspection !== 'pass') refuse('not_ready', `${wo.id} has not passed final inspection`);
  const packed = stageCount(wo, 'packed');
  const expected = wo.receivedQty - wo.scrappedQty;
  if (packed !== expected) refuse('not_ready', `${packed} of ${expected} pieces of ${wo.id} are packed`);
  return packed;
}

/** What of an order has not reached packing: pieces in its other work orders' WIP, in transit, or waiting in a conflict. */
interface NotYetPacked {
  /** Pieces in the WIP of the order's other departments, per place. */
  upstream: { place: Place; qty: number }[];
  upstreamQty: number;
  /** Pieces LOCKed in transfers of the order not counted in yet (Route 3: out at the vendor). */
  inTransitQty: number;
  /** Open or waiting conflicts holding an acceptance into one of the order's work orders. */
  conflicts: number;
}

/**
 * Reads every work order of the order's route and the transfers they sent. A station holds only its own department's
 * work orders (and the transfers addressed to it): what it does not hold it cannot count, and the server, which holds
 * every document (DocReader.complete), decides. On the server the documents not loaded yet are asked for together
 * (work orders, then their transfers: two loads, however many transfers an order has).
 */
function notYetPacked(tx: Tx, wo: WorkOrderDoc): NotYetPacked {
  const left: NotYetPacked = { upstream: [], upstreamQty: 0, inTransitQty: 0, conflicts: wo.disputes?.length ?? 0 };
  const others = tx.getAll('workOrder', ROUTES[wo.route].filter((p) => p !== wo.place).map((p) => workOrderIdFor(wo.moId, p)));
  const transfers = tx.getAll('transfer', others.flatMap((o) => o.transfersOut ?? []));
  for (const other of others) {
    const here = piecesAt(other);
    if (here > 0) {
      left.upstream.push({ place: other.place, qty: here });
      left.upstreamQty += here;
    }
    left.conflicts += other.disputes?.length ?? 0;
  }
  for (const t of transfers) if (t.status === 'locked') left.inTransitQty += t.quantity;
  return left;
}

function describeLeft(left: NotYetPacked): string {
  const parts = left.upstream.map((u) => `${u.qty} at ${u.place}`);
  if (left.inTransitQty > 0) parts.push(`${left.inTransitQty} in transit`);
  if (left.conflicts > 0) parts.push(`${left.conflicts} handover(s) waiting in a conflict`);
  return parts.join(', ');
}

/**
 * Step 580: complete only when everything received is packed, the final inspection passed, and no piece of the order is
 * still upstream or in transit (else a supervisor closes it short: `shortClosePacking`).
 */
export function completePacking(tx: Tx, e: EventOf<'packing.completed'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  packingDone(wo);
  const left = notYetPacked(tx, wo);
  if (left.upstreamQty + left.inTransitQty + left.conflicts > 0) {
    refuse('pieces_upstream', `${wo.moId} still has ${describeLeft(left)}: wait for them, or a supervisor closes the order short`);
  }
  tx.put({ ...wo, status: 'closed' });
}

/**
 * A supervisor of packing closes the order short: completed with what is packed (packing's own part of step 580 still
 * holds), whatever is still upstream or in transit. The work order keeps the audit: who, why, and how many short.
 */
export function shortClosePacking(tx: Tx, e: EventOf<'packing.shortClosed'>): void {
  const wo = tx.ownWorkOrder(e.payload.workOrderId);
  tx.supervisor(e.payload.supervisorId, tx.department);
  const packed = packingDone(wo);
  const left = notYetPacked(tx, wo);
  tx.put({
    ...wo,
    status: 'closed',
    shortClose: {
      by: e.payload.supervisorId,
      reason: e.payload.reason,
      eventId: e.id,
      at: e.hlc,
      plannedQty: wo.plannedQty,
      packedQty: packed,
      shortQty: Math.max(0, wo.plannedQty - packed),
      upstreamQty: left.upstreamQty,
      inTransitQty: left.inTransitQty,
    },
  });
}
