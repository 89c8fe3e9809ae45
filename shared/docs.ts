import { z } from 'zod';
import { Department, Operator, Place, RouteId, Station, type CutPart } from './master';
import { PAYLOADS, parseEvent, SlipCopy, type EventType, type FloorEvent } from './events';
import { HlcTimestamp } from './hlc';
import { RefusalDocument } from './refusal';

/**
 * The authoritative documents. The server computes them from events with the shared reducer and replicates them
 * down; a station computes the same documents locally from pulled documents + its own pending events.
 */
/** One operator's clock on one SPK: time worked so far, and since when it runs (null: paused or finished). */
export interface LabourClock {
  state: 'running' | 'paused' | 'finished';
  /** Wall-clock ms (from the event's HLC) the running span started; null when not running. */
  runningSince: number | null;
  /** Milliseconds worked in closed spans. */
  workedMs: number;
}

export interface WorkOrderDoc {
  kind: 'workOrder';
  id: string;
  moId: string;
  place: Place;
  articleCode: string;
  route: RouteId;
  destination: string;
  shipWeek: string;
  /** Planned quantity; surplus at cutting revises it upward (steps 230–250). */
  plannedQty: number;
  status: 'open' | 'received' | 'closed';
  /** Pieces that came in: accepted transfers' counted quantities (0 for cutting, which creates pieces). */
  receivedQty: number;
  /** Per stage counts of good pieces (cutting parts, embroidery, sewing stages, finishing steps, md passes). */
  stageQty: Record<string, number>;
  /** Pieces finished at this place and ready to hand over (or, at packing, packed into cartons). */
  producedQty: number;
  scrappedQty: number;
  /** Pieces scrapped before they started the first stage (e.g. embroidery defects). */
  inputScrapQty: number;
  reworkQty: number;
  /** Inline / physical QC results per stage. */
  qc: Record<string, { pass: number; rework: number; scrap: number }>;
  /** Pieces locked in transfers sent onward (QT-09 LOCK). */
  sentQty: number;
  /** Pieces quarantined by an open hold (failed/overdue verification, missing needle fragments). */
  heldQty: number;
  shortageQty: number;
  surplusQty: number;
  /** Packing: the SSCCs of the cartons packed on this SPK, in the order they were packed. */
  cartons: string[];
  /**
   * Packing: each carton's manifest line (SSCC, pieces, the packing event's HLC), in `cartons`' order; absent on work
   * orders packed before it was kept (their cartons have no line here: shared/rules/packing.ts `packingList`).
   */
  packedCartons?: PackedCarton[];
  finalInspection: 'pending' | 'pass' | 'fail';
  /** Transfers this work order sent (their LOCK took pieces from `sentQty`'s budget): the other side of a conflict. */
  transfersOut?: string[];
  /** Open conflicts holding an acceptance into this work order (pieces here that are not counted until decided). */
  disputes?: string[];
  /** Packing only: a supervisor closed the order short (`packing.shortClosed`); absent when completed in full. */
  shortClose?: ShortClose;
  /** Labour time per operator on this SPK (shared/rules/labour.ts); absent until someone starts the clock. */
  labour?: Record<string, LabourClock>;
  /** The article's bill of cut parts (from the MO); absent on work orders released before BOMs (one piece = one set). */
  cutParts?: CutPart[];
  /**
   * The WIP code the goods carry at this place (from the MO's article: shared/master.ts wipCodeAt); absent on work
   * orders released before the master kept WIP codes, on an MO without them, and at packing (finished goods).
   */
  wipCode?: string;
  /** Cutting only: parts cut so far, per part; `stageQty.cut` counts the complete sets they make (shared/rules/bom.ts). */
  partsCut?: Record<string, number>;
}

/** One packed carton as its `packing.carton` event recorded it. */
export interface PackedCarton {
  sscc: string;
  qty: number;
  /** The packing event's HLC (its wall time: `hlcWallTime`). */
  at: string;
}

/** The audit of a short close: who, why, when, and what the order lacked (counts when it was decided). */
export interface ShortClose {
  by: string;
  reason: string;
  eventId: string;
  at: string;
  plannedQty: number;
  packedQty: number;
  /** plannedQty − packedQty (never below 0). */
  shortQty: number;
  /** Pieces still in the WIP of the order's other departments. */
  upstreamQty: number;
  /** Pieces LOCKed in transfers not yet counted in. */
  inTransitQty: number;
}

