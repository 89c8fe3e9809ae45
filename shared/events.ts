import { z } from 'zod';
import {
  ArticleCode,
  Count,
  CutPart,
  Department,
  Destination,
  LineId,
  OperatorId,
  Place,
  Quantity,
  ShipWeek,
  StationId,
  WorkOrderId,
} from './master';

/** Bumped when a payload changes shape; the server keeps every version it ever accepted readable. */
export const EVENT_SCHEMA_VERSION = 1;

import { Sscc } from './barcode/gs1';
import { TransferSlipFields } from './barcode/transfer-slip';
import { HlcTimestamp, hlcWallTime } from './hlc';
import { Uuid } from './ids';

const Reason = z.string().trim().min(3, 'give a reason (at least 3 characters)').max(500);
/**
 * Why an operator stops the clock on an SPK for a while. `logout`: the station core paused it because its operator
 * logged out (by hand or idle), never chosen on screen.
 */
export const LabourPauseReason = z.enum(['break', 'material', 'machine', 'meeting', 'other', 'logout']);
export type LabourPauseReason = z.infer<typeof LabourPauseReason>;
/**
 * Why an operator's session ended: `timeout` is the idle logout (the screen's or the core's own, also when a restarted
 * core finds its last operator idle too long); `replaced`: another operator logged in at the station over the live
 * session (the core records it, never a screen).
 */
export const LogoutReason = z.enum(['manual', 'timeout', 'shift_end', 'replaced']);
export type LogoutReason = z.infer<typeof LogoutReason>;
const Checklist = z
  .array(z.object({ item: z.string().min(1).max(120), ok: z.boolean() }))
  .min(1, 'the checklist needs at least one item');
const QcResult = z.enum(['pass', 'rework', 'scrap']);
export const Metal = z.enum(['fe', 'nonfe', 'stainless', 'unknown']);
export const SewingStage = z.enum(['assembly', 'labelling', 'back_loop']);
export const FinishingStep = z.enum(['stuffing', 'closing', 'grooming']);
export const VerificationTrigger = z.enum(['startup', 'hourly', 'lot_start', 'lot_end', 'end_of_day', 'power_on', 'manual']);
export type VerificationTrigger = z.infer<typeof VerificationTrigger>;
/** The metals a certified test piece is made of (a detector may report `unknown`; a test piece never is). */
export const TestMetal = Metal.exclude(['unknown']);
export type TestMetal = z.infer<typeof TestMetal>;
/** Certified test pieces are small spheres; anything larger proves nothing about the detector's sensitivity. */
export const MAX_CERTIFIED_PIECE_MM = 20;
export const TestPiece = z.object({
  metal: TestMetal,
  sizeMm: z.number().positive().max(MAX_CERTIFIED_PIECE_MM),
  pieceId: z.string().min(1).max(40),
  detected: z.boolean(),
});
export type TestPiece = z.infer<typeof TestPiece>;
const DeviceId = z.string().min(1).max(40);


/**
 * What a receiving station read from a transfer slip (shared/barcode): enough to accept goods whose transfer
 * has not synced yet. `signature` is the slip's raw payload so the server re-verifies it.
 */
/**
 * Step 300: what the receiver counted part by part (sewing checks the cut parts against the BOM). The rule derives
 * the complete sets and requires them to equal `countedQty`.
 */
export const PartsCounted = z
  .array(z.object({ part: CutPart.shape.part, qty: Count }))
  .min(1)
  .max(40)
  .refine((parts) => new Set(parts.map((p) => p.part)).size === parts.length, 'each part is counted once');

export const SlipCopy = TransferSlipFields.omit({ transferId: true }).extend({ payload: z.string().min(1).max(2000) });
export type SlipCopy = z.infer<typeof SlipCopy>;

