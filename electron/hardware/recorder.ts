/**
 * Frame -> event: what one device's frames become in the station core (DOMAIN.md, "Metal / needle detection").
 *   pass          md.pass for the work order on the line (none on the line: not recorded, shown in health)
 *   detection     md.detection (the rules halt the line)
 *   verification  one test piece of the device's verification run (verification-run.ts)
 *   fault         md.fault (a register cleared to 0 is recorded too)
 *   powerOn       md.powerOn (a run in progress fails; the next run is a `power_on` run)
 *   gap           md.fault naming the lost message numbers (a lost message may have been a detection)
 *   error         suspected detection: md.fault (never dropped); other errors: health only
 *   counters      health only
 *   scan          classified by the core and pushed to the screen (`scan` topic)
 * A refusal by the rules (e.g. md.pass on a halted line) is counted in health; nothing is retried but a detection.
 */
import { ActionSchema, describeIssues, type Action } from '../../shared/events';
import type { StationHardwarePort } from '../core/ports';
import { CommandFailure } from '../core/station-core';
import type { DeviceTally } from './device-health';
import type { DeviceFrame, GapFrame } from './driver';
import type { VerificationRun } from './verification-run';

export type RecordOutcome = 'ok' | 'refused' | 'failed';

/** What of the station core the recorder uses. */
export type RecordingCore = Pick<StationHardwarePort, 'recordDevice' | 'latchLine' | 'unlatchLine' | 'isClosed' | 'deviceScan'>;

const MAX_DESCRIPTION = 200;
const clip = (s: string, n: number): string => (s.length > n ? s.slice(0, n - 1) + '…' : s);
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export type Log = (msg: string, extra?: Record<string, unknown>) => void;

/** Records one device action; `operatorId`: the operator it was done for (who started a verification run). */
export type RecordAction = (action: Action, opts?: { operatorId: string }) => Promise<RecordOutcome>;

/** Records one device's actions through the core, counting how each went in the device's tally. */
export function deviceRecorder(o: { core: Pick<RecordingCore, 'recordDevice'>; deviceId: string; tally: DeviceTally; log: Log }): RecordAction {
  const { core, deviceId, tally, log } = o;
  return async (action, opts) => {
    const parsed = ActionSchema.safeParse(action);
    if (!parsed.success) {
      tally.failed(`${action.type} not recorded: ${describeIssues(parsed.error)}`);
      log('hardware: invalid device event', { deviceId, type: action.type, problem: tally.lastProblem });
      return 'failed';
    }
    try {
      await core.recordDevice(action, opts);
      tally.recorded++;
      return 'ok';
    } catch (err) {
      if (err instanceof CommandFailure && err.error.code === 'refused') {
        tally.refusedBy(err.error.refusal ?? 'refused');
        return 'refused';
      }
      tally.failed(`${action.type} not recorded: ${errorText(err)}`);
      log('hardware: device event not recorded', { deviceId, type: action.type, error: errorText(err) });
      return 'failed';
    }
  };
}

export interface FrameRecorderOptions {
  core: RecordingCore;
  lineId: string;
  deviceId: string;
  tally: DeviceTally;
  record: RecordAction;
  verification: VerificationRun;
  /** The work order on the line now (passes are recorded against it). */
  occupant: () => string | null;
  /** The device's fault register now (a gap or a garbled detection is recorded with it). */
  faultRegister: () => number;
  /** The bridge is stopping: a detection that cannot be committed stops being retried. */
  stopping: () => boolean;
}

export class FrameRecorder {
  private readonly record: RecordAction;

  constructor(private readonly o: FrameRecorderOptions) {
    this.record = o.record;
  }

  async handle(frame: DeviceFrame): Promise<void> {
    const { lineId, deviceId, tally } = this.o;
    switch (frame.kind) {
      case 'pass': {
        const workOrderId = this.o.occupant();
        if (!workOrderId) {
          tally.passesNotRecorded++;
          tally.passProblem = 'no work order on line: passes not recorded';
          return;
        }
        tally.passProblem = null;
        await this.record({ type: 'md.pass', payload: { lineId, workOrderId, deviceId, count: 1 } });
        return;
      }
      case 'detection': {
        const workOrderId = this.o.occupant();
        await this.recordDetection({
          type: 'md.detection',
          payload: {
            lineId,
            deviceId,
            metal: frame.metal,
            ...(workOrderId ? { workOrderId } : {}),
            ...(frame.messageNo !== undefined ? { messageNo: frame.messageNo } : {}),
          },
        });
        return;
      }
      case 'verification':
        await this.o.verification.piece(frame);
        return;
      case 'fault':
        await this.record({ type: 'md.fault', payload: { lineId, deviceId, bits: frame.bits, description: clip(frame.bits === 0 ? 'faults cleared' : frame.description, MAX_DESCRIPTION) } });
        return;
      case 'powerOn':
        await this.o.verification.powerOn();
        await this.record({ type: 'md.powerOn', payload: { lineId, deviceId } });
        return;
      case 'gap':
        await this.recordSuspectedDetection(lostMessages(frame));
        return;
      case 'error':
        if (frame.suspected === 'detection') await this.recordSuspectedDetection(`unreadable message that looked like a detection: ${frame.raw ?? frame.reason}`);
        return;
      case 'counters':
        return;
      case 'scan':
        try {
          await this.o.core.deviceScan(deviceId, { data: frame.data, symbology: frame.symbology });
        } catch (err) {
          tally.lastProblem = `scan not classified: ${errorText(err)}`;
        }
        return;
    }
  }

  /**
   * Fail safe: a detection that cannot be committed (disk full, I/O error) latches the line in memory, so nothing
   * more is recorded on it, and is retried until it is on disk; this device's next frame waits.
   */
  private async recordDetection(action: Action): Promise<void> {
    const { core, lineId, deviceId } = this.o;
    let attempt = 0;
    while ((await this.record(action)) === 'failed') {
      if (attempt === 0) core.latchLine(lineId, `detection on ${deviceId} not yet recorded: line stopped`);
      if (this.o.stopping() || core.isClosed) break; // shutting down: the detection is in the device's own reject log
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt++, 5))));
    }
    if (attempt > 0 && !this.o.stopping() && !core.isClosed) core.unlatchLine(lineId);
  }

  private async recordSuspectedDetection(description: string): Promise<void> {
    const { lineId, deviceId } = this.o;
    await this.record({
      type: 'md.fault',
      payload: { lineId, deviceId, bits: this.o.faultRegister(), description: clip(description, MAX_DESCRIPTION), suspectedDetection: true },
    });
  }
}

function lostMessages(frame: GapFrame): string {
  const last = (frame.received + 9999) % 10000;
  const range = frame.missed === 1 ? `message ${pad(frame.expected)}` : `messages ${pad(frame.expected)}-${pad(last)}`;
  return `${range} lost (${frame.missed}): a lost message may have been a detection`;
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}
