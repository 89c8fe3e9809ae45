/**
 * Output per hour per department: the pieces that finished a department's last stage, when the station recorded it
 * (the event's own time). What counts, per department:
 * - cutting: complete sets (a toy's every BOM part: the sets a `cutting.output` completes, replayed per SPK in server
 *   order; an SPK without a BOM counts each piece as a set), never loose parts;
 * - embroidery: `embroidery.output` good pieces (defects are not output);
 * - sewing: `sewing.stage` at the last stage, back loop stitch (assembly and labelling are steps on the way);
 * - finishing: `fg.converted` (pieces that passed the detector and became finished goods);
 * - packing: `packing.carton` (pieces packed into cartons).
 * Output later scrapped at QC still counts where and when it was produced. Refused events are no output.
 */
import type { CutPart, Place } from '../master';
import type { FloorEvent } from '../events';
import { eventWallMs } from '../events';
import { completeSets } from '../rules/bom';
import { placeOfSpk } from './spk';

export interface OutputRecord {
  department: Place;
  workOrderId: string;
  atMs: number;
  qty: number;
}

/** The event types that can be output (what the server reads). */
export const OUTPUT_EVENT_TYPES = ['cutting.output', 'embroidery.output', 'sewing.stage', 'fg.converted', 'packing.carton'] as const;

/**
 * Output records from events in server order. `cutParts(spk)` is the SPK's BOM (undefined: none). Cutting needs the
 * SPK's whole history of `cutting.output` (sets complete across events); pass it all and filter the records by time.
 */
export function outputRecords(events: readonly FloorEvent[], cutParts: (workOrderId: string) => readonly CutPart[] | undefined): OutputRecord[] {
  const partsCut = new Map<string, Record<string, number>>();
  const out: OutputRecord[] = [];
  const push = (workOrderId: string, atMs: number, qty: number) => {
    const department = placeOfSpk(workOrderId);
    if (department && qty > 0) out.push({ department, workOrderId, atMs, qty });
  };
  for (const e of events) {
    const at = eventWallMs(e);
    switch (e.type) {
      case 'cutting.output': {
        const { workOrderId, part, goodQty } = e.payload;
        push(workOrderId, at, setsCompleted(partsCut, cutParts(workOrderId), workOrderId, part, goodQty));
        break;
      }
      case 'embroidery.output':
        push(e.payload.workOrderId, at, e.payload.goodQty);
        break;
      case 'sewing.stage':
        if (e.payload.stage === 'back_loop') push(e.payload.workOrderId, at, e.payload.goodQty);
        break;
      case 'fg.converted':
        push(e.payload.workOrderId, at, e.payload.qty);
        break;
      case 'packing.carton':
        push(e.payload.workOrderId, at, e.payload.qty);
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * The complete sets one `cutting.output` completes (its parts added to the SPK's running count in `partsCut`, kept by
 * the caller across the SPK's events in server order); without a bill each piece is a set.
 */
export function setsCompleted(partsCut: Map<string, Record<string, number>>, bom: readonly CutPart[] | undefined, workOrderId: string, part: string, goodQty: number): number {
  if (!bom || bom.length === 0) return goodQty;
  const had = partsCut.get(workOrderId) ?? {};
  const next = { ...had, [part]: (had[part] ?? 0) + goodQty };
  partsCut.set(workOrderId, next);
  return completeSets(bom, next) - completeSets(bom, had);
}

export interface DepartmentOutput {
  department: Place;
  /** Pieces per bucket, one per `bucketStarts` entry. */
  perBucket: number[];
  total: number;
}

/**
 * Records summed per department into buckets starting at `bucketStarts` (ascending; each runs to the next, the last
 * to `endMs`). Records outside [first start, endMs) are left out. Departments in floor order, only those with output.
 */
export function outputPerBucket(records: readonly OutputRecord[], bucketStarts: readonly number[], endMs: number): DepartmentOutput[] {
  const order: readonly Place[] = ['cutting', 'embroidery', 'sewing', 'subcon', 'finishing', 'packing'];
  const byDept = new Map<Place, number[]>();
  const first = bucketStarts[0];
  if (first === undefined) return [];
  for (const r of records) {
    if (r.atMs < first || r.atMs >= endMs) continue;
    let i = bucketStarts.length - 1;
    while (i > 0 && (bucketStarts[i] as number) > r.atMs) i--;
    const row = byDept.get(r.department) ?? bucketStarts.map(() => 0);
    row[i] = (row[i] ?? 0) + r.qty;
    byDept.set(r.department, row);
  }
  return order.flatMap((department) => {
    const perBucket = byDept.get(department);
    return perBucket ? [{ department, perBucket, total: perBucket.reduce((a, b) => a + b, 0) }] : [];
  });
}
