/**
 * The station core: owns the station database, runs every command through the shared rules against local state,
 * commits one event per command durably before answering, and tells subscribers after the commit.
 * Plain Node: no Electron import (Electron main runs it in a utility process; kiosk and tests run it headless).
 */
import { readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import {
  COMMANDS,
  type Ack,
  type CommandName,
  type CommandResult,
  type ParsedParams,
  type ScanOutcome,
  type SessionInfo,
  type StationView,
  type SyncStatus,
  type Topic,
  type TopicData,
  type DeviceHealthView,
  type DeviceScanView,
} from '../../shared/api';
import { decodeBadge, importPublicKeyRaw, signTransferSlip } from '../../shared/barcode';
import type { Doc } from '../../shared/docs';
import { stateReader } from '../../shared/docs';
import type { FloorState, LineDoc } from '../../shared/docs';
import { describeIssues, eventWallMs, lineOf, makeEvent, type Action, type FloorEvent, type LogoutReason } from '../../shared/events';
import { createHlc, HlcTimestamp, resumePoint, type Hlc } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { canSupervise, worksAt, type Operator, type Station } from '../../shared/master';
import { canInvestigate } from '../../shared/rules/alerts';
import { runningClocksOf } from '../../shared/rules/labour';
import { decide } from '../../shared/reducer';
import { RefusalDocument } from '../../shared/refusal';
import { verificationStatus } from '../../shared/rules/detector';
import { verifyPin } from '../../shared/security/pin';
import { STATION_TEXT } from '../../shared/messages/station';
import { openStationDb, type StationDatabase, type StoredDocument } from '../store/station-db';
import { openCartonBook, SsccLeaseBook } from '../sync/sscc-lease-book';
import { CommandFailure, commandHandlers, fail, interpretScan, type CommandHost } from './commands';
import type { CommandHandlers } from './commands/host';
import type { StationConfig } from './config';
import { loadOrCreateStationKeys, type StationKeys } from './keys';
import { LocalState } from './local-state';
import { PinGuard } from './pin-guard';
import { RosterStamps } from './roster-stamps';
import { SessionMark } from './session-mark';
import type { DetectorControl, PulledDocuments, ReplicationCollections, StationHardwarePort, StationSyncPort } from './ports';
import { writePulledDocuments } from './pulled-documents';
import { SerialQueue } from './serial-queue';

export { CommandFailure } from './commands';

/** SQLite's "database or disk is full", or the file system's ENOSPC, however the storage wrapped it. */
export function isDiskFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'SQLITE_FULL' || code === 'ENOSPC' || /database or disk is full|no space left on device/i.test(e.message)) return true;
  }
  return false;
}

const SeedFile = z.object({
  documents: z.array(z.object({ kind: z.string().min(1).max(30), id: z.string().min(1).max(100), body: z.record(z.string(), z.unknown()) })),
});

export interface StationCoreOptions {
  /** Wall clock for the HLC (tests skew it). */
  now?: () => number;
  devMode?: boolean;
  /** Where the core reports what it does not trust (a pulled document that does not parse); default stderr, JSON. */
  log?: (msg: string, extra: Record<string, unknown>) => void;
}

const logToStderr = (msg: string, extra: Record<string, unknown>): void => console.error(JSON.stringify({ level: 'warn', msg, ...extra }));

/** Who is calling: a transport's own name for the caller (kiosk screen session, IPC sender). */
export interface CallContext {
  /** Absent: an in-process caller (tests, the hardware bridge), which counts as one caller of its own. */
  connection?: string;
}

type Listener<T extends Topic> = (data: TopicData[T]) => void;
/** Told synchronously after each own event is committed and applied (benchmarks, the sync client). */
export type CommitListener = (event: FloorEvent, changes: readonly Doc[]) => void;

/** The caller of `call()` without a context (tests, the hardware bridge, anything in this process). */
const IN_PROCESS = 'in-process';

/** Own events after `seq`, in seq order (at most `limit`): an index range on seq, not a scan of every event. */
async function eventsAfter(db: StationDatabase, seq: number, limit?: number): Promise<FloorEvent[]> {
  const docs = await db.events.find({ selector: { seq: { $gt: seq } }, sort: [{ seq: 'asc' }], ...(limit === undefined ? {} : { limit }) }).exec();
  return docs.map((d) => d.toJSON() as FloorEvent);
}

