/**
 * The hourly verification check: when the line's last passing verification is older than the interval, one
 * `md.verificationOverdue` is recorded (the rules then hold what runs until the next pass), once per overdue period.
 */
import type { LineDoc } from '../../shared/docs';
import type { Action } from '../../shared/events';
import { hlcWallTime } from '../../shared/hlc';
import { VERIFICATION_INTERVAL_MS, verificationOverdue } from '../../shared/rules/detector';

export class OverdueCheck {
  /** The passing verification an overdue event was already recorded for. */
  private recordedFor: string | null = null;

  constructor(
    private readonly lineId: string,
    private readonly line: () => LineDoc | undefined,
    private readonly now: () => number,
  ) {}

  async check(deviceId: string, record: (action: Action) => Promise<unknown>): Promise<void> {
    const l = this.line();
    // Never verified, failed or already due: the rules hold passes already; there is no pass to be overdue from.
    if (!l || l.verification.status !== 'ok' || l.verification.lastPassAt === null || l.verification.lastPassEventId === null) return;
    if (this.recordedFor === l.verification.lastPassEventId) return;
    if (!verificationOverdue(l, this.now())) return;
    this.recordedFor = l.verification.lastPassEventId;
    const dueAtMs = hlcWallTime(l.verification.lastPassAt) + VERIFICATION_INTERVAL_MS;
    await record({ type: 'md.verificationOverdue', payload: { lineId: this.lineId, deviceId, dueAtMs } });
  }
}