export interface TransferDoc {
  kind: 'transfer';
  id: string;
  moId: string;
  workOrderId: string;
  toWorkOrderId: string;
  articleCode: string;
  quantity: number;
  from: Place;
  to: Place;
  receivingDepartment: Department;
  fromStationId: string;
  /**
   * locked: in transit. accepted: counted = sent. discrepancy: counted ≠ sent, with a reason. awaiting_lock: the
   * receiver accepted from the slip but the sender's pieces have not reached the server yet (the acceptance waits in a
   * conflict document for the sender's LOCK). disputed: its pieces were already claimed by another transfer of the
   * same work order (a conflict waits for a supervisor). void: a supervisor cancelled the claim.
   */
  status: 'locked' | 'accepted' | 'discrepancy' | 'awaiting_lock' | 'disputed' | 'void';
  /**
   * The sender's `sentQty` includes this transfer (its LOCK was applied, by its own event or from the signed slip an
   * acceptance carried). Absent on documents written before slips applied the LOCK: the LOCK event then debits.
   */
  senderDebited?: boolean;
  /** The sender's LOCK event; null while only the receiver's offline acceptance (from the slip) has arrived. */
  createdEventId: string | null;
  createdBy: string | null;
  createdAt: string | null;
  countedQty: number | null;
  discrepancyReason: string | null;
  /** Step 300: the parts the receiver counted, when it counted them against the BOM (absent otherwise). */
  partsCounted?: Record<string, number>;
  acceptedEventId: string | null;
  acceptedBy: string | null;
  acceptedStationId: string | null;
  acceptedAt: string | null;
  slip: SlipCopy | null;
}

export interface LineHalt {
  haltId: string;
  cause: 'detection' | 'suspected_detection' | 'manual';
  since: string;
  eventId: string;
  detections: number;
  metal: string | null;
  reason: string | null;
}

export interface LineDoc {
  kind: 'line';
  id: string;
  department: Department;
  /** What the line holds now; another article/destination may enter only after a clearance. */
  occupant: { articleCode: string; destination: string; workOrderId: string } | null;
  lastClearance: { step: number; eventId: string; by: string | null; at: string } | null;
  halt: LineHalt | null;
  verification: {
    /** 'due': none since start-up / power-on; 'failed': the last test failed; 'ok': passed within the hour. */
    status: 'ok' | 'due' | 'failed';
    lastPassAt: string | null;
    lastPassEventId: string | null;
  };
  /** Pieces through the detector since the last passing verification, per work order. */
  sinceLastPass: Record<string, number>;
  /** The open verification hold that pieces go into until the next passing verification. */
  openHoldId: string | null;
  rejects: number;
  faults: number;
  /** Alerts raised on this line and not closed yet (shared/rules/alerts.ts closes them when their cause is gone). */
  alerts?: string[];
}

export interface HoldDoc {
  kind: 'hold';
  id: string;
  lineId: string;
  reason: 'verification_failed' | 'verification_overdue' | 'needle_fragments_missing';
  /** Pieces on hold, per work order. */
  items: Record<string, number>;
  status: 'open' | 'released';
  createdEventId: string;
  createdAt: string;
  releasedBy: string | null;
  releasedEventId: string | null;
}

/** raised → acknowledged (an operator saw it) → investigating (a supervisor or QC inspector is on it) → closed. */
export type AlertStatus = 'raised' | 'acknowledged' | 'investigating' | 'closed';
/** Why an alert closed: by hand (a supervisor or QC inspector, with a note), or its cause is gone. */
export type AlertCloseReason = 'closed_by_hand' | 'verification_passed' | 'line_released' | 'hold_released' | 'superseded';

/** One step of an alert after it was raised: who (null: the rules, its cause gone), when (HLC), by which event, why. */
export interface AlertStep {
  status: Exclude<AlertStatus, 'raised'>;
  by: string | null;
  at: string;
  eventId: string;
  note: string;
}

