/**
 * A detector's verification run (DOMAIN.md, "Verification"): test-piece frames gathered into one run until every
 * required metal was tested or the run times out, then one `md.verification`. What a run must include, what counts
 * as a certified piece, the trigger and the result are shared/rules/verification.ts's: the rules check the recorded
 * run with the same judgement, on the station and on the server.
 *
 * A run starts with its first test piece (the detector's own run, e.g. at power-on), or at the station
 * (`verification.start` -> `start`): the detector is asked for test mode, the run waits up to `startWindowMs` for its
 * first piece (none: cancelled, nothing recorded), and is recorded with the trigger given, in the name of the
 * operator who started it.
 */
import type { VerificationRunView } from '../../shared/api';
import type { TestMetal, TestPiece, VerificationTrigger } from '../../shared/events';
import { certifiedPiece, completeRun, requiredMetals, runTrigger, testPieceOf, untestedMetals, type CertifiedPiece } from '../../shared/rules/verification';
import type { DeviceConfig } from '../core/config';
import type { VerificationRequest, VerificationStart } from '../core/ports';
import type { VerificationFrame } from './driver';
import { errorText, type RecordAction } from './recorder';

/**
 * The line's runs so far, across its detectors: whether the start-up run was recorded, and which lot was on the
 * line at the last passing run (a new lot needs its own run).
 */
export class LineRunHistory {
  /** No run recorded yet since the bridge started: the next one is the start-up run. */
  private startupRunDone = false;
  /** The line's occupant when the last passing run was recorded (at start: the occupant then). */
  private occupantAtLastPass: string | null;

  constructor(private readonly occupant: () => string | null) {
    this.occupantAtLastPass = occupant();
  }

  trigger(powerOnPending: boolean, requested?: VerificationTrigger): VerificationTrigger {
    return runTrigger({ powerOnPending, startupRunDone: this.startupRunDone, lotChanged: this.occupant() !== this.occupantAtLastPass, requested });
  }

  recorded(result: 'pass' | 'fail'): void {
    this.startupRunDone = true;
    if (result === 'pass') this.occupantAtLastPass = this.occupant();
  }
}

export interface VerificationRunOptions {
  lineId: string;
  deviceId: string;
  settings: DeviceConfig['verification'];
  history: LineRunHistory;
  now: () => number;
  record: RecordAction;
  /** Tells the screen why something the detector sent did not count. */
  problem: (message: string) => void;
  /** Queues a task behind the device's frames (a timed-out run is recorded in frame order). */
  enqueue: (task: () => Promise<void>) => Promise<void>;
  /** A run timed out and was recorded, or was cancelled: health changed. */
  changed: () => void;
  /** Asks the detector for test mode (host-request.ts); absent or null: it takes no requests. */
  requestTestMode?: (() => Promise<void>) | null;
}

interface Run {
  pieces: TestPiece[];
  startedAt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Started at the station: why, and by whom (null: the detector started it). */
  requested: { trigger: VerificationTrigger; by: string } | null;
}

type Ending = 'complete' | 'timeout' | 'interrupted';

/** One detector's verification runs. */
export class VerificationRun {
  private run: Run | null = null;
  /** The detector reported a power-on: its next run is a `power_on` run. */
  private powerOnPending = false;

  constructor(private readonly o: VerificationRunOptions) {}

  /** The run being collected, for the screen. */
  view(): VerificationRunView | null {
    return this.run ? this.viewOf(this.run) : null;
  }

  private viewOf(run: Run): VerificationRunView {
    return {
      trigger: run.requested?.trigger ?? null,
      requestedBy: run.requested?.by ?? null,
      startedAt: new Date(run.startedAt).toISOString(),
      metals: [...new Set(run.pieces.map((p) => p.metal))],
      pieces: run.pieces.length,
      required: requiredMetals(this.o.settings.requiredMetals),
    };
  }

  /**
   * A run started at the station: the detector is asked for test mode and the run waits for its first test piece. A
   * run already being collected is the answer (one the detector started takes this trigger and operator).
   */
  async start(request: Pick<VerificationRequest, 'trigger' | 'operatorId'>): Promise<VerificationStart> {
    const requested = { trigger: request.trigger, by: request.operatorId };
    const current = this.run;
    if (current) {
      current.requested ??= requested;
      return this.started({ ...current, requested: current.requested }, true);
    }
    const run = this.begin(requested);
    if (this.o.requestTestMode) {
      try {
        await this.o.requestTestMode();
      } catch (err) {
        if (run.pieces.length === 0) this.drop(run, null);
        return { ok: false, code: 'refused', message: `detector ${this.o.deviceId} could not be asked for test mode (${errorText(err)}): check its cable, then start again` };
      }
    }
    return this.started({ ...run, requested }, false);
  }