export class StationCore implements StationSyncPort, StationHardwarePort {
  readonly station: Station;
  private session: (SessionInfo & { lastActiveMs: number }) | null = null;
  private readonly queue = new SerialQueue();
  private readonly listeners: { [T in Topic]: Set<Listener<T>> } = { view: new Set(), sync: new Set(), hardware: new Set(), scan: new Set() };
  private readonly commitListeners = new Set<CommitListener>();
  private viewScheduled = false;
  private lastSeq = 0;
  private closed = false;
  private syncStatus: SyncStatus = { state: 'disabled', backlog: 0, lastPushAt: null, lastPullAt: null, lastError: null };
  private hardware: DeviceHealthView[] = [];
  /** The hardware bridge's detectors, once it attached them. */
  private detectorControl: DetectorControl | null = null;
  private readonly host: CommandHost;
  /** One handler per command of the table, registered per area (./commands). */
  private readonly handlers: CommandHandlers;
  /** A packing station's carton numbers (null elsewhere; the error when its file cannot be trusted). */
  private readonly cartonBook: SsccLeaseBook | Error | null;

  private constructor(
    readonly config: StationConfig,
    /** The core's own store: every write goes through its queue (commands, `applyPulled`, `seedDocuments`). */
    private readonly db: StationDatabase,
    readonly sqlite: Database.Database,
    readonly schemaVersion: number,
    readonly keys: StationKeys,
    private readonly local: LocalState,
    private readonly hlc: Hlc,
    private readonly now: () => number,
    /** Bounds PIN guessing per operator (persisted) and per caller (pin-guard.ts). */
    private readonly pinGuard: PinGuard,
    /** Which roster each own event was recorded under (roster-stamps.ts). */
    private readonly rosterStamps: RosterStamps,
    /** Where the last session event is in the event log (session-mark.ts): a restart resumes that session. */
    private readonly sessionMark: SessionMark,
    private readonly log: (msg: string, extra: Record<string, unknown>) => void,
  ) {
    this.station = { id: config.stationId, department: config.department, lineId: config.lineId, name: config.name };
    this.cartonBook = openCartonBook(config.dataDir, config.department, log);
    this.host = this.commandHost();
    this.handlers = commandHandlers(this.host);
    // An idle session ends on time even when no screen is left to log it out (its clocks would run on otherwise).
    // Queued only once the session is idle, so a quiet station's queue carries nothing extra.
    const checkIdle = () => {
      if (this.sessionIdle()) void this.queue.run(() => this.expireIdleSession());
    };
    this.idleTimer = setInterval(checkIdle, Math.min(30_000, Math.max(1_000, config.sessionIdleMs / 4)));
    this.idleTimer.unref();
  }

  private readonly idleTimer: NodeJS.Timeout;

  /** What the command handlers (./commands) may use of this core. */
  private commandHost(): CommandHost {
    const local = this.local;
    return {
      station: this.station,
      get state() {
        return local.state;
      },
      get master() {
        return local.master;
      },
      now: this.now,
      record: (action, opts) => this.record(action, opts),
      ownEvent: async (eventId) => {
        const e = await this.db.events.findOne(eventId).exec();
        return e ? (e.toJSON() as FloorEvent) : undefined;
      },
      requireSession: () => this.requireSession(),
      sessionOperatorId: () => this.session?.operatorId ?? null,
      login: (p, connection) => this.login(p, connection),
      logout: (reason) => this.logout(reason),
      checkSupervisor: (badge, pin, connection) => this.checkSigner(badge, pin, connection, 'supervisor', (op) => canSupervise(op, this.station.department)),
      checkInvestigator: (badge, pin, connection) =>
        this.checkSigner(badge, pin, connection, 'supervisor or QC inspector', (op) => canInvestigate(op, this.station.department)),
      signSlip: (fields) => signTransferSlip(fields, this.keys.privateKey),
      publicKeyOf: (stationId) => this.publicKeyOf(stationId),
      view: () => this.view(),
      detectors: () => this.detectorControl,
      cartonNumbers: () => this.cartonBook,
    };
  }