export interface AlertDoc {
  kind: 'alert';
  id: string;
  /** P1 halts and failed checks; P2 needs a supervisor soon; P3 pieces unaccounted for; P4 for information. */
  severity: 'P1' | 'P2' | 'P3' | 'P4';
  type: 'metal_detection' | 'manual_halt' | 'shortage' | 'verification_failed' | 'verification_overdue' | 'needle_fragments_missing' | 'detector_fault' | 'transfer_discrepancy' | 'surplus';
  lineId: string | null;
  workOrderId: string | null;
  message: string;
  status: AlertStatus;
  raisedEventId: string;
  raisedAt: string;
  /** The hold its pieces went into when it was raised (its release is the alert's cause gone); null: none. */
  holdId?: string | null;
  /** Every step after it was raised, in order (absent on alerts written before steps were kept). */
  steps?: AlertStep[];
  closedEventId: string | null;
  /** null while open. */
  closedBecause?: AlertCloseReason | null;
}

/** One side of a competing claim: a transfer of the same work order that holds the pieces. */
export interface ConflictHolder {
  transferId: string;
  fromStationId: string;
  quantity: number;
  status: TransferDoc['status'];
  acceptedStationId: string | null;
}

/**
 * A transfer whose pieces are not (yet) the sender's to give (QT-09), one per transfer:
 * - `awaiting_lock` (status `waiting`): the receiver accepted from the signed slip before the sender's pieces reached
 *   the server; when the sender's LOCK arrives and its pieces cover it, what waited is replayed and the conflict
 *   closes by itself (decision `locked`).
 * - `competing_claim` (status `open`): the LOCK found the pieces already sent by another transfer of the same work
 *   order (two senders offline on one order). Nothing is settled silently: the transfer counts nowhere, and a
 *   supervisor's `conflict.resolved` decides: void (the same pieces on two slips) or apply (the pieces exist: the
 *   sender's output now covers them; the LOCK is applied and what waited is replayed in order).
 * What waits (`parked`): the receiver's acceptance and the receiver's later work that needed those pieces, so work
 * done downstream is neither counted early nor refused in a cascade.
 */
export interface ConflictDoc {
  kind: 'conflict';
  /** The disputed transfer's id (one conflict per transfer). */
  id: string;
  type: 'awaiting_lock' | 'competing_claim';
  moId: string;
  workOrderId: string;
  toWorkOrderId: string;
  quantity: number;
  from: Place;
  receivingDepartment: Department;
  /** The event that found the pieces missing: the acceptance (awaiting_lock) or the LOCK (competing_claim). */
  claim: { eventId: string; type: FloorEvent['type']; stationId: string; operatorId: string | null; at: string; fromStationId: string };
  /** The other side: transfers of the same work order holding the pieces when the claim arrived. */
  holders: ConflictHolder[];
  /** What the sender's work order had ready to send when the claim arrived (null while only waiting). */
  readyAtClaim: number | null;
  /** Receiver events waiting for the decision, in the order they reached the server. */
  parked: FloorEvent[];
  status: 'waiting' | 'open' | 'resolved';
  resolution: {
    /** void / apply: a supervisor's decision; locked: the sender's LOCK arrived and covered the pieces. */
    decision: 'void' | 'apply' | 'locked';
    by: string | null;
    eventId: string;
    at: string;
    note: string;
    /** Parked events that did not pass when replayed (visible, never silently dropped). */
    notReplayed: { eventId: string; code: string; message: string }[];
  } | null;
  raisedAt: string;
}

export type Doc = WorkOrderDoc | TransferDoc | LineDoc | HoldDoc | AlertDoc | ConflictDoc;
export type DocKind = Doc['kind'];
export type DocOf<K extends DocKind> = Extract<Doc, { kind: K }>;

/**
 * Read access to documents. The station has all of its documents in memory; the server loads the ones a batch
 * needs and throws `NeedDocs` for the rest (see reducer.ts), so the same rules run on both.
 */
export interface DocReader {
  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined;
  /**
   * True where the reader holds every document there is (the server): a missing document does not exist. A station
   * holds only its scope, so a missing document there may simply belong to another department.
   */
  readonly complete?: boolean;
}

