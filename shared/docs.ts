import type { Department, Place, RouteId } from './master';
import type { FloorEvent, SlipCopy } from './events';

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
  /** Transfers this work order sent (their LOCK took pieces from `sentQty`'s budget): the other side of a conflict. */
  transfersOut?: string[];
  /** Open conflicts holding an acceptance into this work order (pieces here that are not counted until decided). */
  disputes?: string[];
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
