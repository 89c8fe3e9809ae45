/**
 * Detector verification runs with certified test pieces (DOMAIN.md, "Verification"): which metals a run must
 * include, what counts as a certified piece, which trigger a run answers, and the one judgement of a run.
 *
 * The hardware bridge builds every `md.verification` with `completeRun`; the rules (`recordVerification`, on the
 * station and on the server alike) check every recorded one with `checkRecordedRun`. Both go through `judgeRun`,
 * so a run the bridge records as failed can never be recorded as passed by anyone, and a "pass" that skipped a
 * required metal is refused wherever it arrives.
 */
import {
  MAX_CERTIFIED_PIECE_MM,
  TestMetal,
  type PayloadOf,
  type TestPiece,
  type VerificationTrigger,
} from '../events';
import type { Refusal } from '../refusal';

export const TEST_METALS: readonly TestMetal[] = TestMetal.options;

/**
 * The metals every run on this floor includes, whatever a device is configured with: ferrous. Needle detectors
 * (sewing's broken-needle flow ends at them) are ferrous-only, so non-Fe and stainless cannot be a floor-wide
 * minimum; a device config adds them (its default requires all three) and can never drop Fe.
 */
export const FLOOR_REQUIRED_METALS: readonly TestMetal[] = ['fe'];

/** Usual certified test-piece sizes, used when neither the detector nor the config gives a piece's size. */
export const DEFAULT_TEST_PIECE_MM: Readonly<Record<TestMetal, number>> = { fe: 1.0, nonfe: 1.5, stainless: 2.0 };

const PIECE_ID_MAX = 40;
const clipId = (s: string): string => (s.length > PIECE_ID_MAX ? s.slice(0, PIECE_ID_MAX - 1) + '…' : s);

/** The id a required metal never tested is recorded under (as a piece not detected). */
export const notTestedId = (metal: TestMetal): string => `NOT-TESTED-${metal}`;

/**
 * The metals a run must include: the floor minimum plus the device's own list (its config, or what a recorded run
 * says it was configured with). A device may extend the floor minimum, never shrink it. In the floor's metal order.
 */
export function requiredMetals(deviceList: readonly TestMetal[] = []): TestMetal[] {
  const wanted = new Set<TestMetal>([...FLOOR_REQUIRED_METALS, ...deviceList]);
  return TEST_METALS.filter((m) => wanted.has(m));
}

export interface RunVerdict {
  result: 'pass' | 'fail';
  /** Required metals with no test piece in the run. */
  missing: TestMetal[];
}

/** The one judgement of a run: it passes only if every required metal was tested and every piece was detected. */
export function judgeRun(required: readonly TestMetal[], pieces: readonly Pick<TestPiece, 'metal' | 'detected'>[]): RunVerdict {
  const missing = untestedMetals(required, pieces);
  const result = missing.length === 0 && pieces.length > 0 && pieces.every((p) => p.detected) ? 'pass' : 'fail';
  return { result, missing };
}

/** Required metals the run has not tested yet: the bridge keeps collecting pieces while this is not empty. */
export function untestedMetals(required: readonly TestMetal[], pieces: readonly Pick<TestPiece, 'metal'>[]): TestMetal[] {
  const tested = new Set(pieces.map((p) => p.metal));
  return requiredMetals(required).filter((m) => !tested.has(m));
}

/** A device's certified piece of a metal: configured, else the usual size and an id naming the device. */
export interface CertifiedPiece {
  metal: TestMetal;
  sizeMm: number;
  pieceId: string;
}

export function certifiedPiece(metal: TestMetal, deviceId: string, configured: readonly CertifiedPiece[] = []): CertifiedPiece {
  return configured.find((p) => p.metal === metal) ?? { metal, sizeMm: DEFAULT_TEST_PIECE_MM[metal], pieceId: clipId(`${deviceId}-${metal}`) };
}