  static async open(config: StationConfig, options: StationCoreOptions = {}): Promise<StationCore> {
    const now = options.now ?? Date.now;
    const opened = await openStationDb({ dataDir: config.dataDir, stationId: config.stationId, devMode: options.devMode ?? false });
    // A later step that fails (a damaged key or seed file) closes the database again, which also releases the data
    // directory: nothing outlives a failed open in this process.
    try {
      const keys = await loadOrCreateStationKeys(config.dataDir);
      const station: Station = { id: config.stationId, department: config.department, lineId: config.lineId, name: config.name };
      const local = new LocalState(station);
      const log = options.log ?? logToStderr;
      local.onUntrusted = (key, reason) => log('pulled document not trusted: its body does not parse', { document: key, reason });

      const docs = await opened.rx.documents.find().exec();
      local.applyDocuments(docs.map((d) => d.toJSON() as StoredDocument));
      if (config.seedFile && docs.length === 0) {
        const seed = SeedFile.safeParse(JSON.parse(readFileSync(config.seedFile, 'utf8')));
        if (!seed.success) throw new Error(`seed file ${config.seedFile}: ${describeIssues(seed.error)}`);
        const rows = seed.data.documents.map((d) => ({ key: `${d.kind}:${d.id}`, kind: d.kind, id: d.id, body: d.body }));
        await opened.rx.documents.bulkUpsert(rows);
        local.applyDocuments(rows);
      }
      // Only events after the server's progress are pending.
      const pending = await eventsAfter(opened.rx, local.appliedSeq);
      local.setPending(pending);
      // The newest own event: the last pending one, else the one the server applied last (an index lookup, not a
      // sort over every event the station ever recorded); a full query only if that one is missing locally.
      let lastEvent: FloorEvent | undefined = pending[pending.length - 1];
      if (!lastEvent && local.appliedSeq > 0) {
        const at = await opened.rx.events.findOne({ selector: { seq: local.appliedSeq } }).exec();
        lastEvent = at ? (at.toJSON() as FloorEvent) : undefined;
      }
      if (!lastEvent) {
        const last = await opened.rx.events.findOne({ selector: {}, sort: [{ seq: 'desc' }] }).exec();
        lastEvent = last ? (last.toJSON() as FloorEvent) : undefined;
      }
      // The HLC resumes above the last event it stamped, even if the wall clock was set back meanwhile. A last stamp
      // this version cannot read (a newer version's, rolled back) does not stop the station: the newest readable one
      // of the last events, lifted above any wall time the unreadable ones show (shared/hlc.ts resumePoint).
      let initial: string | undefined = lastEvent?.hlc;
      if (lastEvent && !HlcTimestamp.safeParse(lastEvent.hlc).success) {
        const recent = await opened.rx.events.find({ selector: {}, sort: [{ seq: 'desc' }], limit: 200 }).exec();
        const point = resumePoint(recent.map((e) => e.hlc), config.stationId);
        initial = point.initial;
        log('the last events carry clock stamps this version cannot read: resuming above the newest readable one', { unreadable: point.unreadable, resumeAt: initial ?? null });
      }
      const hlc = createHlc(config.stationId, now, 60_000, initial !== undefined ? { initial } : {});
      const pinGuard = PinGuard.load(config.dataDir, { now });
      const rosterStamps = RosterStamps.load(opened.sqlite);
      const sessionMark = SessionMark.load(opened.sqlite);
      const core = new StationCore(config, opened.rx, opened.sqlite, opened.schemaVersion, keys, local, hlc, now, pinGuard, rosterStamps, sessionMark, log);
      core.lastSeq = lastEvent?.seq ?? 0;
      await core.resumeSession();
      return core;
    } catch (err) {
      await opened.rx.close().catch(() => undefined);
      throw err;
    }
  }

  // ---- the typed API -------------------------------------------------------------------------------------------

  /**
   * Parse, then run one command. Throws CommandFailure (typed) for anything that was not recorded. `ctx` says who
   * asks (the kiosk passes the screen's session): wrong PINs slow down per caller as well as per operator.
   */
  async call<C extends CommandName>(name: C, rawParams: unknown, ctx: CallContext = {}): Promise<CommandResult<C>> {
    const spec = COMMANDS[name] as (typeof COMMANDS)[CommandName] | undefined;
    if (!spec) fail('not_found', `unknown command ${String(name)}`);
    const parsed = spec.params.safeParse(rawParams ?? {});
    if (!parsed.success) fail('bad_request', describeIssues(parsed.error));
    const params = parsed.data as ParsedParams<C>;
    const connection = ctx.connection ?? IN_PROCESS;
    return this.queue.run(() => this.run(name, params, connection));
  }

  private async run<C extends CommandName>(name: C, p: ParsedParams<C>, connection: string): Promise<CommandResult<C>> {
    if (this.closed) fail('internal', 'station core is closed');
    await this.expireIdleSession();
    return this.handlers[name](p, { connection });
  }

  subscribe<T extends Topic>(topic: T, listener: Listener<T>): () => void {
    const set = this.listeners[topic] as Set<Listener<T>>;
    set.add(listener);
    listener(this.topicData(topic));
    return () => set.delete(listener);
  }

