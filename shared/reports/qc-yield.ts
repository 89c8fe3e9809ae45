/**
 * QC pass rate and first-pass yield per department, from the QC records the stations keep (`qc.inline` at sewing and
 * finishing, `finishing.physicalQc` at finishing; each one result, pass / rework / scrap, for `qty` pieces of one SPK
 * at one stage). The final inspection at packing is a sample-based lot decision, not a piece count: not counted here.
 *
 * - **QC pass rate** = pieces recorded `pass` / all pieces recorded (pass + rework + scrap), counting every
 *   inspection, re-inspections of reworked pieces included.
 * - **First-pass yield** = pieces passing QC first time / pieces inspected, where "pieces inspected" counts each
 *   piece once, at its first inspection at that stage of that SPK, and "passing first time" means that first
 *   inspection was a pass. A reworked piece comes back to the same stage: the records do not name pieces, so the
 *   pieces of a later record at that stage of that SPK are re-inspections as far as reworked pieces still await one
 *   (they are counted for the pass rate, never again for the yield), and first inspections beyond that. Reworked
 *   pieces therefore never raise the yield, however they end.
 * Records are read in server order with the whole history of each SPK's stage (a rework yesterday makes today's pass
 * of that piece a re-inspection); only records inside [fromMs, toMs) (the event's own time) are counted.
 * A rate with nothing inspected is null (shown as "—", never as 0 % or 100 %).
 */
import type { FloorEvent } from '../events';
import { eventWallMs } from '../events';
import type { Place } from '../master';
import { PIPELINE } from '../rules/pipeline';
import { placeOfSpk } from './spk';

export const QC_EVENT_TYPES = ['qc.inline', 'finishing.physicalQc'] as const;

export interface QcRecord {
  department: Place;
  workOrderId: string;
  stage: string;
  result: 'pass' | 'rework' | 'scrap';
  qty: number;
  atMs: number;
}

/** QC records from events (others are skipped); the stage as the rules count it (`final` is the place's last stage). */
export function qcRecords(events: readonly FloorEvent[]): QcRecord[] {
  return events.flatMap((e): QcRecord[] => {
    if (e.type !== 'qc.inline' && e.type !== 'finishing.physicalQc') return [];
    const department = placeOfSpk(e.payload.workOrderId);
    if (!department) return [];
    const stages = PIPELINE[department];
    const stage = e.type === 'finishing.physicalQc' ? 'metal_detected' : e.payload.stage === 'final' ? (stages[stages.length - 1] ?? 'final') : e.payload.stage;
    return [{ department, workOrderId: e.payload.workOrderId, stage, result: e.payload.result, qty: e.payload.qty, atMs: eventWallMs(e) }];
  });
}

export interface QcSummary {
  department: Place;
  /** Every piece recorded, re-inspections included (the pass rate's denominator). */
  recorded: number;
  passed: number;
  rework: number;
  scrap: number;
  passRate: number | null;
  /** Pieces at their first inspection (the yield's denominator), and those of them that passed. */
  inspected: number;
  passedFirstTime: number;
  firstPassYield: number | null;
}

/** Per department, floor order, only departments with records in the range. */
export function qcSummary(records: readonly QcRecord[], fromMs: number, toMs: number): QcSummary[] {
  const awaiting = new Map<string, number>();
  const sums = new Map<Place, QcSummary>();
  for (const r of records) {
    const key = `${r.workOrderId}\u0000${r.stage}`;
    const waiting = awaiting.get(key) ?? 0;
    const again = Math.min(r.qty, waiting);
    const first = r.qty - again;
    awaiting.set(key, waiting - again + (r.result === 'rework' ? r.qty : 0));
    if (r.atMs < fromMs || r.atMs >= toMs) continue;
    const s = sums.get(r.department) ?? { department: r.department, recorded: 0, passed: 0, rework: 0, scrap: 0, passRate: null, inspected: 0, passedFirstTime: 0, firstPassYield: null };
    s.recorded += r.qty;
    if (r.result === 'pass') s.passed += r.qty;
    else if (r.result === 'rework') s.rework += r.qty;
    else s.scrap += r.qty;
    s.inspected += first;
    if (r.result === 'pass') s.passedFirstTime += first;
    sums.set(r.department, s);
  }
  const order: readonly Place[] = ['cutting', 'embroidery', 'sewing', 'subcon', 'finishing', 'packing'];
  return order.flatMap((d) => {
    const s = sums.get(d);
    if (!s) return [];
    return [{ ...s, passRate: s.recorded > 0 ? s.passed / s.recorded : null, firstPassYield: s.inspected > 0 ? s.passedFirstTime / s.inspected : null }];
  });
}