/** One payload schema per station action. The key is the event `type`. */
export const PAYLOADS = {
  'operator.login': z.object({ method: z.enum(['badge_pin']) }),
  'operator.logout': z.object({ reason: LogoutReason }),
  'spk.received': z.object({ workOrderId: WorkOrderId }),
  'material.allocated': z.object({
    workOrderId: WorkOrderId,
    materials: z
      .array(z.object({ materialCode: z.string().min(1).max(40), qty: z.number().positive(), unit: z.string().min(1).max(10) }))
      .min(1),
  }),
  'cutting.output': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    size: z.string().min(1).max(20),
    part: z.string().min(1).max(40),
    goodQty: Quantity,
  }),
  'cutting.shortage': z.object({ workOrderId: WorkOrderId, shortQty: Quantity, reason: Reason }),
  'cutting.surplus': z.object({ workOrderId: WorkOrderId, surplusQty: Quantity, reason: Reason }),
  'embroidery.output': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    goodQty: Count,
    defectQty: Count,
    defectReason: Reason.optional(),
  }),
  'sewing.stage': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    stage: SewingStage,
    goodQty: Quantity,
    /** Step 330: the destination label sewn in; must match the work order's destination. */
    destinationLabel: Destination.optional(),
  }),
  'qc.inline': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    stage: z.union([SewingStage, FinishingStep, z.literal('final')]),
    result: QcResult,
    qty: Quantity,
    defectReason: Reason.optional(),
  }),
  'segregation.acknowledged': z.object({ lineId: LineId, workOrderId: WorkOrderId, checklist: Checklist }),
  'line.cleared': z.object({ lineId: LineId, step: z.union([z.literal(290), z.literal(380), z.literal(405)]), checklist: Checklist }),
  'transfer.created': z.object({
    transferId: Uuid,
    workOrderId: WorkOrderId,
    toWorkOrderId: WorkOrderId,
    articleCode: ArticleCode,
    quantity: Quantity,
    from: Place,
    to: Place,
    lineId: LineId,
  }),
  'transfer.accepted': z.object({
    transferId: Uuid,
    workOrderId: WorkOrderId,
    toWorkOrderId: WorkOrderId,
    countedQty: Quantity,
    lineId: LineId,
    slip: SlipCopy.optional(),
    partsCounted: PartsCounted.optional(),
  }),
  'transfer.discrepancy': z.object({
    transferId: Uuid,
    workOrderId: WorkOrderId,
    toWorkOrderId: WorkOrderId,
    countedQty: Count,
    reason: Reason,
    lineId: LineId,
    slip: SlipCopy.optional(),
    partsCounted: PartsCounted.optional(),
  }),
  'finishing.step': z.object({ workOrderId: WorkOrderId, lineId: LineId, step: FinishingStep, qty: Quantity }),
  'finishing.physicalQc': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    result: QcResult,
    qty: Quantity,
    defectReason: Reason.optional(),
  }),
  'fg.converted': z.object({ workOrderId: WorkOrderId, lineId: LineId, qty: Quantity, fgArticleCode: ArticleCode }),
  'packing.sorted': z.object({ workOrderId: WorkOrderId, destination: Destination, shipWeek: ShipWeek, qty: Quantity }),
  'packing.carton': z.object({
    workOrderId: WorkOrderId,
    lineId: LineId,
    sscc: Sscc,
    destination: Destination,
    shipWeek: ShipWeek,
    qty: Quantity,
  }),
  'packing.shippingMark': z.object({ workOrderId: WorkOrderId, sscc: Sscc }),
  'packing.finalInspection': z.object({
    workOrderId: WorkOrderId,
    result: z.enum(['pass', 'fail']),
    sampleSize: Quantity,
    defectsFound: Count,
  }),
  'packing.completed': z.object({ workOrderId: WorkOrderId }),
  /**
   * A supervisor closes an order short at packing: completed with what is packed while pieces of it are still upstream
   * or in transit (shared/rules/packing.ts records who, why and how many).
   */
  'packing.shortClosed': z.object({ workOrderId: WorkOrderId, supervisorId: OperatorId, reason: Reason }),
  'md.pass': z.object({ lineId: LineId, workOrderId: WorkOrderId, deviceId: DeviceId, count: Quantity }),
  'md.detection': z.object({
    lineId: LineId,
    workOrderId: WorkOrderId.optional(),
    deviceId: DeviceId,
    metal: Metal,
    messageNo: z.number().int().min(0).max(9999).optional(),
  }),
  'md.verification': z.object({
    lineId: LineId,
    deviceId: DeviceId,
    trigger: VerificationTrigger,
    result: z.enum(['pass', 'fail']),
    pieces: z.array(TestPiece).min(1, 'a verification tests at least one certified piece').max(50),
    /**
     * The metals this device's run had to include (its configuration). The rules add the floor minimum
     * (shared/rules/verification.ts) whatever this says; absent in events from stations that did not send it.
     */
    requiredMetals: z.array(TestMetal).min(1).max(TestMetal.options.length).optional(),
  }),
  'md.verificationOverdue': z.object({ lineId: LineId, deviceId: DeviceId, dueAtMs: z.number().int().nonnegative() }),
  'md.fault': z.object({
    lineId: LineId,
    deviceId: DeviceId,
    bits: z.number().int().min(0).max(0xffff),
    description: z.string().max(200),
    /** Lost or unreadable messages that may have been a detection: the line halts as for a detection. */
    suspectedDetection: z.boolean().optional(),
  }),
  'md.powerOn': z.object({ lineId: LineId, deviceId: DeviceId }),
  'line.halted': z.object({ lineId: LineId, reason: Reason }),
  'line.released': z.object({
    lineId: LineId,
    haltId: Uuid,
    supervisorId: OperatorId,
    disposition: z.enum(['metal_found', 'rescan_passed', 'destroyed', 'no_fault_found']),
    correctiveAction: z.string().trim().min(5, 'describe the corrective action (at least 5 characters)').max(1000),
  }),
  'hold.released': z.object({
    holdId: Uuid,
    supervisorId: OperatorId,
    results: z.array(z.object({ workOrderId: WorkOrderId, passedQty: Count, rejectedQty: Count })).min(1).max(200),
    /** What the re-inspection found and what was done (absent on releases recorded before the station asked for it). */
    note: Reason.optional(),
  }),
  'needle.broken': z.object({
    lineId: LineId,
    machineId: z.string().min(1).max(40),
    workOrderId: WorkOrderId,
    allFragmentsFound: z.boolean(),
    needleExchanged: z.boolean(),
    supervisorId: OperatorId,
    piecesInProcess: Count,
  }),
  'spk.closed': z.object({ workOrderId: WorkOrderId, department: Department }),
  /** A supervisor settles a competing claim on the same pieces (QT-09, see ConflictDoc in docs.ts). */
  'conflict.resolved': z.object({
    conflictId: Uuid,
    decision: z.enum(['void', 'apply']),
    supervisorId: OperatorId,
    note: z.string().trim().min(5, 'say why (at least 5 characters)').max(1000),
  }),
  /** An alert's lifecycle (AlertDoc in docs.ts, shared/rules/alerts.ts): the logged-in operator saw it. */
  'alert.acknowledged': z.object({ alertId: Uuid, note: z.string().trim().max(500).optional() }),
  /** A supervisor or QC inspector of the department (`signedBy`, their own credential) is on it. */
  'alert.investigating': z.object({ alertId: Uuid, signedBy: OperatorId, note: Reason }),
  /** A supervisor or QC inspector closes it, saying why. */
  'alert.closed': z.object({ alertId: Uuid, signedBy: OperatorId, note: Reason }),
  /** Labour time per SPK and operator (shared/rules/labour.ts): the logged-in operator starts, pauses, finishes. */
  'labour.started': z.object({ workOrderId: WorkOrderId }),
  'labour.paused': z.object({ workOrderId: WorkOrderId, reason: LabourPauseReason }),
  'labour.finished': z.object({ workOrderId: WorkOrderId }),
} as const;