  /** A transport's caller is gone for good (its screen session expired): forget its PIN back-off. */
  forgetConnection(connection: string): void {
    this.pinGuard.forget(connection);
  }

  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  // ---- recording -----------------------------------------------------------------------------------------------

  /**
   * The one path every action takes: stamp the envelope, decide with the shared rules against local state, commit
   * the event durably (one SQLite transaction, synchronous=FULL), apply it, tell subscribers. A refusal writes nothing.
   */
  async record(action: Action, opts: { eventId?: string | undefined; operatorId: string | null }): Promise<Ack> {
    if (this.closed) fail('internal', 'station core is closed: nothing was recorded');
    const line = lineOf(action);
    const latch = line ? this.latched.get(line) : undefined;
    if (latch && action.type !== 'md.detection') fail('refused', latch, 'line_halted');
    if (opts.eventId) {
      const existing = await this.db.events.findOne(opts.eventId).exec();
      if (existing) return { eventId: existing.id, seq: existing.seq };
    }
    // Never reuse a seq the server already holds (a replaced or restored PC learns the server's progress by pull).
    const seq = Math.max(this.lastSeq, this.local.appliedSeq) + 1;
    const event = makeEvent(
      { id: opts.eventId ?? uuidv7(this.now), stationId: this.station.id, seq, hlc: this.hlc.send(), operatorId: opts.operatorId, v: 1 },
      action,
    );
    const decision = decide(stateReader(this.local.state), event, this.local.master);
    if (decision.ok === false) fail('refused', decision.refusal.message, decision.refusal.code);
    if (decision.ok !== true) fail('internal', 'local state is missing documents');
    this.rosterStamps.stamp(event.seq);
    const sessionEvent = event.type === 'operator.login' || event.type === 'operator.logout';
    if (sessionEvent) this.sessionMark.before(event.id);
    try {
      await this.db.events.insert(event);
    } catch (err) {
      // SQLite rolled the write back: nothing recorded, the station goes on; the operator must know why.
      if (isDiskFull(err)) throw new CommandFailure({ code: 'internal', message: 'the station disk is full: nothing was recorded', text: STATION_TEXT.disk_full });
      throw err;
    }
    this.lastSeq = event.seq;
    if (sessionEvent) this.sessionMark.inserted(event.id);
    this.local.commitOwn(event, decision.changes);
    for (const l of this.commitListeners) l(event, decision.changes);
    this.scheduleView();
    return { eventId: event.id, seq: event.seq };
  }

  /**
   * A line stopped in memory because a detection could not be committed yet (the bridge retries it): nothing that
   * works on the line is recorded until the detection is on disk (then the rules' halt takes over).
   */
  private readonly latched = new Map<string, string>();

  get isClosed(): boolean {
    return this.closed;
  }

  latchLine(lineId: string, reason: string): void {
    this.latched.set(lineId, reason);
    this.scheduleView();
  }

  unlatchLine(lineId: string): void {
    this.latched.delete(lineId);
    this.scheduleView();
  }

  /** Device events (detector, verification timer) enter the same queue as operator commands. */
  recordDevice(action: Action, opts?: { operatorId: string }): Promise<Ack> {
    return this.queue.run(() => this.record(action, { operatorId: opts?.operatorId ?? null }));
  }

  /** The hardware bridge's detectors (one bridge per core); the returned function detaches them. */
  attachDetectors(control: DetectorControl): () => void {
    this.detectorControl = control;
    this.scheduleView();
    return () => {
      if (this.detectorControl !== control) return;
      this.detectorControl = null;
      this.scheduleView();
    };
  }

  // ---- sessions and credentials ----------------------------------------------------------------------------------

  private operatorFromBadge(badge: string): Operator | undefined {
    let operatorId = badge.trim();
    if (operatorId.startsWith('B:')) {
      try {
        operatorId = decodeBadge(operatorId).operatorId;
      } catch {
        return undefined;
      }
    }
    const op = this.local.master.operators.get(operatorId);
    return op && op.active ? op : undefined;
  }

  /**
   * Admission first (pin-guard.ts: per operator, persisted, and per caller), so a refused attempt never reaches the
   * hash and teaches nothing; a wrong PIN is on disk before it is answered. Runs inside the command queue, so
   * parallel attempts are admitted one at a time.
   */
  private async checkPin(op: Operator, pin: string, connection: string): Promise<void> {
    const admission = this.pinGuard.admit(op.id, connection);
    if (!admission.ok) fail('unauthenticated', admission.message);
    if (!(await verifyPin(pin, op.pinHash))) {
      this.pinGuard.failed(admission.pool, connection);
      fail('unauthenticated', 'badge or PIN not recognised');
    }
    this.pinGuard.succeeded(op.id, connection);
  }