/** All documents, by kind and id. Plain records, so the state serialises as it is. */
export type FloorState = { [K in DocKind]: Record<string, DocOf<K>> };

/** The kinds of authoritative floor documents (what `decide` reads and writes). */
export const FLOOR_DOC_KINDS: readonly DocKind[] = ['workOrder', 'transfer', 'line', 'hold', 'alert', 'conflict'];

export function emptyState(): FloorState {
  return { workOrder: {}, transfer: {}, line: {}, hold: {}, alert: {}, conflict: {} };
}

/** A reader over a whole in-memory state; `complete` when it is the whole floor (a server model in tests). */
export function stateReader(state: FloorState, complete = false): DocReader {
  return {
    complete,
    get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined {
      const table = state[kind] as Record<string, DocOf<K>>;
      return Object.prototype.hasOwnProperty.call(table, id) ? table[id] : undefined;
    },
  };
}

/** A new state with `changes` written over `state` (copy-on-write per touched kind). */
export function withChanges(state: FloorState, changes: readonly Doc[]): FloorState {
  if (changes.length === 0) return state;
  const next: FloorState = { ...state };
  const copied = new Set<DocKind>();
  for (const doc of changes) {
    if (!copied.has(doc.kind)) {
      (next as Record<DocKind, Record<string, Doc>>)[doc.kind] = { ...state[doc.kind] };
      copied.add(doc.kind);
    }
    (next[doc.kind] as Record<string, Doc>)[doc.id] = doc;
  }
  return next;
}

/** Writes `changes` into `state` in place: for an owner of a private state (the station core). */
export function writeChanges(state: FloorState, changes: readonly Doc[]): void {
  for (const doc of changes) (state[doc.kind] as Record<string, Doc>)[doc.id] = doc;
}

/** A work order's document as it opens: its plan from the fan-out, nothing counted yet. */
export function newWorkOrderDoc(
  wo: Pick<WorkOrderDoc, 'id' | 'moId' | 'place' | 'articleCode' | 'route' | 'destination' | 'shipWeek' | 'plannedQty' | 'cutParts' | 'wipCode'>,
): WorkOrderDoc {
  return {
    kind: 'workOrder',
    ...wo,
    status: 'open',
    receivedQty: 0,
    stageQty: {},
    producedQty: 0,
    scrappedQty: 0,
    inputScrapQty: 0,
    reworkQty: 0,
    qc: {},
    sentQty: 0,
    heldQty: 0,
    shortageQty: 0,
    surplusQty: 0,
    cartons: [],
    finalInspection: 'pending',
  };
}

export function newLineDoc(id: string, department: Department): LineDoc {
  return {
    kind: 'line',
    id,
    department,
    occupant: null,
    lastClearance: null,
    halt: null,
    verification: { status: 'due', lastPassAt: null, lastPassEventId: null },
    sinceLastPass: {},
    openHoldId: null,
    rejects: 0,
    faults: 0,
  };
}

// ---- schemas: what a station accepts from a pull (each checked against its TypeScript type above) ----------------
// Loose objects: a field this version does not know (a newer server's, or one a reducer carries along, like a work
// order's route `from`/`to`) is kept as it came, so parsing never changes what the station holds, only whether.

const Qty = z.number();
const PerWorkOrder = z.record(z.string(), z.number());
const Iso = z.string();
/** A parked event, parsed as the server would (parseEvent: the union's inferred type is wider than FloorEvent). */
const ParkedEvent = z.unknown().transform((v, ctx): FloorEvent => {
  const r = parseEvent(v);
  if (r.ok) return r.value;
  ctx.addIssue({ code: 'custom', message: r.error });
  return z.NEVER;
});
const EventTypeName = z.custom<EventType>((v) => typeof v === 'string' && Object.hasOwn(PAYLOADS, v), 'an event type this version knows');

