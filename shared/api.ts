/**
 * The typed station API: every command the screens send to the station core, and the live topics they watch.
 * One registry (like Actual Budget's handlers): params and results are zod schemas, so the core parses every
 * request at the boundary and the client's `call(name, params)` is typed by the same table.
 */
import { z } from 'zod';
import type { AlertDoc, ConflictDoc, HoldDoc, LineDoc, TransferDoc, WorkOrderDoc } from './docs';
import { Sscc } from './barcode/gs1';
import { ActionSchema, LogoutReason, PartsCounted, TestMetal, VerificationTrigger, type Action } from './events';
import { Uuid } from './ids';
import { Count, Department, OperatorId, Quantity, Role, WorkOrderId } from './master';
import type { RefusalCode } from './refusal';

const Badge = z.string().trim().min(1, 'scan or type a badge').max(200);
const PinText = z.string().regex(/^\d{4,8}$/, 'PIN must be 4-8 digits');
/** A supervisor's own credential, checked offline against the roster's PIN hash. */
const SupervisorCredential = z.object({ supervisorBadge: Badge, supervisorPin: PinText });

export const Ack = z.object({ eventId: Uuid, seq: z.number().int().positive() });
export type Ack = z.infer<typeof Ack>;

export const SessionInfo = z.object({
  operatorId: OperatorId,
  name: z.string(),
  roles: z.array(Role),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const COMMANDS = {
  /**
   * Badge + PIN, checked offline against the roster; `ack`: the recorded operator.login (like every recorded event).
   * Another operator's live session is ended first, once the badge and PIN are accepted: their running labour clocks
   * paused and their logout recorded as `replaced`, each on disk before this login.
   */
  'session.login': { params: z.object({ badge: Badge, pin: PinText }), result: SessionInfo.extend({ ack: Ack }) },
  /**
   * `ack`: the recorded operator.logout; null when nobody was logged in (nothing recorded). `reason`: `timeout` for
   * the screen's idle logout (default `manual`); `replaced` and `shift_end` are not a screen's to give. The operator's
   * running labour clocks are paused first, by the core.
   */
  'session.logout': {
    params: z.object({ reason: LogoutReason.extract(['manual', 'timeout']).optional() }),
    result: z.object({ ok: z.literal(true), ack: Ack.nullable() }),
  },
  /**
   * Any station action from the event catalogue. `eventId` makes a retry idempotent: the same id answers with the
   * original acknowledgement instead of recording twice.
   */
  'action.record': { params: z.object({ action: ActionSchema, eventId: Uuid.optional() }), result: Ack },
  /** A raw scan (keyboard wedge or serial); the core classifies it and says what it means here. */
  'scan.submit': { params: z.object({ data: z.string().min(1).max(4000), symbology: z.string().max(8).optional() }), result: z.unknown() },
  /** QT-09 LOCK at the sender; answers with the signed slip payload to print. */
  'transfer.create': {
    params: z.object({ workOrderId: WorkOrderId, quantity: Quantity, eventId: Uuid.optional() }),
    result: z.object({ ack: Ack, transferId: Uuid, slip: z.string() }),
  },
  /** QT-09 UNLOCK at the receiver, from the transfer (synced) or from its scanned slip (offline). */
  'transfer.accept': {
    params: z
      .object({
        transferId: Uuid.optional(),
        slip: z.string().max(2000).optional(),
        countedQty: Count,
        discrepancyReason: z.string().trim().min(3).max(500).optional(),
        /** Step 300: the parts counted, checked against the SPK's bill of cut parts by the rule. */
        partsCounted: PartsCounted.optional(),
        eventId: Uuid.optional(),
      })
      .refine((p) => p.transferId !== undefined || p.slip !== undefined, { message: 'give a transfer id or a scanned slip', path: ['transferId'] }),
    result: Ack,
  },
  'line.release': {
    params: SupervisorCredential.extend({
      haltId: Uuid,
      disposition: z.enum(['metal_found', 'rescan_passed', 'destroyed', 'no_fault_found']),
      correctiveAction: z.string().trim().min(5).max(1000),
      eventId: Uuid.optional(),
    }),
    result: Ack,
  },
  'hold.release': {
    params: SupervisorCredential.extend({
      holdId: Uuid,
      results: z.array(z.object({ workOrderId: WorkOrderId, passedQty: Count, rejectedQty: Count })).min(1).max(200),
      /** What the re-inspection found and what was done. */
      note: z.string().trim().min(3).max(500).optional(),
      eventId: Uuid.optional(),
    }),
    result: Ack,
  },
  'needle.report': {
    params: SupervisorCredential.extend({
      machineId: z.string().min(1).max(40),
      workOrderId: WorkOrderId,
      allFragmentsFound: z.boolean(),
      needleExchanged: z.boolean(),
      piecesInProcess: Count,
      eventId: Uuid.optional(),
    }),
    result: Ack,
  },
  /** QT-09: a supervisor settles a competing claim (void it, or apply it once the sender's output covers it). */
  'conflict.resolve': {
    params: SupervisorCredential.extend({
      conflictId: Uuid,
      decision: z.enum(['void', 'apply']),
      note: z.string().trim().min(5).max(1000),
      eventId: Uuid.optional(),
    }),
    result: Ack,
  },
  /**
   * Packing: a supervisor closes an order short, completing it with what is packed while pieces of it are still
   * upstream or in transit (packing.shortClosed; the work order keeps who, why and how many short).
   */
  'packing.shortClose': {
    params: SupervisorCredential.extend({
      workOrderId: WorkOrderId,
      reason: z.string().trim().min(3).max(500),
      eventId: Uuid.optional(),
    }),
    result: Ack,
  },
  /** The logged-in operator saw an alert (raised → acknowledged; shared/rules/alerts.ts). */
  'alert.acknowledge': {
    params: z.object({ alertId: Uuid, note: z.string().trim().max(500).optional(), eventId: Uuid.optional() }),
    result: Ack,
  },
  /** A supervisor or QC inspector of the department (their own badge + PIN in the supervisor fields) is on it. */
  'alert.investigate': {
    params: SupervisorCredential.extend({ alertId: Uuid, note: z.string().trim().min(3).max(500), eventId: Uuid.optional() }),
    result: Ack,
  },
  /** A supervisor or QC inspector of the department closes an alert, saying why (a halt's closes with line.release). */
  'alert.close': {
    params: SupervisorCredential.extend({ alertId: Uuid, note: z.string().trim().min(3).max(500), eventId: Uuid.optional() }),
    result: Ack,
  },
  /**
   * An operator or QC inspector (logged in) starts a detector verification: the detector is asked for test mode (a
   * detector that takes no requests waits for the pieces run through by hand), its test-piece reports make the run,
   * recorded as md.verification with this trigger in the operator's name. `deviceId` may be left out when the
   * station has one detector; a run already being collected is the answer (`alreadyRunning`), never a second one.
   */
  'verification.start': {
    params: z.object({ trigger: VerificationTrigger, deviceId: z.string().min(1).max(40).optional() }),
    result: z.object({
      deviceId: z.string(),
      trigger: VerificationTrigger,
      startedAt: z.string(),
      /** The metals the run must test (the floor minimum plus the detector's own). */
      required: z.array(TestMetal),
      alreadyRunning: z.boolean(),
      /** `requested`: the detector was asked for test mode; `manual`: it takes no requests, run the pieces through. */
      testMode: z.enum(['requested', 'manual']),
    }),
  },
  /**
   * Packing: the next carton number (SSCC) from the leases this station holds, taken durably before it is answered
   * (a number is never handed out twice, a crash included), online or offline. Refused with a bilingual `text` when
   * no lease is left (the station asks the server for more while online).
   */
  'carton.nextSscc': {
    params: z.object({}).strict(),
    result: z.object({ sscc: Sscc, remaining: z.number().int().min(0) }),
  },
  'view.get': { params: z.object({}), result: z.unknown() },
} as const;

export type CommandName = keyof typeof COMMANDS;
export type CommandParams<C extends CommandName> = z.input<(typeof COMMANDS)[C]['params']>;
export type ParsedParams<C extends CommandName> = z.infer<(typeof COMMANDS)[C]['params']>;
export type CommandResult<C extends CommandName> = C extends 'view.get'
  ? StationView
  : C extends 'scan.submit'
    ? ScanOutcome
    : z.infer<(typeof COMMANDS)[C]['result']>;

/** What a scan means at this station right now. */
export type ScanOutcome =
  | { kind: 'badge'; operatorId: string; known: boolean }
  | { kind: 'spk'; workOrderId: string; known: boolean }
  | { kind: 'transferSlip'; verified: true; transferId: string; workOrderId: string; quantity: number; fromStationId: string; slip: string }
  | { kind: 'transferSlip'; verified: false; reason: string; message: Bilingual }
  | { kind: 'carton'; sscc: string }
  | { kind: 'unknown'; message: Bilingual };

export interface Bilingual {
  en: string;
  id: string;
}

/** A command that failed: bad input, a refused rule, or a wrong credential. Nothing was recorded. */
export interface CommandError {
  code: 'bad_request' | 'refused' | 'unauthenticated' | 'not_found' | 'internal';
  message: string;
  refusal?: RefusalCode;
  /** The station's own sentence for the operator (shared/messages/station.ts), when it is not a rule's refusal. */
  text?: Bilingual;
}

export type SyncState = 'offline' | 'connecting' | 'syncing' | 'online' | 'disabled';

export interface SyncStatus {
  state: SyncState;
  /** When the station entered `state` (ISO time; absent when not known): the header's "offline since". */
  since?: string;
  /** Own events not yet applied by the server. */
  backlog: number;
  lastPushAt: string | null;
  lastPullAt: string | null;
  lastError: string | null;
  /** Pulled documents that did not parse: kept out of the station's state (the station's log says why). */
  untrustedDocuments?: number;
}

export interface DeviceHealthView {
  deviceId: string;
  kind: string;
  connected: boolean;
  lastFrameAt: string | null;
  faults: number;
  errors: number;
  reconnects: number;
  message: string | null;
  /** A detector's verification run being collected (null: none; absent: not a detector). */
  verificationRun?: VerificationRunView | null;
}

/** A detector's verification run being collected: started at the station (`verification.start`) or by the detector. */
export interface VerificationRunView {
  /** The trigger given at the station; null for a run the detector started (named when it is recorded). */
  trigger: VerificationTrigger | null;
  /** Who started it at the station; null when the detector did. */
  requestedBy: string | null;
  startedAt: string;
  /** Metals tested so far and pieces read (0: waiting for the first test piece). */
  metals: TestMetal[];
  pieces: number;
  /** The metals the run must test. */
  required: TestMetal[];
}

/** The line's detector verification, for the station screen's detector panel (`shared/rules/detector.ts`). */
export interface VerificationView {
  /** 'due': none since start-up, power-on or a new lot, or the hour is up; 'failed': the last run failed; else 'ok'. */
  status: 'ok' | 'due' | 'failed';
  lastPassAt: string | null;
  /** When the hourly verification falls (or fell) due; null before any pass. */
  dueAt: string | null;
  /** Runs being collected now, per detector. */
  running: (VerificationRunView & { deviceId: string })[];
}

/** An own event the server refused: it stays visible with its reason (and on the supervisors' conflict queue). */
export interface RefusedEventView {
  eventId: string;
  seq: number;
  type: string;
  code: string;
  message: string;
}

/** Everything the station screen shows. */
export interface StationView {
  station: { id: string; department: Department; lineId: string; name: string };
  operator: SessionInfo | null;
  workOrders: WorkOrderDoc[];
  incoming: TransferDoc[];
  outgoing: TransferDoc[];
  line: LineDoc | null;
  /** The detector panel: null when no detector is connected to this station. */
  verification: VerificationView | null;
  alerts: AlertDoc[];
  holds: HoldDoc[];
  refused: RefusedEventView[];
  /** QT-09 conflicts this department is a side of, still waiting or open (both departments see them). */
  conflicts: ConflictDoc[];
  pendingEvents: number;
  lastSeq: number;
}

/** A scan read by a serial scanner, classified as `scan.submit` would, pushed to the screen as it happens. */
export interface DeviceScanView {
  deviceId: string;
  data: string;
  symbology: string | null;
  at: string;
  outcome: ScanOutcome;
}

export const TOPICS = ['view', 'sync', 'hardware', 'scan'] as const;
export type Topic = (typeof TOPICS)[number];
export interface TopicData {
  view: StationView;
  sync: SyncStatus;
  hardware: DeviceHealthView[];
  /** A scan is an event, not state: a new subscriber gets null, then each scan as it is read. */
  scan: DeviceScanView | null;
}

/** The contract both transports (Electron IPC, kiosk WebSocket) implement. */
export interface StationApi {
  call<C extends CommandName>(name: C, params: CommandParams<C>): Promise<CommandResult<C>>;
  subscribe<T extends Topic>(topic: T, listener: (data: TopicData[T]) => void): () => void;
}

/** Wire messages of the kiosk WebSocket transport. */
export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int(), name: z.string(), params: z.unknown() }),
  z.object({ t: z.literal('sub'), topic: z.enum(TOPICS) }),
  z.object({ t: z.literal('unsub'), topic: z.enum(TOPICS) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

export type ServerMessage =
  | { t: 'result'; id: number; ok: true; result: unknown }
  | { t: 'result'; id: number; ok: false; error: CommandError }
  | { t: 'topic'; topic: Topic; data: unknown };

export type { Action };