/** What a detector reported about one test piece (size and id when it sends them). */
export interface PieceReading {
  metal: TestMetal;
  sizeMm?: number | undefined;
  pieceId?: string | undefined;
  detected: boolean;
}

/**
 * A reading as a test piece of the run, filling size and id from the certified piece; or why it is not one (a
 * piece above the certified limit proves nothing about sensitivity and is left out of the run).
 */
export function testPieceOf(reading: PieceReading, certified: CertifiedPiece): TestPiece | { ignored: string } {
  const sizeMm = reading.sizeMm ?? certified.sizeMm;
  if (sizeMm > MAX_CERTIFIED_PIECE_MM) {
    return { ignored: `test piece ${reading.pieceId ?? reading.metal} of ${sizeMm} mm is not a certified piece (max ${MAX_CERTIFIED_PIECE_MM} mm): ignored` };
  }
  return { metal: reading.metal, sizeMm, pieceId: clipId(reading.pieceId ?? certified.pieceId), detected: reading.detected };
}

export interface CompletedRun extends RunVerdict {
  /** The pieces tested, then one piece not detected (`NOT-TESTED-<metal>`) per required metal never tested. */
  pieces: TestPiece[];
  required: TestMetal[];
}

/**
 * A run as it is recorded, however it ended (complete, timed out, interrupted by a power cut). A required metal
 * never tested was not shown to be detected: it goes into the record as a piece not detected, so the record itself
 * shows why the run failed and `checkRecordedRun` agrees with it.
 */
export function completeRun(deviceList: readonly TestMetal[], tested: readonly TestPiece[], certifiedOf: (metal: TestMetal) => CertifiedPiece): CompletedRun {
  const required = requiredMetals(deviceList);
  const verdict = judgeRun(required, tested);
  const notTested = verdict.missing.map((metal): TestPiece => ({ ...certifiedOf(metal), pieceId: notTestedId(metal), detected: false }));
  return { ...verdict, required, pieces: [...tested, ...notTested] };
}

/**
 * The check every recorded `md.verification` must pass (station and server): its result is the judgement of its
 * own pieces against the metals it had to include (the floor minimum, plus its `requiredMetals`). A failed run that
 * skipped a metal is accepted (it fails safe: pieces go on hold); a passed one is refused.
 */
export function checkRecordedRun(payload: Pick<PayloadOf<'md.verification'>, 'result' | 'pieces' | 'requiredMetals'>): Refusal | null {
  const verdict = judgeRun(payload.requiredMetals ?? [], payload.pieces);
  if (verdict.result === payload.result) return null;
  if (payload.result === 'pass' && verdict.missing.length > 0) {
    return { code: 'verification_incomplete', message: `result pass but ${verdict.missing.join(', ')} not tested: a run must test ${requiredMetals(payload.requiredMetals).join(', ')}` };
  }
  const allDetected = payload.pieces.every((p) => p.detected);
  return { code: 'verification_inconsistent', message: `result ${payload.result} but ${allDetected ? 'every' : 'not every'} test piece was detected` };
}

/** What the bridge knows when a run ends, to name why it was run. */
export interface RunContext {
  /** The detector reported a power-on/reset since its last recorded run. */
  powerOnPending: boolean;
  /** A run was already recorded since the station started. */
  startupRunDone: boolean;
  /** The work order on the line is not the one that was there at the last passing run. */
  lotChanged: boolean;
  /** The trigger given when the run was started from the station (`verification.start`). */
  requested?: VerificationTrigger | undefined;
}

/**
 * Why a run was made (DOMAIN.md: start-up, after a power cut, start and end of each lot, hourly, end of day). A run
 * started from the station is what its operator said it was; one the detector started is named from what the bridge
 * saw, most specific first.
 */
export function runTrigger(c: RunContext): VerificationTrigger {
  if (c.requested) return c.requested;
  if (c.powerOnPending) return 'power_on';
  if (!c.startupRunDone) return 'startup';
  if (c.lotChanged) return 'lot_start';
  return 'hourly';
}