  private async login(p: ParsedParams<'session.login'>, connection: string): Promise<CommandResult<'session.login'>> {
    const op = this.operatorFromBadge(p.badge);
    if (!op) fail('unauthenticated', 'badge or PIN not recognised');
    await this.checkPin(op, p.pin, connection);
    if (!worksAt(op, this.station.department)) {
      fail('unauthenticated', `${op.name} does not work at ${this.station.department}`);
    }
    // Another operator's live session ends first (their clocks paused, their logout recorded as `replaced`), each on
    // disk before this login; should one fail to write, this login is not recorded and their session stays. One the
    // rules refuse (the office deactivated that operator meanwhile: nothing can be recorded in their name any more)
    // ends their session unrecorded, logged, as the idle expiry does: it must not keep the next operator out.
    if (this.session && this.session.operatorId !== op.id) {
      const replaced = this.session.operatorId;
      try {
        await this.logout('replaced');
      } catch (err) {
        if (!(err instanceof CommandFailure && err.error.code === 'refused')) throw err;
        this.log('logout of the replaced session not recorded', { operatorId: replaced, error: err.message });
        this.session = null;
      }
    }
    const ack = await this.record({ type: 'operator.login', payload: { method: 'badge_pin' } }, { operatorId: op.id });
    this.session = { operatorId: op.id, name: op.name, roles: op.roles, lastActiveMs: this.now() };
    this.scheduleView();
    return { operatorId: op.id, name: op.name, roles: op.roles, ack };
  }

  /**
   * The operator's running labour clocks are paused (reason `logout`) before the logout is recorded, all in this one
   * command and each on disk before the next: whatever a crash interrupts, no clock is left running for someone whose
   * logout was recorded.
   */
  private async logout(reason: LogoutReason = 'manual'): Promise<CommandResult<'session.logout'>> {
    if (!this.session) return { ok: true, ack: null };
    const ack = await this.endSession(this.session.operatorId, reason);
    this.session = null;
    this.scheduleView();
    return { ok: true, ack };
  }

  /** Pauses `operatorId`'s running clocks at this department (reason `logout`), then records their logout. */
  private async endSession(operatorId: string, reason: LogoutReason): Promise<Ack> {
    for (const workOrderId of runningClocksOf(Object.values(this.local.state.workOrder), operatorId, this.station.department)) {
      await this.record({ type: 'labour.paused', payload: { workOrderId, reason: 'logout' } }, { operatorId });
    }
    return this.record({ type: 'operator.logout', payload: { reason } }, { operatorId });
  }

  /**
   * At open (before any command): the session the core had when it stopped, from its own event log. When the last
   * session event is a login (found by the session mark: primary-key lookups, not a read of every event), its operator
   * is logged in again if they were active within `sessionIdleMs` (their last event, by its HLC wall time) and may
   * still log in here (on the roster, active, of this department). Otherwise their running clocks at this department
   * are paused by an idle expiry (a `timeout` logout), queued now so it runs before any command.
   */
  private async resumeSession(): Promise<void> {
    let last: FloorEvent | undefined;
    for (const id of this.sessionMark.candidates()) {
      const found = await this.db.events.findOne(id).exec();
      if (found) {
        last = found.toJSON() as FloorEvent;
        break;
      }
    }
    this.sessionMark.found(last?.id ?? null);
    if (last?.type !== 'operator.login' || last.operatorId === null) return;
    const operatorId = last.operatorId;
    const latest = await this.latestEventBy(operatorId, last);
    // A logout after the mark's login (an event log written past this core): that session ended.
    if (latest.type === 'operator.logout') return;
    const stamp = HlcTimestamp.safeParse(latest.hlc);
    const activeMs = stamp.success ? eventWallMs(latest) : Number.NEGATIVE_INFINITY;
    const op = this.local.master.operators.get(operatorId);
    const mayLogIn = op !== undefined && op.active && worksAt(op, this.station.department);
    if (mayLogIn && this.now() - activeMs <= this.config.sessionIdleMs) {
      // Never later than now: a wall clock set back while the core was down must not stretch the idle time.
      this.session = { operatorId, name: op.name, roles: op.roles, lastActiveMs: Math.min(activeMs, this.now()) };
      return;
    }
    if (runningClocksOf(Object.values(this.local.state.workOrder), operatorId, this.station.department).length === 0) return;
    void this.queue.run(async () => {
      if (this.closed || this.session) return;
      try {
        await this.endSession(operatorId, 'timeout');
      } catch (err) {
        this.log('idle logout not recorded', { operatorId, error: err instanceof Error ? err.message : String(err) });
      }
    });
  }