export const WorkOrderDocSchema: z.ZodType<WorkOrderDoc> = z.looseObject({
  kind: z.literal('workOrder'),
  id: z.string(),
  moId: z.string(),
  place: Place,
  articleCode: z.string(),
  route: RouteId,
  destination: z.string(),
  shipWeek: z.string(),
  plannedQty: Qty,
  status: z.enum(['open', 'received', 'closed']),
  receivedQty: Qty,
  stageQty: PerWorkOrder,
  producedQty: Qty,
  scrappedQty: Qty,
  inputScrapQty: Qty,
  reworkQty: Qty,
  qc: z.record(z.string(), z.looseObject({ pass: Qty, rework: Qty, scrap: Qty })),
  sentQty: Qty,
  heldQty: Qty,
  shortageQty: Qty,
  surplusQty: Qty,
  cartons: z.array(z.string()),
  packedCartons: z.array(z.looseObject({ sscc: z.string(), qty: Qty, at: HlcTimestamp })).optional(),
  finalInspection: z.enum(['pending', 'pass', 'fail']),
  transfersOut: z.array(z.string()).optional(),
  disputes: z.array(z.string()).optional(),
  cutParts: z.array(z.looseObject({ part: z.string(), qtyPerSet: Qty })).optional(),
  wipCode: z.string().optional(),
  partsCut: PerWorkOrder.optional(),
  labour: z
    .record(z.string(), z.looseObject({ state: z.enum(['running', 'paused', 'finished']), runningSince: z.number().nullable(), workedMs: z.number().nonnegative() }))
    .optional(),
  shortClose: z
    .looseObject({
      by: z.string(),
      reason: z.string(),
      eventId: z.string(),
      at: Iso,
      plannedQty: Qty,
      packedQty: Qty,
      shortQty: Qty,
      upstreamQty: Qty,
      inTransitQty: Qty,
    })
    .optional(),
});

const TransferStatus = z.enum(['locked', 'accepted', 'discrepancy', 'awaiting_lock', 'disputed', 'void']);

export const TransferDocSchema: z.ZodType<TransferDoc> = z.looseObject({
  kind: z.literal('transfer'),
  id: z.string(),
  moId: z.string(),
  workOrderId: z.string(),
  toWorkOrderId: z.string(),
  articleCode: z.string(),
  quantity: Qty,
  from: Place,
  to: Place,
  receivingDepartment: Department,
  fromStationId: z.string(),
  status: TransferStatus,
  senderDebited: z.boolean().optional(),
  createdEventId: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: Iso.nullable(),
  countedQty: Qty.nullable(),
  discrepancyReason: z.string().nullable(),
  partsCounted: PerWorkOrder.optional(),
  acceptedEventId: z.string().nullable(),
  acceptedBy: z.string().nullable(),
  acceptedStationId: z.string().nullable(),
  acceptedAt: Iso.nullable(),
  slip: SlipCopy.nullable(),
});

export const LineDocSchema: z.ZodType<LineDoc> = z.looseObject({
  kind: z.literal('line'),
  id: z.string(),
  department: Department,
  occupant: z.looseObject({ articleCode: z.string(), destination: z.string(), workOrderId: z.string() }).nullable(),
  lastClearance: z.looseObject({ step: z.number(), eventId: z.string(), by: z.string().nullable(), at: Iso }).nullable(),
  halt: z
    .object({
      haltId: z.string(),
      cause: z.enum(['detection', 'suspected_detection', 'manual']),
      since: Iso,
      eventId: z.string(),
      detections: z.number(),
      metal: z.string().nullable(),
      reason: z.string().nullable(),
    })
    .nullable(),
  verification: z.looseObject({ status: z.enum(['ok', 'due', 'failed']), lastPassAt: Iso.nullable(), lastPassEventId: z.string().nullable() }),
  sinceLastPass: PerWorkOrder,
  openHoldId: z.string().nullable(),
  rejects: z.number(),
  faults: z.number(),
  alerts: z.array(z.string()).optional(),
});

export const HoldDocSchema: z.ZodType<HoldDoc> = z.looseObject({
  kind: z.literal('hold'),
  id: z.string(),
  lineId: z.string(),
  reason: z.enum(['verification_failed', 'verification_overdue', 'needle_fragments_missing']),
  items: PerWorkOrder,
  status: z.enum(['open', 'released']),
  createdEventId: z.string(),
  createdAt: Iso,
  releasedBy: z.string().nullable(),
  releasedEventId: z.string().nullable(),
});

