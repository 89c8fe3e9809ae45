/**
 * The hardware bridge: the station's serial devices feeding the station core.
 *
 * One `DeviceConnection` per configured device, each with its driver. A device's frames are handled strictly one
 * after another (one async queue per device): a detection's `md.detection` is committed durably by the core
 * (`recordDevice` resolves after the SQLite commit) before the next frame from that detector is even looked at, so
 * nothing the detector says later can overtake the halt.
 *
 * Frame -> event mapping (DOMAIN.md, "Metal / needle detection"):
 *   pass          md.pass for the work order on the line (none on the line: not recorded, shown in health)
 *   detection     md.detection (the rules halt the line)
 *   verification  one test piece; pieces are gathered into one run until every required metal was tested or the run
 *                 times out, then one md.verification (pass only if every required metal was tested and detected)
 *   fault         md.fault (a register cleared to 0 is recorded too)
 *   powerOn       md.powerOn (the next verification run is a `power_on` run)
 *   gap           md.fault naming the lost message numbers (a lost message may have been a detection)
 *   error         suspected detection: md.fault (never dropped); other errors: health only
 *   counters      health only
 *   scan          classified by the core and pushed to the screen (`scan` topic)
 * A refusal by the rules (e.g. md.pass on a halted line) is counted in health; nothing is retried.
 *
 * A timer checks every `checkIntervalMs` whether the line's last passing verification is older than the hourly
 * interval and then records `md.verificationOverdue`, once per overdue period.
 */
import type { z } from 'zod';
import type { DeviceHealthView } from '../../shared/api';
import { ActionSchema, describeIssues, type Action, type TestMetal, type TestPiece, type VerificationTrigger } from '../../shared/events';
import { hlcWallTime } from '../../shared/hlc';
import { VERIFICATION_INTERVAL_MS, verificationOverdue } from '../../shared/rules/detector';
import { certifiedPiece, completeRun, runTrigger, testPieceOf, untestedMetals } from '../../shared/rules/verification';
import { DeviceConfig, type DeviceConfigInput } from '../core/config';
import { CommandFailure, type StationCore } from '../core/station-core';
import type { DeviceFamily, DeviceFrame, Driver, VerificationFrame } from './driver';
import { FramedDetectorConfigSchema, createFramedDetector } from './framed-detector';
import { LineDetectorConfigSchema, createLineDetector } from './line-detector';
import {
  DeviceConnection,
  DeviceLocatorSchema,
  type BackoffSchema,
  type ConnectionHealth,
  type DeviceLocatorInput,
  type PortLister,
  type SerialBinding,
} from './ports';
import { ScannerConfigSchema, createScanner } from './scanner';

