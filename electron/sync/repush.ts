/**
 * Re-push: every own event the server has not processed pushed again when RxDB's push replication would not, because
 * it counts them as sent:
 *   - after a pull cycle took this station's progress back (the server's database went back: restored from a backup,
 *     failed over); what the server answered before no longer holds (`forgetServer`);
 *   - once per session, after the first pull cycle, if events are pending (a station stopped between a rewind and its
 *     re-push reopens with events RxDB already counts as pushed).
 * One run at a time, retried with backoff until done or stopped; a request arriving meanwhile runs once more after it.
 */
import { backoffDelay } from './http';

export interface RepushOptions {
  /** Push every own event after the server's progress (EventPusher.pushAll). */
  pushAll(opts: { forgetServer: boolean }): Promise<void>;
  pendingCount(): number;
  /** A push attempt failed (reported in the status; retried after a backoff). */
  failed(err: unknown): void;
  /** Waits `ms`, or less if sync stops. */
  sleep(ms: number): Promise<void>;
  stopped(): boolean;
  backoff: { initialMs: number; maxMs: number };
}

export class Repush {
  private running = false;
  /** What the next run is asked to do (null: nothing asked). */
  private next: { forgetServer: boolean } | null = null;
  /** No pull cycle applied yet in this session. */
  private firstCycle = true;

  constructor(private readonly o: RepushOptions) {}

  /** A whole pull cycle is in the core (`rewound`: it took this station's progress back). */
  cycleApplied(rewound: boolean): void {
    const first = this.firstCycle;
    this.firstCycle = false;
    if (rewound || (first && this.o.pendingCount() > 0)) this.ensurePushed(rewound);
  }

  /** Every own event after the server's progress pushed, retried with backoff until done or stopped. */
  ensurePushed(forgetServer: boolean): void {
    this.next = { forgetServer: forgetServer || (this.next?.forgetServer ?? false) };
    if (this.running) return;
    this.running = true;
    void this.run().finally(() => {
      this.running = false;
    });
  }

  private async run(): Promise<void> {
    const o = this.o;
    while (this.next && !o.stopped()) {
      const { forgetServer } = this.next;
      this.next = null;
      for (let attempt = 0; !o.stopped(); attempt++) {
        try {
          await o.pushAll({ forgetServer });
          break;
        } catch (err) {
          o.failed(err);
          await o.sleep(backoffDelay(attempt, o.backoff.initialMs, o.backoff.maxMs));
        }
      }
    }
  }
}
