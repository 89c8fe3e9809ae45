import { emptyState, stateReader, withChanges, type Doc, type DocReader, type FloorState } from './docs';
import type { EventOf, EventType, FloorEvent } from './events';
import { worksAt, type MasterData } from './master';
import type { Refusal } from './refusal';
import * as alerts from './rules/alerts';
import { parkIfDisputed } from './rules/conflict';
import * as detector from './rules/detector';
import * as labour from './rules/labour';
import * as line from './rules/line';
import * as packing from './rules/packing';
import * as transfer from './rules/transfer';
import { NeedDocs, Refused, Tx, refuse, type DocKey } from './rules/tx';
import * as work from './rules/work';

export { NeedDocs, type DocKey } from './rules/tx';

export type Decision =
  | { ok: true; changes: Doc[] }
  | { ok: false; refusal: Refusal }
  /** Server side only: the reader lacks these documents; load them and decide again. */
  | { ok: 'need'; keys: DocKey[] };

type Handler<T extends EventType> = (tx: Tx, e: EventOf<T>) => void;
const noChange = (): void => undefined;

/** One rule per station action. */
const HANDLERS: { [T in EventType]: Handler<T> } = {
  'operator.login': noChange,
  'operator.logout': noChange,
  'spk.received': work.receiveSpk,
  'material.allocated': work.allocateMaterial,
  'cutting.output': work.recordCutting,
  'cutting.shortage': work.escalateShortage,
  'cutting.surplus': work.reviseSurplus,
  'embroidery.output': work.recordEmbroidery,
  'sewing.stage': work.recordSewingStage,
  'qc.inline': work.recordInlineQc,
  'segregation.acknowledged': line.acknowledgeSegregation,
  'line.cleared': line.clearLine,
  'transfer.created': (tx, e) => transfer.lockTransfer(tx, e, decide),
  'transfer.accepted': transfer.acceptTransfer,
  'transfer.discrepancy': transfer.acceptTransfer,
  'finishing.step': work.recordFinishingStep,
  'finishing.physicalQc': work.recordPhysicalQc,
  'fg.converted': work.convertToFg,
  'packing.sorted': packing.sortForPacking,
  'packing.carton': packing.packCarton,
  'packing.shippingMark': packing.printShippingMark,
  'packing.finalInspection': packing.recordFinalInspection,
  'packing.completed': packing.completePacking,
  'packing.shortClosed': packing.shortClosePacking,
  'md.pass': detector.recordDetectorPass,
  'md.detection': detector.recordDetection,
  'md.verification': detector.recordVerification,
  'md.verificationOverdue': detector.recordVerificationOverdue,
  'md.fault': detector.recordDetectorFault,
  'md.powerOn': detector.recordPowerOn,
  'line.halted': line.haltLine,
  'line.released': line.releaseLine,
  'hold.released': detector.releaseHold,
  'needle.broken': detector.reportBrokenNeedle,
  'spk.closed': work.closeSpk,
  'conflict.resolved': (tx, e) => transfer.resolveConflict(tx, e, decide),
  'alert.acknowledged': alerts.acknowledgeAlert,
  'alert.investigating': alerts.investigateAlert,
  'alert.closed': alerts.closeAlertByHand,
  'labour.started': labour.startLabour,
  'labour.paused': labour.pauseLabour,
  'labour.finished': labour.finishLabour,
};

/** Events a device sends on its own, with nobody logged in. */
const DEVICE_EVENTS: ReadonlySet<EventType> = new Set(['md.pass', 'md.detection', 'md.fault', 'md.powerOn', 'md.verificationOverdue', 'md.verification']);

function authorise(master: MasterData, event: FloorEvent): Tx['operator'] {
  if (event.operatorId === null) {
    if (!DEVICE_EVENTS.has(event.type)) refuse('not_logged_in', `${event.type} needs a logged-in operator`);
    return undefined;
  }
  const op = master.operators.get(event.operatorId);
  if (!op || !op.active) refuse('unknown_operator', `operator ${event.operatorId} is not on the active roster`);
  return op;
}

/**
 * The one rule book: decides whether `event` is allowed against the documents `reader` gives, and which documents
 * it changes. Pure and deterministic: the station and the server reach the same decision for the same inputs.
 */
export interface DecideOptions {
  /** See Tx.recorded: true on the server and when a station rebases its own recorded events; false for a command. */
  recorded?: boolean;
  /** A conflict's waiting events being replayed: one that fails is reported, not parked again. */
  replaying?: boolean;
}

export function decide(reader: DocReader, event: FloorEvent, master: MasterData, opts: DecideOptions = {}): Decision {
  try {
    const station = master.stations.get(event.stationId);
    if (!station) refuse('unknown_station', `station ${event.stationId} is not registered`);
    const operator = authorise(master, event);
    if (operator && !worksAt(operator, station.department)) {
      refuse('not_authorised', `${operator.id} does not work at ${station.department}`);
    }
    const tx = new Tx(reader, event, master, station, operator, opts.recorded === true);
    (HANDLERS[event.type] as Handler<EventType>)(tx, event as EventOf<EventType>);
    // Alerts raised join their line's list; alerts whose cause this event took away close (rules/alerts.ts).
    alerts.settleAlerts(tx);
    return { ok: true, changes: tx.changes() };
  } catch (err) {
    if (err instanceof Refused) {
      return opts.recorded && !opts.replaying && err.refusal.code === 'exceeds_available' ? parkOrRefuse(reader, event, master, err.refusal) : { ok: false, refusal: err.refusal };
    }
    if (err instanceof NeedDocs) return { ok: 'need', keys: err.keys };
    throw err;
  }
}

/** Work that lacks pieces only because they wait in a conflict is parked there (rules/conflict.ts), else refused. */
function parkOrRefuse(reader: DocReader, event: FloorEvent, master: MasterData, refusal: Refusal): Decision {
  try {
    const conflict = parkIfDisputed(reader, event, master, decide);
    return conflict ? { ok: true, changes: [conflict] } : { ok: false, refusal };
  } catch (err) {
    if (err instanceof NeedDocs) return { ok: 'need', keys: err.keys };
    throw err;
  }
}

export type ApplyResult = { ok: true; state: FloorState; changes: Doc[] } | { ok: false; state: FloorState; refusal: Refusal };

/** Apply one event to a whole in-memory state (station, tests). A refused event leaves the state as it was. */
export function applyEvent(state: FloorState, event: FloorEvent, master: MasterData, opts: DecideOptions & { complete?: boolean } = {}): ApplyResult {
  const d = decide(stateReader(state, opts.complete === true), event, master, opts);
  if (d.ok === true) return { ok: true, state: withChanges(state, d.changes), changes: d.changes };
  if (d.ok === false) return { ok: false, state, refusal: d.refusal };
  throw new Error(`in-memory state lacks documents ${d.keys.map((k) => `${k.kind}:${k.id}`).join(', ')}`);
}

export interface FoldResult {
  state: FloorState;
  applied: FloorEvent[];
  refused: { event: FloorEvent; refusal: Refusal }[];
}

/** state = fold(events). Events with an id already seen are skipped: applying an event twice equals once. */
export function fold(events: Iterable<FloorEvent>, master: MasterData, initial: FloorState = emptyState()): FoldResult {
  let state = initial;
  const seen = new Set<string>();
  const applied: FloorEvent[] = [];
  const refused: FoldResult['refused'] = [];
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const r = applyEvent(state, event, master);
    state = r.state;
    if (r.ok) applied.push(event);
    else refused.push({ event, refusal: r.refusal });
  }
  return { state, applied, refused };
}