export interface HardwareBridgeOptions {
  /** Serial binding (default: the native one); tests pass a `MockSerialBus` binding. */
  binding?: SerialBinding;
  list?: PortLister;
  backoff?: z.input<typeof BackoffSchema>;
  /** Station clock for the verification timer, run timestamps and health (tests move it forward). */
  now?: () => number;
  /** How often to check for an overdue verification; default the station config's `verificationCheckMs` (60 s). */
  checkIntervalMs?: number;
  /** Log sink for problems worth a line in the station log. */
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** Per-device health: the screen's `DeviceHealthView` plus what the bridge counted. */
export interface BridgeDeviceHealth extends DeviceHealthView {
  /** Events the core committed from this device. */
  recorded: number;
  /** Events the rules refused, in total and per refusal code (e.g. `line_halted`). */
  refused: number;
  refusals: Record<string, number>;
  /** Events that could not be recorded for another reason (invalid payload, database error, core closed). */
  recordFailures: number;
  /** Pass frames not recorded because no work order was on the line. */
  passesNotRecorded: number;
  /** Frames received and not handled yet. */
  backlog: number;
  /** The verification run being collected, if any. */
  verificationRun: { metals: TestMetal[]; pieces: number; startedAt: string } | null;
  connection: ConnectionHealth;
}

export interface HardwareBridge {
  /** Closes every port and stops the timers; a verification run still being collected is recorded as failed. */
  stop(): Promise<void>;
  health(): BridgeDeviceHealth[];
  /** Resolves once every frame received so far has been handled (tests, benchmarks). */
  idle(): Promise<void>;
  /** Runs the overdue-verification check now instead of waiting for the timer. */
  checkVerification(): Promise<void>;
}

interface Run {
  pieces: TestPiece[];
  seen: Set<TestMetal>;
  startedAt: number;
  timer: ReturnType<typeof setTimeout>;
}

type RecordOutcome = 'ok' | 'refused' | 'failed';

const MAX_DESCRIPTION = 200;
const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function makeDriver(d: DeviceConfig): Driver {
  const options = d.options ?? {};
  const fail = (error: z.ZodError): never => {
    throw new Error(`device ${d.deviceId}: driver options: ${describeIssues(error)}`);
  };
  switch (d.driver) {
    case 'line-detector': {
      const r = LineDetectorConfigSchema.safeParse(options);
      return r.success ? createLineDetector(r.data) : fail(r.error);
    }
    case 'framed-detector': {
      const r = FramedDetectorConfigSchema.safeParse(options);
      return r.success ? createFramedDetector(r.data) : fail(r.error);
    }
    case 'scanner': {
      const r = ScannerConfigSchema.safeParse(options);
      return r.success ? createScanner(r.data) : fail(r.error);
    }
  }
}

function locatorOf(d: DeviceConfig): DeviceLocatorInput {
  const locator: DeviceLocatorInput = {};
  if (d.path !== undefined) locator.path = d.path;
  if (d.vendorId !== undefined) locator.vendorId = d.vendorId;
  if (d.productId !== undefined) locator.productId = d.productId;
  if (d.serialNumber !== undefined) locator.serialNumber = d.serialNumber;
  const r = DeviceLocatorSchema.safeParse(locator);
  if (!r.success) throw new Error(`device ${d.deviceId}: ${describeIssues(r.error)}`);
  return locator;
}

class Channel {
  readonly family: DeviceFamily;
  readonly isDetector: boolean;
  private tail: Promise<void> = Promise.resolve();
  backlog = 0;
  recorded = 0;
  refused = 0;
  readonly refusals: Record<string, number> = {};
  recordFailures = 0;
  passesNotRecorded = 0;
  /** Why the last pass frame was not recorded (cleared when one is). */
  passProblem: string | null = null;
  /** The latest problem other than a refusal, for the screen. */
  lastProblem: string | null = null;
  powerOnPending = false;
  run: Run | null = null;

  constructor(
    readonly config: DeviceConfig,
    readonly conn: DeviceConnection,
  ) {
    this.family = conn.driver.family;
    this.isDetector = this.family !== 'scanner';
  }

  get deviceId(): string {
    return this.config.deviceId;
  }

  /** Queue a task behind everything this device sent before; a task's failure never blocks the next one. */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.backlog++;
    const next = this.tail.then(task).catch((err: unknown) => {
      this.recordFailures++;
      this.lastProblem = `frame handling failed: ${errorText(err)}`;
    });
    this.tail = next.finally(() => {
      this.backlog--;
    });
    return this.tail;
  }

  get idle(): Promise<void> {
    return this.tail;
  }
}

/**
 * Starts one connection per configured device and feeds the station core. Throws at once on a device config the
 * drivers cannot use (so a bad config stops the station at start, naming the device); never throws afterwards.
 */
