/**
 * A detector's verification run (DOMAIN.md, "Verification"): test-piece frames gathered into one run until every
 * required metal was tested or the run times out, then one `md.verification`. What a run must include, what counts
 * as a certified piece, the trigger and the result are shared/rules/verification.ts's: the rules check the recorded
 * run with the same judgement, on the station and on the server.
 */
import type { TestMetal, TestPiece, VerificationTrigger } from '../../shared/events';
import { certifiedPiece, completeRun, runTrigger, testPieceOf, untestedMetals, type CertifiedPiece } from '../../shared/rules/verification';
import type { DeviceConfig } from '../core/config';
import type { RunView } from './device-health';
import type { VerificationFrame } from './driver';
import type { RecordAction } from './recorder';

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

  trigger(powerOnPending: boolean): VerificationTrigger {
    return runTrigger({ powerOnPending, startupRunDone: this.startupRunDone, lotChanged: this.occupant() !== this.occupantAtLastPass });
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
  /** A run timed out and was recorded: health changed. */
  changed: () => void;
}

interface Run {
  pieces: TestPiece[];
  startedAt: number;
  timer: ReturnType<typeof setTimeout>;
}

type Ending = 'complete' | 'timeout' | 'interrupted';

/** One detector's verification runs. */
export class VerificationRun {
  private run: Run | null = null;
  /** The detector reported a power-on: its next run is a `power_on` run. */
  private powerOnPending = false;

  constructor(private readonly o: VerificationRunOptions) {}

  /** The run being collected, for the screen. */
  view(): RunView | null {
    const run = this.run;
    if (!run) return null;
    return { metals: [...new Set(run.pieces.map((p) => p.metal))], pieces: run.pieces.length, startedAt: new Date(run.startedAt).toISOString() };
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
    const run = this.run ?? this.begin();
    run.pieces.push(piece);
    if (untestedMetals(this.o.settings.requiredMetals, run.pieces).length === 0) await this.finish(run, 'complete');
  }

  /** A power cut interrupts a run in progress (incomplete, so it failed); the next run is a `power_on` run. */
  async powerOn(): Promise<void> {
    if (this.run) await this.finish(this.run, 'interrupted');
    this.powerOnPending = true;
  }

  /** The bridge stops: a run still being collected is queued to be recorded as interrupted. */
  interrupt(): void {
    const run = this.run;
    if (run) void this.o.enqueue(() => this.finish(run, 'interrupted'));
  }

  private certified(metal: TestMetal): CertifiedPiece {
    return certifiedPiece(metal, this.o.deviceId, this.o.settings.testPieces);
  }

  private begin(): Run {
    const timer = setTimeout(() => {
      if (this.run === run) void this.o.enqueue(() => this.finish(run, 'timeout')).then(this.o.changed);
    }, this.o.settings.timeoutMs);
    const run: Run = { pieces: [], startedAt: this.o.now(), timer };
    this.run = run;
    return run;
  }

  private async finish(run: Run, why: Ending): Promise<void> {
    if (this.run !== run) return;
    clearTimeout(run.timer);
    this.run = null;
    const { pieces, result, missing, required } = completeRun(this.o.settings.requiredMetals, run.pieces, (m) => this.certified(m));
    if (missing.length) {
      this.o.problem(`verification run ${why === 'timeout' ? 'timed out' : 'interrupted'} without ${missing.join(', ')}: recorded as failed`);
    }
    const trigger = this.o.history.trigger(this.powerOnPending);
    const payload = { lineId: this.o.lineId, deviceId: this.o.deviceId, trigger, result, pieces, requiredMetals: required };
    if ((await this.o.record({ type: 'md.verification', payload })) !== 'ok') return;
    this.o.history.recorded(result);
    this.powerOnPending = false;
  }
}
