/**
 * The batch compliance report of one MO: every QC record and every metal-detection record of the batch, for an
 * auditor or the retailer's inspector, in the order they happened (the station's time; server order among equals).
 *
 * What belongs to the batch:
 * - every QC record of its SPKs (`qc.inline`, `finishing.physicalQc`, `packing.finalInspection`), every detector
 *   pass (`md.pass`) and reject (`md.detection`) naming one of its SPKs, every broken needle on one of them;
 * - on each line where its pieces went through the detector: the detector's records from the last passing
 *   verification before its first piece to the first passing verification after its last (the verifications that
 *   prove the detector worked while the batch ran), with faults, power-ons, overdue verifications, detections naming
 *   no SPK and manual halts in between;
 * - the halts among those (a reject, a suspected detection or a manual halt that stopped the line) with their
 *   disposition, corrective action and who released the line, wherever the release lies;
 * - every hold holding pieces of its SPKs (failed or overdue verification, missing needle fragments) and its release.
 */
import type { HoldDoc } from '../docs';
import type { FloorEvent } from '../events';
import { eventWallMs } from '../events';
import { hlcWallTime } from '../hlc';

export type ComplianceKind =
  | 'qc'
  | 'physical_qc'
  | 'final_inspection'
  | 'detector_pass'
  | 'detector_reject'
  | 'verification'
  | 'verification_overdue'
  | 'detector_fault'
  | 'detector_power_on'
  | 'halt'
  | 'halt_released'
  | 'hold'
  | 'hold_released'
  | 'needle_broken';

export interface ComplianceRecord {
  /** The event (a hold: the event that opened it). */
  eventId: string;
  atMs: number;
  kind: ComplianceKind;
  workOrderId: string | null;
  lineId: string | null;
  stationId: string | null;
  operatorId: string | null;
  /** pass / rework / scrap / fail / reject / a disposition / open / released … */
  result: string;
  qty: number | null;
  detail: string;
}

export interface HaltRecord {
  haltId: string;
  lineId: string;
  atMs: number;
  cause: 'detection' | 'suspected_detection' | 'manual';
  /** Rejects while the line stood halted for this (the first included). */
  detections: number;
  disposition: string | null;
  correctiveAction: string | null;
  releasedBy: string | null;
  releasedAtMs: number | null;
}

export interface SpkCompliance {
  workOrderId: string;
  qcPass: number;
  qcRework: number;
  qcScrap: number;
  detectorPasses: number;
  detectorRejects: number;
  /** Pieces of this SPK put on hold, and those still on hold. */
  heldQty: number;
  stillHeldQty: number;
}

export interface ComplianceReport {
  records: ComplianceRecord[];
  halts: HaltRecord[];
  spks: SpkCompliance[];
  verifications: { pass: number; fail: number; overdue: number };
}

const SPK_TYPES: ReadonlySet<FloorEvent['type']> = new Set(['qc.inline', 'finishing.physicalQc', 'packing.finalInspection', 'md.pass', 'md.detection', 'needle.broken']);
const LINE_TYPES: ReadonlySet<FloorEvent['type']> = new Set(['md.verification', 'md.verificationOverdue', 'md.fault', 'md.powerOn', 'md.detection', 'line.halted', 'line.released']);
/** The event types the report reads (what the server selects). */
export const COMPLIANCE_EVENT_TYPES: readonly FloorEvent['type'][] = [...new Set([...SPK_TYPES, ...LINE_TYPES, 'hold.released' as const])];

function spkOf(e: FloorEvent): string | null {
  const p = e.payload as { workOrderId?: unknown };
  return typeof p.workOrderId === 'string' ? p.workOrderId : null;
}
function lineOfEvent(e: FloorEvent): string | null {
  const p = e.payload as { lineId?: unknown };
  return typeof p.lineId === 'string' ? p.lineId : null;
}

/** HLC (documents keep event times as HLC) or ISO, as ms; NaN never escapes (0 instead). */
function msOf(at: string): number {
  try {
    return hlcWallTime(at);
  } catch {
    const ms = Date.parse(at);
    return Number.isFinite(ms) ? ms : 0;
  }
}