export type EventType = keyof typeof PAYLOADS;
export const EVENT_TYPES = Object.keys(PAYLOADS) as EventType[];
export type PayloadOf<T extends EventType> = z.infer<(typeof PAYLOADS)[T]>;

/** Every event carries the same envelope: who, where, when, in what order. */
export const EventEnvelope = z.object({
  id: Uuid,
  stationId: StationId,
  /** Per-station sequence, 1, 2, 3, … with no gaps: the server applies a station's events in this order. */
  seq: z.number().int().positive(),
  hlc: HlcTimestamp,
  /** The logged-in operator; null for device events with nobody logged in. */
  operatorId: OperatorId.nullable(),
  v: z.literal(EVENT_SCHEMA_VERSION),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

type EventSchemaOf<T extends EventType> = z.ZodObject<
  (typeof EventEnvelope)['shape'] & { type: z.ZodLiteral<T>; payload: (typeof PAYLOADS)[T] }
>;

function eventSchema<T extends EventType>(type: T): EventSchemaOf<T> {
  return EventEnvelope.extend({ type: z.literal(type), payload: PAYLOADS[type] }) as EventSchemaOf<T>;
}

const schemas = EVENT_TYPES.map((t) => eventSchema(t));
export const FloorEvent = z.discriminatedUnion('type', schemas as unknown as [EventSchemaOf<EventType>, ...EventSchemaOf<EventType>[]]);

/** A parsed event of one type. */
export type EventOf<T extends EventType> = EventEnvelope & { type: T; payload: PayloadOf<T> };
/** Any event: a discriminated union on `type`. */
export type FloorEvent = { [T in EventType]: EventOf<T> }[EventType];

/** A station action before the envelope is stamped: what a command produces. */
export type Action = { [T in EventType]: { type: T; payload: PayloadOf<T> } }[EventType];
/**
 * Any action, parsed by its type's payload schema. Built from PAYLOADS, so its output is exactly `Action`; zod cannot
 * infer that through the mapped tuple, so the type is stated once here and every caller gets an `Action` uncast.
 */
export const ActionSchema = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((t) => z.object({ type: z.literal(t), payload: PAYLOADS[t] })) as unknown as [
    z.ZodObject<{ type: z.ZodLiteral<EventType>; payload: z.ZodType }>,
    ...z.ZodObject<{ type: z.ZodLiteral<EventType>; payload: z.ZodType }>[],
  ],
) as unknown as z.ZodType<Action>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Formats zod issues as "field.path: message; …" so an operator or a log line names the bad field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

export function parseEvent(input: unknown): ParseResult<FloorEvent> {
  const r = FloorEvent.safeParse(input);
  return r.success ? { ok: true, value: r.data as FloorEvent } : { ok: false, error: describeIssues(r.error) };
}

export function parseAction(input: unknown): ParseResult<Action> {
  const r = ActionSchema.safeParse(input);
  return r.success ? { ok: true, value: r.data as Action } : { ok: false, error: describeIssues(r.error) };
}

/** Stamp an action with its envelope. */
export function makeEvent(envelope: EventEnvelope, action: Action): FloorEvent {
  return { ...envelope, ...action } as FloorEvent;
}

/** The line an event acts on, if any. */
export function lineOf(event: FloorEvent | Action): string | undefined {
  const p = event.payload as { lineId?: unknown };
  return typeof p.lineId === 'string' ? p.lineId : undefined;
}

/** Wall-clock milliseconds of an event's HLC. */
export function eventWallMs(event: Pick<EventEnvelope, 'hlc'>): number {
  return hlcWallTime(event.hlc);
}