  private started(run: Run & { requested: NonNullable<Run['requested']> }, alreadyRunning: boolean): VerificationStart {
    const { startedAt, required } = this.viewOf(run);
    const testMode = this.o.requestTestMode ? 'requested' : 'manual';
    return { ok: true, deviceId: this.o.deviceId, trigger: run.requested.trigger, startedAt, required, alreadyRunning, testMode };
  }

  /** One test piece through the detector; the run is recorded once every required metal was tested. */
  async piece(frame: VerificationFrame): Promise<void> {
    if (frame.metal === 'unknown') {
      this.o.problem(`verification piece of unknown metal ${frame.pieceId ?? ''} ignored`.trimEnd());
      return;
    }
    const reading = { metal: frame.metal, sizeMm: frame.sizeMm, pieceId: frame.pieceId, detected: frame.result === 'pass' };
    const piece = testPieceOf(reading, this.certified(frame.metal));
    if ('ignored' in piece) {
      this.o.problem(piece.ignored);
      return;
    }
    const run = this.run ?? this.begin(null);
    // A run started at the station got its first piece: from now on it has `timeoutMs` to complete.
    if (run.pieces.length === 0 && run.requested) this.arm(run, this.o.settings.timeoutMs);
    run.pieces.push(piece);
    if (untestedMetals(this.o.settings.requiredMetals, run.pieces).length === 0) await this.finish(run, 'complete');
  }

  /** A power cut interrupts a run in progress (incomplete, so it failed); the next run is a `power_on` run. */
  async powerOn(): Promise<void> {
    if (this.run) await this.finish(this.run, 'interrupted', 'was interrupted by a power-on before any test piece');
    this.powerOnPending = true;
  }

  /** The bridge stops: a run still being collected is queued to be recorded as interrupted (one without pieces dropped). */
  interrupt(): void {
    const run = this.run;
    if (run) void this.o.enqueue(() => this.finish(run, 'interrupted'));
  }

  private certified(metal: TestMetal): CertifiedPiece {
    return certifiedPiece(metal, this.o.deviceId, this.o.settings.testPieces);
  }

  private begin(requested: Run['requested']): Run {
    const run: Run = { pieces: [], startedAt: this.o.now(), requested };
    this.run = run;
    this.arm(run, requested ? this.o.settings.startWindowMs : this.o.settings.timeoutMs);
    return run;
  }

  /** (Re)sets the run's timer: when it fires, a run without pieces is cancelled, one with pieces times out. */
  private arm(run: Run, ms: number): void {
    clearTimeout(run.timer);
    run.timer = setTimeout(() => {
      if (this.run !== run) return;
      const waited = `${ms / 1000} s`;
      void this.o.enqueue(() => this.finish(run, 'timeout', `got no test piece within ${waited}`)).then(this.o.changed);
    }, ms);
  }

  /** A run ends without being recorded (nothing was tested); `why` tells the screen. */
  private drop(run: Run, why: string | null): void {
    if (this.run !== run) return;
    clearTimeout(run.timer);
    this.run = null;
    if (why) {
      const started = run.requested ? `started by ${run.requested.by} (${run.requested.trigger})` : 'started';
      this.o.problem(`verification ${started} ${why}: cancelled, nothing recorded`);
    }
  }

  /** Records the run; one with no test piece at all is dropped instead (`emptyWhy`: what to tell the screen). */
  private async finish(run: Run, why: Ending, emptyWhy: string | null = null): Promise<void> {
    if (this.run !== run) return;
    if (run.pieces.length === 0) {
      this.drop(run, emptyWhy);
      return;
    }
    clearTimeout(run.timer);
    this.run = null;
    const { pieces, result, missing, required } = completeRun(this.o.settings.requiredMetals, run.pieces, (m) => this.certified(m));
    if (missing.length) {
      this.o.problem(`verification run ${why === 'timeout' ? 'timed out' : 'interrupted'} without ${missing.join(', ')}: recorded as failed`);
    }
    const trigger = this.o.history.trigger(this.powerOnPending, run.requested?.trigger);
    const action = { type: 'md.verification' as const, payload: { lineId: this.o.lineId, deviceId: this.o.deviceId, trigger, result, pieces, requiredMetals: required } };
    const by = run.requested?.by;
    let outcome = await this.o.record(action, by ? { operatorId: by } : undefined);
    // Refused in the name of the operator who started it (no longer on this station's roster): the detector's own record.
    if (outcome === 'refused' && by) outcome = await this.o.record(action);
    if (outcome !== 'ok') return;
    this.o.history.recorded(result);
    this.powerOnPending = false;
  }
}