  /**
   * `operatorId`'s newest own event from `login` on (the login itself at the latest): read back from the newest event
   * by seq in pages, an index range that stops at the first event of theirs, within the session.
   */
  private async latestEventBy(operatorId: string, login: FloorEvent): Promise<FloorEvent> {
    const PAGE = 100;
    let below: number | undefined;
    for (;;) {
      const seq = below === undefined ? { $gte: login.seq } : { $gte: login.seq, $lt: below };
      const page = await this.db.events.find({ selector: { seq }, sort: [{ seq: 'desc' }], limit: PAGE }).exec();
      const theirs = page.find((d) => d.operatorId === operatorId);
      if (theirs) return theirs.toJSON() as FloorEvent;
      const oldest = page[page.length - 1];
      if (page.length < PAGE || !oldest) return login;
      below = oldest.seq;
    }
  }

  /**
   * Idle too long: logged out as a `timeout` (clocks paused, as any logout). Should that fail to record (a full disk),
   * the session ends all the same: nobody may go on recording in an absent operator's name.
   */
  private async expireIdleSession(): Promise<void> {
    if (this.closed || !this.sessionIdle()) return;
    try {
      await this.logout('timeout');
    } catch (err) {
      this.log('idle logout not recorded', { operatorId: this.session?.operatorId ?? null, error: err instanceof Error ? err.message : String(err) });
      this.session = null;
      this.scheduleView();
    }
  }

  private sessionIdle(): boolean {
    return this.session !== null && this.now() - this.session.lastActiveMs > this.config.sessionIdleMs;
  }

  private requireSession(): SessionInfo {
    if (!this.session) fail('unauthenticated', 'log in with your badge and PIN first');
    this.session.lastActiveMs = this.now();
    return this.session;
  }

  /** Someone signing with their own badge + PIN, who must be a `role` of this station's department (`may`). */
  private async checkSigner(badge: string, pin: string, connection: string, role: string, may: (op: Operator) => boolean): Promise<Operator> {
    const op = this.operatorFromBadge(badge);
    if (!op) fail('unauthenticated', `${role} badge or PIN not recognised`);
    await this.checkPin(op, pin, connection);
    if (!may(op)) fail('unauthenticated', `${op.name} is not a ${role} of ${this.station.department}`);
    return op;
  }

  private async publicKeyOf(stationId: string): Promise<CryptoKey | undefined> {
    if (stationId === this.station.id) return this.keys.publicKey;
    const doc = this.local.otherDocs('stationKey').get(stationId);
    // A revoked station's slips are not trusted.
    const raw = doc && typeof doc.publicKey === 'string' && !doc.revokedAt ? doc.publicKey : undefined;
    return raw ? importPublicKeyRaw(raw) : undefined;
  }

  // ---- documents from the server -----------------------------------------------------------------------------------

