/**
 * Device health as the bridge sees it: what each device's frames came to (recorded, refused by the rules, not
 * recorded and why), joined with its connection's health, and pushed to the station screen.
 */
import type { DeviceHealthView, VerificationRunView } from '../../shared/api';
import type { DeviceFamily } from './driver';
import type { ConnectionHealth } from './ports';

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
  /** The verification run being collected, if any (null for a scanner). */
  verificationRun: VerificationRunView | null;
  connection: ConnectionHealth;
}

/** What one device's frames came to since the bridge started. */
export class DeviceTally {
  recorded = 0;
  refused = 0;
  readonly refusals: Record<string, number> = {};
  recordFailures = 0;
  passesNotRecorded = 0;
  /** Why the last pass frame was not recorded (cleared when one is). */
  passProblem: string | null = null;
  /** The latest problem other than a refusal, for the screen. */
  lastProblem: string | null = null;

  refusedBy(code: string): void {
    this.refused++;
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  failed(problem: string): void {
    this.recordFailures++;
    this.lastProblem = problem;
  }
}

export interface DeviceState {
  deviceId: string;
  family: DeviceFamily;
  tally: DeviceTally;
  backlog: number;
  run: VerificationRunView | null;
  connection: ConnectionHealth;
}

/** One line for the screen: what is wrong with the device, most basic first; null when nothing is. */
function problems(d: DeviceState): string | null {
  const { tally: t, connection: c } = d;
  const parts: string[] = [];
  if (!c.connected) parts.push(c.lastError ? `not connected (${c.lastError})` : 'not connected');
  if (t.passProblem) parts.push(`${t.passProblem} (${t.passesNotRecorded})`);
  if (t.refused > 0) {
    const codes = Object.entries(t.refusals).map(([code, n]) => `${code} ${n}`);
    parts.push(`refused by the rules: ${codes.join(', ')}`);
  }
  if (t.lastProblem) parts.push(t.lastProblem);
  return parts.length ? parts.join('; ') : null;
}

export function deviceHealth(d: DeviceState): BridgeDeviceHealth {
  const { tally: t, connection: c } = d;
  return {
    deviceId: d.deviceId,
    kind: d.family,
    connected: c.connected,
    lastFrameAt: c.lastFrameAt === null ? null : new Date(c.lastFrameAt).toISOString(),
    faults: c.faults,
    errors: c.errors + t.recordFailures,
    reconnects: c.reconnects,
    message: problems(d),
    recorded: t.recorded,
    refused: t.refused,
    refusals: { ...t.refusals },
    recordFailures: t.recordFailures,
    passesNotRecorded: t.passesNotRecorded,
    backlog: d.backlog,
    verificationRun: d.run,
    connection: c,
  };
}

/** The part of a device's health the station screen shows. */
export function screenView(h: BridgeDeviceHealth): DeviceHealthView {
  return {
    deviceId: h.deviceId,
    kind: h.kind,
    connected: h.connected,
    lastFrameAt: h.lastFrameAt,
    faults: h.faults,
    errors: h.errors,
    reconnects: h.reconnects,
    message: h.message,
    ...(h.kind === 'scanner' ? {} : { verificationRun: h.verificationRun }),
  };
}

/**
 * Pushes device health to the screen. Frame-driven changes are coalesced (a burst of frames, one screen update);
 * connection changes go at once.
 */
export class HealthPublisher {
  private scheduled = false;

  constructor(
    private readonly health: () => BridgeDeviceHealth[],
    private readonly show: (views: DeviceHealthView[]) => void,
  ) {}

  readonly now = (): void => {
    this.scheduled = false;
    this.show(this.health().map(screenView));
  };

  readonly soon = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.now);
  };
}