/** The events of the batch (see the header), in server order. */
export function batchEvents(spks: ReadonlySet<string>, events: readonly FloorEvent[], holdIds: ReadonlySet<string>): FloorEvent[] {
  const ofBatch = (e: FloorEvent) => SPK_TYPES.has(e.type) && spks.has(spkOf(e) ?? '');
  const included = new Set<number>();
  events.forEach((e, i) => {
    if (ofBatch(e)) included.add(i);
  });
  // Per line: the window from the last passing verification before the batch's first detector record to the first after its last.
  const byLine = new Map<string, number[]>();
  events.forEach((e, i) => {
    const line = lineOfEvent(e);
    if (line && (LINE_TYPES.has(e.type) || e.type === 'md.pass')) byLine.set(line, [...(byLine.get(line) ?? []), i]);
  });
  for (const indexes of byLine.values()) {
    const mine = indexes.filter((i) => {
      const e = events[i] as FloorEvent;
      return (e.type === 'md.pass' || e.type === 'md.detection') && ofBatch(e);
    });
    const first = mine[0];
    const last = mine[mine.length - 1];
    if (first === undefined || last === undefined) continue;
    const passed = (i: number) => {
      const e = events[i] as FloorEvent;
      return e.type === 'md.verification' && e.payload.result === 'pass';
    };
    const start = [...indexes].reverse().find((i) => i < first && passed(i)) ?? first;
    const end = indexes.find((i) => i > last && passed(i)) ?? Number.POSITIVE_INFINITY;
    for (const i of indexes) {
      const e = events[i] as FloorEvent;
      if (i < start || i > end || e.type === 'md.pass' || e.type === 'line.released') continue;
      // Another batch's reject is that batch's record.
      if (e.type === 'md.detection' && spkOf(e) !== null && !spks.has(spkOf(e) ?? '')) continue;
      included.add(i);
    }
  }
  // Releases of the halts included, wherever they are; releases of the batch's holds.
  const haltIds = new Set([...included].map((i) => (events[i] as FloorEvent).id));
  events.forEach((e, i) => {
    if (e.type === 'line.released' && haltIds.has(e.payload.haltId)) included.add(i);
    if (e.type === 'hold.released' && (holdIds.has(e.payload.holdId) || e.payload.results.some((r) => spks.has(r.workOrderId)))) included.add(i);
  });
  return [...included].sort((a, b) => a - b).map((i) => events[i] as FloorEvent);
}

function recordOf(e: FloorEvent, spks: ReadonlySet<string>): ComplianceRecord | null {
  const base = { eventId: e.id, atMs: eventWallMs(e), workOrderId: spkOf(e), lineId: lineOfEvent(e), stationId: e.stationId, operatorId: e.operatorId };
  switch (e.type) {
    case 'qc.inline':
      return { ...base, kind: 'qc', result: e.payload.result, qty: e.payload.qty, detail: [`stage ${e.payload.stage}`, e.payload.defectReason].filter(Boolean).join('; ') };
    case 'finishing.physicalQc':
      return { ...base, kind: 'physical_qc', result: e.payload.result, qty: e.payload.qty, detail: e.payload.defectReason ?? '' };
    case 'packing.finalInspection':
      return { ...base, kind: 'final_inspection', result: e.payload.result, qty: e.payload.sampleSize, detail: `sample ${e.payload.sampleSize}, defects found ${e.payload.defectsFound}` };
    case 'md.pass':
      return { ...base, kind: 'detector_pass', result: 'pass', qty: e.payload.count, detail: `device ${e.payload.deviceId}` };
    case 'md.detection':
      return { ...base, kind: 'detector_reject', result: 'reject', qty: 1, detail: `metal ${e.payload.metal}, device ${e.payload.deviceId}` };
    case 'md.verification':
      return {
        ...base,
        kind: 'verification',
        result: e.payload.result,
        qty: null,
        detail: `${e.payload.trigger}, device ${e.payload.deviceId}: ${e.payload.pieces.map((p) => `${p.pieceId} ${p.metal} ${p.sizeMm} mm ${p.detected ? 'detected' : 'NOT detected'}`).join(', ')}`,
      };
    case 'md.verificationOverdue':
      return { ...base, kind: 'verification_overdue', result: 'overdue', qty: null, detail: `device ${e.payload.deviceId}, due ${new Date(e.payload.dueAtMs).toISOString()}` };
    case 'md.fault':
      return { ...base, kind: 'detector_fault', result: e.payload.suspectedDetection ? 'suspected_detection' : 'fault', qty: null, detail: `device ${e.payload.deviceId}, bits 0x${e.payload.bits.toString(16)}: ${e.payload.description}` };
    case 'md.powerOn':
      return { ...base, kind: 'detector_power_on', result: 'power_on', qty: null, detail: `device ${e.payload.deviceId}` };
    case 'line.halted':
      return { ...base, kind: 'halt', result: 'manual', qty: null, detail: e.payload.reason };
    case 'line.released':
      return { ...base, operatorId: e.payload.supervisorId, kind: 'halt_released', result: e.payload.disposition, qty: null, detail: `halt ${e.payload.haltId}; corrective action: ${e.payload.correctiveAction}` };
    case 'hold.released': {
      const mine = e.payload.results.filter((r) => spks.has(r.workOrderId));
      return {
        ...base,
        operatorId: e.payload.supervisorId,
        kind: 'hold_released',
        result: 'released',
        qty: mine.reduce((a, r) => a + r.passedQty + r.rejectedQty, 0),
        detail: `hold ${e.payload.holdId}: ${mine.map((r) => `${r.workOrderId} passed ${r.passedQty}, rejected ${r.rejectedQty}`).join('; ')}`,
      };
    }
    case 'needle.broken':
      return {
        ...base,
        operatorId: e.operatorId,
        kind: 'needle_broken',
        result: e.payload.allFragmentsFound ? 'fragments_found' : 'fragments_missing',
        qty: e.payload.piecesInProcess,
        detail: `machine ${e.payload.machineId}, needle exchanged: ${e.payload.needleExchanged ? 'yes' : 'no'}, signed off by ${e.payload.supervisorId}`,
      };
    default:
      return null;
  }
}