  /**
   * Pulled documents (the sync client's pull handler), in the command queue: a whole pull cycle is written to the
   * documents collection in one transaction (those not already stored as pulled), then applied to local state. A part
   * of a cycle that does not reach the server's head (`hold`) is only kept aside, in memory: neither written nor
   * applied until the part that does, with which the whole cycle goes in that one transaction. So the disk never holds
   * part of a cycle: a station that stops or crashes between parts reopens on its last complete cycle. The core is the
   * one writer of its store: RxDB's replication, handed one of the cycle's documents afterwards, finds it stored and
   * writes only its checkpoint (pulled-documents.ts).
   * Resolves true if the cycle took this station's progress BACK: the server's progress only grows unless its database
   * went back (restored from a backup, failed over; the sync client then pulls everything again). The core then
   * counts again, as pending, every own event after that progress (read from the event log), so state stays
   * documents + what the server does not have; the caller must push those events again.
   */
  applyPulled(pulled: PulledDocuments): Promise<boolean> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('station core is closed: pulled documents not written');
      if (pulled.cycleStart) this.heldParts = [];
      if (pulled.hold) {
        this.heldParts.push(pulled.documents);
        return false;
      }
      // The whole cycle: the parts kept aside, then this last one; the latest version of a key wins.
      const cycle = new Map<string, WithDeleted<StoredDocument>>();
      for (const part of [...this.heldParts, pulled.documents]) {
        for (const d of part) {
          cycle.delete(d.key);
          cycle.set(d.key, d);
        }
      }
      const gone = pulled.complete ? await this.documentsGoneFromServer(cycle) : [];
      await writePulledDocuments(this.db.documents, [...cycle.values(), ...gone]);
      // Written: the parts are no longer needed (kept until now, so a failed write is retried with them).
      this.heldParts = [];
      if (gone.length > 0) this.log('dropped documents the server no longer has (its database went back)', { count: gone.length, first: gone[0]?.key });
      const docs: StoredDocument[] = [];
      const deletedKeys: string[] = gone.map((d) => d.key);
      let rosterPulled = false;
      for (const d of cycle.values()) {
        if (d._deleted) deletedKeys.push(d.key);
        else docs.push({ key: d.key, kind: d.kind, id: d.id, body: d.body });
        if (d.kind === 'operator') rosterPulled = true;
      }
      const untrustedBefore = this.local.untrusted.size;
      this.local.applyDocuments(docs, deletedKeys);
      if (this.local.untrusted.size !== untrustedBefore) this.setSyncStatus(this.syncStatus);
      const progress = this.local.pulledProgress();
      const rewound = progress !== null && progress < this.local.appliedSeq;
      if (rewound) {
        this.local.rewind(progress, await eventsAfter(this.db, progress));
      }
      // The roster is now the server's as of this cycle's change number (noted only when the roster came with it, or
      // none was noted yet: a roster unchanged since is the same roster).
      if (pulled.checkpoint !== undefined && (rosterPulled || rewound || this.rosterStamps.current === null)) this.rosterStamps.cycleApplied(pulled.checkpoint);
      this.rosterStamps.prune(this.local.appliedSeq);
      this.scheduleView();
      return rewound;
    });
  }

  /**
   * Parts of the pull cycle being pulled, kept aside (in memory only) until the part that reaches the server's head
   * (see applyPulled); dropped when a new cycle starts (`cycleStart`) and, being in memory, by a crash.
   */
  private heldParts: (readonly WithDeleted<StoredDocument>[])[] = [];

  /**
   * A complete cycle (ports.ts `PulledDocuments.complete`, the server's database went back): a tombstone for every
   * stored document in none of its parts (an order created after the server's backup, say), written with the cycle.
   * Own pending events stay (the core counts them on top of the documents; the sync client pushes them again).
   */
  private async documentsGoneFromServer(cycle: ReadonlyMap<string, unknown>): Promise<WithDeleted<StoredDocument>[]> {
    const stored = await this.db.documents.find().exec();
    return stored.filter((d) => !cycle.has(d.key)).map((d) => ({ key: d.key, kind: d.kind, id: d.id, body: d.toJSON().body, _deleted: true }));
  }

  /** The change number whose roster own event `seq` was recorded under (roster-stamps.ts), if known. */
  rosterVersionAt(seq: number): number | undefined {
    return this.rosterStamps.at(seq);
  }

  /** Write documents as if pulled (seed for a stand-alone station; tests). */
  async seedDocuments(docs: readonly { kind: string; id: string; body: Record<string, unknown> }[]): Promise<void> {
    const rows = docs.map((d) => ({ key: `${d.kind}:${d.id}`, kind: d.kind, id: d.id, body: d.body }));
    await this.queue.run(async () => {
      await this.db.documents.bulkUpsert(rows);
      this.local.applyDocuments(rows);
      this.scheduleView();
    });
  }

  setSyncStatus(status: SyncStatus): void {
    this.syncStatus = status;
    const shown = this.currentSyncStatus();
    for (const l of this.listeners.sync) l(shown);
  }

  /** The sync client's status with what only the core knows: how many pulled documents it does not trust. */
  private currentSyncStatus(): SyncStatus {
    const untrusted = this.local.untrusted.size;
    return untrusted === 0 ? this.syncStatus : { ...this.syncStatus, untrustedDocuments: untrusted };
  }

  /** A serial scanner read a code: classify it as `scan.submit` does and push it to the screen (`scan` topic). */
  async deviceScan(deviceId: string, scan: { data: string; symbology: string | null }): Promise<ScanOutcome> {
    const outcome = await interpretScan(this.host, scan.symbology ? { data: scan.data, symbology: scan.symbology } : { data: scan.data });
    const view: DeviceScanView = { deviceId, data: scan.data, symbology: scan.symbology, at: new Date(this.now()).toISOString(), outcome };
    for (const l of this.listeners.scan) l(view);
    return outcome;
  }

  setHardware(health: DeviceHealthView[]): void {
    this.hardware = health;
    for (const l of this.listeners.hardware) l(health);
    // The view's detector panel shows the runs being collected.
    this.scheduleView();
  }

  // ---- views -------------------------------------------------------------------------------------------------------

  get pendingCount(): number {
    return this.local.pendingCount;
  }

  /** The devices' health as the screen shows it. */
  hardwareHealth(): DeviceHealthView[] {
    return this.hardware;
  }

  /** This station's wall clock (what its HLC reads), e.g. for the server to measure skew. */
  wallClockMs(): number {
    return this.now();
  }

  get appliedSeq(): number {
    return this.local.appliedSeq;
  }

  get lastSequence(): number {
    return this.lastSeq;
  }

  /** Own events the server has not applied yet, in seq order (what the sync client pushes). */
  pendingEvents(): readonly FloorEvent[] {
    return this.local.pendingEvents();
  }

  /** Own events after `seq` in seq order, at most `limit` of them, from the event log (the sync client pushes these). */
  eventsAfter(seq: number, limit?: number): Promise<FloorEvent[]> {
    return eventsAfter(this.db, seq, limit);
  }

  /** The packing station's SSCC leases, for the sync client to keep filled (null at other departments or when damaged). */
  get ssccLeases(): SsccLeaseBook | null {
    return this.cartonBook instanceof SsccLeaseBook ? this.cartonBook : null;
  }

  /** A line as local state shows it (pulled + own pending events): what the hardware bridge reads of the floor. */
  lineStatus(lineId: string): LineDoc | undefined {
    return this.local.state.line[lineId];
  }

  /**
   * The collections RxDB's replications run on (ports.ts, `ReplicationCollections`), for the sync client's
   * `replicateRxCollection` calls only: it writes to neither (pulled documents come in through `applyPulled`).
   */
  replicationCollections(): ReplicationCollections {
    return { events: this.db.events, documents: this.db.documents };
  }

  /** Local state, read-only (tests and benchmarks read it; neighbours use the narrow methods above). */
  get state(): Readonly<FloorState> {
    return this.local.state;
  }

  view(): StationView {
    const s = this.local.state;
    const dept = this.station.department;
    // Parsed when pulled (LocalState): this only gives the body its type again; refusals are few.
    const refusals = [...this.local.otherDocs('refusal').values()].flatMap((b) => {
      const r = RefusalDocument.safeParse(b);
      return r.success ? [{ eventId: r.data.eventId, seq: r.data.seq, type: r.data.type, code: r.data.code, message: r.data.message }] : [];
    });
    return {
      station: { ...this.station },
      operator: this.session ? { operatorId: this.session.operatorId, name: this.session.name, roles: this.session.roles } : null,
      workOrders: Object.values(s.workOrder).filter((w) => w.place === dept),
      incoming: Object.values(s.transfer).filter((t) => t.receivingDepartment === dept && t.status === 'locked'),
      outgoing: Object.values(s.transfer).filter((t) => t.from === dept),
      line: s.line[this.station.lineId] ?? null,
      verification: this.detectorControl ? { ...verificationStatus(s.line[this.station.lineId], this.now()), running: this.detectorControl.runs() } : null,
      alerts: Object.values(s.alert).filter((a) => a.status !== 'closed' && (a.lineId === null || a.lineId === this.station.lineId)),
      holds: Object.values(s.hold).filter((h) => h.status === 'open' && h.lineId === this.station.lineId),
      refused: refusals,
      conflicts: Object.values(s.conflict).filter((c) => c.status !== 'resolved' && (c.from === dept || c.receivingDepartment === dept)),
      pendingEvents: this.local.pendingCount,
      lastSeq: this.lastSeq,
    };
  }

  private topicData<T extends Topic>(topic: T): TopicData[T] {
    // Only the asked topic is computed: a sync or hardware subscriber does not pay for a whole view.
    const data: { [K in Topic]: () => TopicData[K] } = { view: () => this.view(), sync: () => this.currentSyncStatus(), hardware: () => this.hardware, scan: () => null };
    return data[topic]();
  }

  /** Coalesce view pushes: a burst of commits produces one screen update. */
  private scheduleView(): void {
    if (this.viewScheduled || this.listeners.view.size === 0) return;
    this.viewScheduled = true;
    setImmediate(() => {
      this.viewScheduled = false;
      if (this.closed) return;
      const v = this.view();
      for (const l of this.listeners.view) l(v);
    });
  }

  /** `PRAGMA integrity_check` on the station file. */
  integrityCheck(): string {
    const rows = this.sqlite.pragma('integrity_check') as { integrity_check: string }[];
    return rows.map((r) => r.integrity_check).join('; ');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.idleTimer);
    await this.queue.run(async () => {
      this.closed = true;
      await this.db.close();
    });
  }

}