export function startHardwareBridge(core: StationCore, devices: readonly DeviceConfigInput[], opts: HardwareBridgeOptions = {}): HardwareBridge {
  const now = opts.now ?? Date.now;
  const lineId = core.station.lineId;
  const log = opts.log ?? (() => {});
  const configs = devices.map((d, i) => {
    const r = DeviceConfig.safeParse(d);
    if (!r.success) throw new Error(`devices[${i}]: ${describeIssues(r.error)}`);
    return r.data;
  });
  const ids = new Set<string>();
  for (const c of configs) {
    if (ids.has(c.deviceId)) throw new Error(`device ${c.deviceId} is configured twice`);
    ids.add(c.deviceId);
  }

  let stopped = false;
  /** No verification run recorded yet since the bridge started: the next one is the start-up run. */
  let startupRunDone = false;
  /** The line's occupant when the last passing run was recorded (at start: the occupant then). */
  let occupantAtLastPass: string | null = core.state.line[lineId]?.occupant?.workOrderId ?? null;
  /** The passing verification an overdue event was already recorded for (once per overdue period). */
  let overdueRecordedFor: string | null = null;

  const channels: Channel[] = configs.map((config) => {
    const conn = new DeviceConnection({
      name: config.deviceId,
      locator: locatorOf(config),
      driver: makeDriver(config),
      baudRate: config.baudRate,
      now,
      ...(opts.binding ? { binding: opts.binding } : {}),
      ...(opts.list ? { list: opts.list } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    });
    return new Channel(config, conn);
  });

  const line = () => core.state.line[lineId];
  const occupant = (): string | null => line()?.occupant?.workOrderId ?? null;

  // ---- health ---------------------------------------------------------------------------------------------------

  function healthOf(ch: Channel): BridgeDeviceHealth {
    const c = ch.conn.health();
    const parts: string[] = [];
    if (!c.connected) parts.push(c.lastError ? `not connected (${c.lastError})` : 'not connected');
    if (ch.passProblem) parts.push(`${ch.passProblem} (${ch.passesNotRecorded})`);
    if (ch.refused > 0) {
      const codes = Object.entries(ch.refusals).map(([code, n]) => `${code} ${n}`);
      parts.push(`refused by the rules: ${codes.join(', ')}`);
    }
    if (ch.lastProblem) parts.push(ch.lastProblem);
    const run = ch.run;
    return {
      deviceId: ch.deviceId,
      kind: ch.family,
      connected: c.connected,
      lastFrameAt: c.lastFrameAt === null ? null : new Date(c.lastFrameAt).toISOString(),
      faults: c.faults,
      errors: c.errors + ch.recordFailures,
      reconnects: c.reconnects,
      message: parts.length ? parts.join('; ') : null,
      recorded: ch.recorded,
      refused: ch.refused,
      refusals: { ...ch.refusals },
      recordFailures: ch.recordFailures,
      passesNotRecorded: ch.passesNotRecorded,
      backlog: ch.backlog,
      verificationRun: run ? { metals: [...run.seen], pieces: run.pieces.length, startedAt: new Date(run.startedAt).toISOString() } : null,
      connection: c,
    };
  }

  const health = (): BridgeDeviceHealth[] => channels.map(healthOf);
  const views = (): DeviceHealthView[] =>
    health().map((h) => ({
      deviceId: h.deviceId,
      kind: h.kind,
      connected: h.connected,
      lastFrameAt: h.lastFrameAt,
      faults: h.faults,
      errors: h.errors,
      reconnects: h.reconnects,
      message: h.message,
    }));

  let publishScheduled = false;
  function publishNow(): void {
    publishScheduled = false;
    core.setHardware(views());
  }
  /** Frame-driven changes are coalesced (a burst of frames, one screen update); connection changes go at once. */
  function publishSoon(): void {
    if (publishScheduled) return;
    publishScheduled = true;
    setImmediate(publishNow);
  }

  // ---- recording ----------------------------------------------------------------------------------------------

  async function record(ch: Channel, action: Action): Promise<RecordOutcome> {
    const parsed = ActionSchema.safeParse(action);
    if (!parsed.success) {
      ch.recordFailures++;
      ch.lastProblem = `${action.type} not recorded: ${describeIssues(parsed.error)}`;
      log('hardware: invalid device event', { deviceId: ch.deviceId, type: action.type, problem: ch.lastProblem });
      return 'failed';
    }
    try {
      await core.recordDevice(action);
      ch.recorded++;
      return 'ok';
    } catch (err) {
      if (err instanceof CommandFailure && err.error.code === 'refused') {
        const code = err.error.refusal ?? 'refused';
        ch.refused++;
        ch.refusals[code] = (ch.refusals[code] ?? 0) + 1;
        return 'refused';
      }
      ch.recordFailures++;
      ch.lastProblem = `${action.type} not recorded: ${errorText(err)}`;
      log('hardware: device event not recorded', { deviceId: ch.deviceId, type: action.type, error: errorText(err) });
      return 'failed';
    }
  }

  function faultRegister(ch: Channel): number {
    return ch.conn.health().faultBits;
  }

  // ---- verification runs ----------------------------------------------------------------------------------------

  function triggerFor(ch: Channel): VerificationTrigger {
    return runTrigger({ powerOnPending: ch.powerOnPending, startupRunDone, lotChanged: occupant() !== occupantAtLastPass });
  }

  const certifiedOf = (ch: Channel) => (metal: TestMetal) => certifiedPiece(metal, ch.deviceId, ch.config.verification.testPieces);

  async function finishRun(ch: Channel, run: Run, why: 'complete' | 'timeout' | 'interrupted'): Promise<void> {
    if (ch.run !== run) return;
    clearTimeout(run.timer);
    ch.run = null;
    const { requiredMetals } = ch.config.verification;
    const { pieces, result, missing, required } = completeRun(requiredMetals, run.pieces, certifiedOf(ch));
    if (missing.length) {
      ch.lastProblem = `verification run ${why === 'timeout' ? 'timed out' : 'interrupted'} without ${missing.join(', ')}: recorded as failed`;
    }
    const trigger = triggerFor(ch);
    const outcome = await record(ch, { type: 'md.verification', payload: { lineId, deviceId: ch.deviceId, trigger, result, pieces, requiredMetals: required } });
    if (outcome !== 'ok') return;
    startupRunDone = true;
    ch.powerOnPending = false;
    if (result === 'pass') occupantAtLastPass = occupant();
  }

  async function onVerification(ch: Channel, frame: VerificationFrame): Promise<void> {
    if (frame.metal === 'unknown') {
      ch.lastProblem = `verification piece of unknown metal ${frame.pieceId ?? ''} ignored`.trimEnd();
      return;
    }
    const reading = { metal: frame.metal, sizeMm: frame.sizeMm, pieceId: frame.pieceId, detected: frame.result === 'pass' };
    const piece = testPieceOf(reading, certifiedOf(ch)(frame.metal));
    if ('ignored' in piece) {
      ch.lastProblem = piece.ignored;
      return;
    }
    let run = ch.run;
    if (!run) {
      const timer = setTimeout(() => {
        if (ch.run === created) void ch.enqueue(() => finishRun(ch, created, 'timeout')).then(publishSoon);
      }, ch.config.verification.timeoutMs);
      const created: Run = { pieces: [], seen: new Set(), startedAt: now(), timer };
      run = ch.run = created;
    }
    run.pieces.push(piece);
    run.seen.add(piece.metal);
    if (untestedMetals(ch.config.verification.requiredMetals, run.pieces).length === 0) await finishRun(ch, run, 'complete');
  }

  // ---- frames ---------------------------------------------------------------------------------------------------

  async function handle(ch: Channel, frame: DeviceFrame): Promise<void> {
    const deviceId = ch.deviceId;
    switch (frame.kind) {
      case 'pass': {
        const workOrderId = occupant();
        if (!workOrderId) {
          ch.passesNotRecorded++;
          ch.passProblem = 'no work order on line: passes not recorded';
          return;
        }
        ch.passProblem = null;
        await record(ch, { type: 'md.pass', payload: { lineId, workOrderId, deviceId, count: 1 } });
        return;
      }
      case 'detection': {
        const workOrderId = occupant();
        const action: Action = {
          type: 'md.detection',
          payload: {
            lineId,
            deviceId,
            metal: frame.metal,
            ...(workOrderId ? { workOrderId } : {}),
            ...(frame.messageNo !== undefined ? { messageNo: frame.messageNo } : {}),
          },
        };
        // Fail safe: a detection that cannot be committed (disk full, I/O error) latches the line in memory, so
        // nothing more is recorded on it, and is retried until it is on disk; this device's next frame waits.
        let attempt = 0;
        while ((await record(ch, action)) === 'failed') {
          if (attempt === 0) core.latchLine(lineId, `detection on ${deviceId} not yet recorded: line stopped`);
          if (stopped || core.isClosed) break; // shutting down: the detection is in the device's own reject log
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt++, 5))));
        }
        if (attempt > 0 && !stopped && !core.isClosed) core.unlatchLine(lineId);
        return;
      }
      case 'verification':
        await onVerification(ch, frame);
        return;
      case 'fault':
        await record(ch, {
          type: 'md.fault',
          payload: { lineId, deviceId, bits: frame.bits, description: clip(frame.bits === 0 ? 'faults cleared' : frame.description, MAX_DESCRIPTION) },
        });
        return;
      case 'powerOn': {
        // A power cut interrupts a run in progress: it is incomplete, so it failed.
        if (ch.run) await finishRun(ch, ch.run, 'interrupted');
        ch.powerOnPending = true;
        await record(ch, { type: 'md.powerOn', payload: { lineId, deviceId } });
        return;
      }
      case 'gap': {
        const last = (frame.received + 9999) % 10000;
        const range = frame.missed === 1 ? `message ${pad(frame.expected)}` : `messages ${pad(frame.expected)}-${pad(last)}`;
        await record(ch, {
          type: 'md.fault',
          payload: { lineId, deviceId, bits: faultRegister(ch), description: clip(`${range} lost (${frame.missed}): a lost message may have been a detection`, MAX_DESCRIPTION), suspectedDetection: true },
        });
        return;
      }
      case 'error':
        if (frame.suspected === 'detection') {
          await record(ch, {
            type: 'md.fault',
            payload: { lineId, deviceId, bits: faultRegister(ch), description: clip(`unreadable message that looked like a detection: ${frame.raw ?? frame.reason}`, MAX_DESCRIPTION), suspectedDetection: true },
          });
        }
        return;
      case 'counters':
        return;
      case 'scan':
        try {
          await core.deviceScan(deviceId, { data: frame.data, symbology: frame.symbology });
        } catch (err) {
          ch.lastProblem = `scan not classified: ${errorText(err)}`;
        }
        return;
    }
  }

  // ---- overdue verification timer --------------------------------------------------------------------------------

  const timerChannel = channels.find((c) => c.isDetector);

  async function checkOverdue(ch: Channel): Promise<void> {
    const l = line();
    if (!l || l.verification.status !== 'ok' || l.verification.lastPassAt === null || l.verification.lastPassEventId === null) return;
    if (overdueRecordedFor === l.verification.lastPassEventId) return;
    if (!verificationOverdue(l, now())) return;
    overdueRecordedFor = l.verification.lastPassEventId;
    const dueAtMs = hlcWallTime(l.verification.lastPassAt) + VERIFICATION_INTERVAL_MS;
    await record(ch, { type: 'md.verificationOverdue', payload: { lineId, deviceId: ch.deviceId, dueAtMs } });
  }

  function checkVerification(): Promise<void> {
    if (!timerChannel || stopped) return Promise.resolve();
    return timerChannel.enqueue(() => checkOverdue(timerChannel)).then(publishSoon);
  }

  const interval = timerChannel ? setInterval(() => void checkVerification(), opts.checkIntervalMs ?? core.config.verificationCheckMs) : null;

  // ---- wiring ---------------------------------------------------------------------------------------------------

  for (const ch of channels) {
    ch.conn.on('frame', (frame) => {
      if (stopped) return;
      void ch.enqueue(() => handle(ch, frame)).then(publishSoon);
    });
    ch.conn.on('connected', publishNow);
    ch.conn.on('disconnected', publishNow);
    ch.conn.on('health', publishSoon);
    ch.conn.start();
  }
  publishNow();

  async function idle(): Promise<void> {
    while (channels.some((c) => c.backlog > 0)) await Promise.all(channels.map((c) => c.idle));
  }

  return {
    health,
    idle,
    checkVerification,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (interval) clearInterval(interval);
      await Promise.all(channels.map((c) => c.conn.stop()));
      for (const ch of channels) {
        const run = ch.run;
        if (run) void ch.enqueue(() => finishRun(ch, run, 'interrupted'));
      }
      await idle();
      publishNow();
    },
  };
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}
