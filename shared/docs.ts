import type { Department, Place, RouteId } from './master';
import type { SlipCopy } from './events';

/**
 * The authoritative documents. The server computes them from events with the shared reducer and replicates them
 * down; a station computes the same documents locally from pulled documents + its own pending events.
 */
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
  cartons: string[];
  finalInspection: 'pending' | 'pass' | 'fail';
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
  /** locked: in transit. accepted: counted = sent. discrepancy: counted ≠ sent, with a reason. */
  status: 'locked' | 'accepted' | 'discrepancy';
  /** The sender's LOCK event; null while only the receiver's offline acceptance (from the slip) has arrived. */
  createdEventId: string | null;
  createdBy: string | null;
  createdAt: string | null;
  countedQty: number | null;
  discrepancyReason: string | null;
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

export interface AlertDoc {
  kind: 'alert';
  id: string;
  severity: 'P1' | 'P2' | 'P3';
  type: 'metal_detection' | 'manual_halt' | 'shortage' | 'verification_failed' | 'verification_overdue' | 'needle_fragments_missing' | 'detector_fault';
  lineId: string | null;
  workOrderId: string | null;
  message: string;
  status: 'open' | 'closed';
  raisedEventId: string;
  raisedAt: string;
  closedEventId: string | null;
}

export type Doc = WorkOrderDoc | TransferDoc | LineDoc | HoldDoc | AlertDoc;
export type DocKind = Doc['kind'];
export type DocOf<K extends DocKind> = Extract<Doc, { kind: K }>;

/**
 * Read access to documents. The station has all of its documents in memory; the server loads the ones a batch
 * needs and throws `NeedDocs` for the rest (see reducer.ts), so the same rules run on both.
 */
export interface DocReader {
  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined;
}

/** All documents, by kind and id. Plain records, so the state serialises as it is. */
export type FloorState = { [K in DocKind]: Record<string, DocOf<K>> };

/** The kinds of authoritative floor documents (what `decide` reads and writes). */
export const FLOOR_DOC_KINDS: readonly DocKind[] = ['workOrder', 'transfer', 'line', 'hold', 'alert'];

export function emptyState(): FloorState {
  return { workOrder: {}, transfer: {}, line: {}, hold: {}, alert: {} };
}

export function stateReader(state: FloorState): DocReader {
  return {
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

export function newWorkOrderDoc(wo: {
  id: string;
  moId: string;
  place: Place;
  articleCode: string;
  route: RouteId;
  destination: string;
  shipWeek: string;
  plannedQty: number;
}): WorkOrderDoc {
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