export const AlertDocSchema: z.ZodType<AlertDoc> = z.looseObject({
  kind: z.literal('alert'),
  id: z.string(),
  severity: z.enum(['P1', 'P2', 'P3', 'P4']),
  type: z.enum(['metal_detection', 'manual_halt', 'shortage', 'verification_failed', 'verification_overdue', 'needle_fragments_missing', 'detector_fault', 'transfer_discrepancy', 'surplus']),
  lineId: z.string().nullable(),
  workOrderId: z.string().nullable(),
  message: z.string(),
  // 'open': an alert written before the lifecycle (raised, not yet acknowledged).
  status: z.preprocess((s) => (s === 'open' ? 'raised' : s), z.enum(['raised', 'acknowledged', 'investigating', 'closed'])),
  raisedEventId: z.string(),
  raisedAt: Iso,
  holdId: z.string().nullable().optional(),
  steps: z
    .array(
      z.looseObject({
        status: z.enum(['acknowledged', 'investigating', 'closed']),
        by: z.string().nullable(),
        at: Iso,
        eventId: z.string(),
        note: z.string(),
      }),
    )
    .optional(),
  closedEventId: z.string().nullable(),
  closedBecause: z.enum(['closed_by_hand', 'verification_passed', 'line_released', 'hold_released', 'superseded']).nullable().optional(),
});

export const ConflictDocSchema: z.ZodType<ConflictDoc> = z.looseObject({
  kind: z.literal('conflict'),
  id: z.string(),
  type: z.enum(['awaiting_lock', 'competing_claim']),
  moId: z.string(),
  workOrderId: z.string(),
  toWorkOrderId: z.string(),
  quantity: Qty,
  from: Place,
  receivingDepartment: Department,
  claim: z.looseObject({ eventId: z.string(), type: EventTypeName, stationId: z.string(), operatorId: z.string().nullable(), at: Iso, fromStationId: z.string() }),
  holders: z.array(z.looseObject({ transferId: z.string(), fromStationId: z.string(), quantity: Qty, status: TransferStatus, acceptedStationId: z.string().nullable() })),
  readyAtClaim: Qty.nullable(),
  parked: z.array(ParkedEvent),
  status: z.enum(['waiting', 'open', 'resolved']),
  resolution: z
    .object({
      decision: z.enum(['void', 'apply', 'locked']),
      by: z.string().nullable(),
      eventId: z.string(),
      at: Iso,
      note: z.string(),
      notReplayed: z.array(z.looseObject({ eventId: z.string(), code: z.string(), message: z.string() })),
    })
    .nullable(),
  raisedAt: Iso,
});

/** Floor documents by kind: `FLOOR_DOC_SCHEMAS[kind]` parses a pulled body of that kind. */
export const FLOOR_DOC_SCHEMAS: { readonly [K in DocKind]: z.ZodType<DocOf<K>> } = {
  workOrder: WorkOrderDocSchema,
  transfer: TransferDocSchema,
  line: LineDocSchema,
  hold: HoldDocSchema,
  alert: AlertDocSchema,
  conflict: ConflictDocSchema,
};

/** The server's progress for one station: its events up to `lastAppliedSeq` are inside the documents. */
export const StationProgressDoc = z.looseObject({ stationId: z.string(), lastAppliedSeq: z.number().int().nonnegative() });
export type StationProgressDoc = z.infer<typeof StationProgressDoc>;

/** A station's public key (every station holds every key, to verify transfer slips offline). */
export const StationKeyDoc = z.looseObject({
  stationId: z.string(),
  /** The server writes it; the station only needs the key and its revocation. */
  department: z.string().optional(),
  publicKey: z.string().min(1),
  /** ISO time; slips signed by a revoked station are not trusted for anything after it. */
  revokedAt: Iso.nullable().optional(),
});
export type StationKeyDoc = z.infer<typeof StationKeyDoc>;

/**
 * Bodies of the documents that are not floor state, by kind. A kind not listed here (a newer server's) is kept as it
 * came: nothing on this station reads it.
 */
export const OTHER_DOC_SCHEMAS: Readonly<Record<string, z.ZodType<Record<string, unknown>>>> = {
  operator: Operator,
  station: Station,
  stationProgress: StationProgressDoc,
  stationKey: StationKeyDoc,
  refusal: RefusalDocument,
};