/** Halts among the batch's events, replayed per line in server order, each with its release if there is one. */
function haltsOf(events: readonly FloorEvent[]): HaltRecord[] {
  const open = new Map<string, HaltRecord>();
  const halts = new Map<string, HaltRecord>();
  for (const e of events) {
    const line = lineOfEvent(e);
    if (!line) continue;
    const current = open.get(line);
    const start = (cause: HaltRecord['cause']) => {
      const h: HaltRecord = { haltId: e.id, lineId: line, atMs: eventWallMs(e), cause, detections: cause === 'detection' ? 1 : 0, disposition: null, correctiveAction: null, releasedBy: null, releasedAtMs: null };
      open.set(line, h);
      halts.set(h.haltId, h);
    };
    if (e.type === 'md.detection') {
      if (current?.cause === 'detection') current.detections += 1;
      else start('detection');
    } else if (e.type === 'md.fault' && e.payload.suspectedDetection && !current) start('suspected_detection');
    else if (e.type === 'line.halted' && !current) start('manual');
    else if (e.type === 'line.released') {
      const h = halts.get(e.payload.haltId);
      if (h) Object.assign(h, { disposition: e.payload.disposition, correctiveAction: e.payload.correctiveAction, releasedBy: e.payload.supervisorId, releasedAtMs: eventWallMs(e) });
      if (current?.haltId === e.payload.haltId) open.delete(line);
    }
  }
  return [...halts.values()];
}

/** The report from the candidate events (server order) and the holds touching the batch. */
export function complianceReport(spkIds: readonly string[], events: readonly FloorEvent[], holds: readonly HoldDoc[]): ComplianceReport {
  const spks = new Set(spkIds);
  const batchHolds = holds.filter((h) => Object.keys(h.items).some((wo) => spks.has(wo)));
  const chosen = batchEvents(spks, events, new Set(batchHolds.map((h) => h.id)));
  const holdRecords = (h: HoldDoc): ComplianceRecord[] =>
    Object.entries(h.items).flatMap(([workOrderId, qty]) =>
      spks.has(workOrderId) ? [{ eventId: h.createdEventId, atMs: msOf(h.createdAt), kind: 'hold' as const, workOrderId, lineId: h.lineId, stationId: null, operatorId: null, result: h.status, qty, detail: `${h.reason}, hold ${h.id}` }] : [],
    );
  // A hold's records right after the event that opened it (same time: the sort below keeps them there).
  const openedBy = new Map(batchHolds.map((h) => [h.createdEventId, h]));
  const records: ComplianceRecord[] = chosen.flatMap((e) => {
    const hold = openedBy.get(e.id);
    openedBy.delete(e.id);
    const record = recordOf(e, spks);
    return [...(record ? [record] : []), ...(hold ? holdRecords(hold) : [])];
  });
  for (const h of openedBy.values()) records.push(...holdRecords(h));
  records.sort((a, b) => a.atMs - b.atMs);
  const spkRows = new Map<string, SpkCompliance>(spkIds.map((id) => [id, { workOrderId: id, qcPass: 0, qcRework: 0, qcScrap: 0, detectorPasses: 0, detectorRejects: 0, heldQty: 0, stillHeldQty: 0 }]));
  const verifications = { pass: 0, fail: 0, overdue: 0 };
  for (const r of records) {
    const s = r.workOrderId ? spkRows.get(r.workOrderId) : undefined;
    if (r.kind === 'verification') verifications[r.result === 'pass' ? 'pass' : 'fail'] += 1;
    if (r.kind === 'verification_overdue') verifications.overdue += 1;
    if (!s) continue;
    if (r.kind === 'qc' || r.kind === 'physical_qc') {
      if (r.result === 'pass') s.qcPass += r.qty ?? 0;
      if (r.result === 'rework') s.qcRework += r.qty ?? 0;
      if (r.result === 'scrap') s.qcScrap += r.qty ?? 0;
    }
    if (r.kind === 'detector_pass') s.detectorPasses += r.qty ?? 0;
    if (r.kind === 'detector_reject') s.detectorRejects += 1;
    if (r.kind === 'hold') {
      s.heldQty += r.qty ?? 0;
      if (r.result === 'open') s.stillHeldQty += r.qty ?? 0;
    }
  }
  return { records, halts: haltsOf(chosen), spks: [...spkRows.values()], verifications };
}
