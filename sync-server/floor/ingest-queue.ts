/**
 * Group commit for POST /api/push: one queue per server process. A push request (parsed and authenticated by the
 * route) waits here for its own outcome; one worker takes EVERY request waiting (up to `maxGroupEvents` events) and
 * applies them together in one transaction (apply.ts: applyGroup), in arrival order, then answers each with its own
 * result. While a group is in flight, new requests gather for the next one: at low load a request goes (almost) at
 * once, under load groups grow and the per-request cost (round trips, the commit, the change_counter lock every
 * writer queues on, one NOTIFY per commit) is shared by the whole group.
 *
 * Why one worker and not several: every writing transaction serialises on the change_counter row at its end anyway,
 * and concurrent groups would also contend on the same stations' and documents' locks; one group at a time keeps the
 * database connection busy with useful work and leaves the rest of the pool to pulls, streams and authentication.
 * Several server processes each run their own queue; their groups are ordinary concurrent transactions (row and
 * advisory locks, deadlock retry), as single batches were.
 */
import type { Db } from '../db/types';
import { applyGroup, type ApplyBatchResult, type ApplyOptions, type PushItem } from './apply';
import type { MasterCache } from './master';

export interface IngestQueueOptions extends Omit<ApplyOptions, 'onWriting'> {
  /** A group takes waiting requests until it holds this many events (a single larger request still goes, alone). */
  maxGroupEvents?: number;
  /** Groups in flight at most (see the header: one preparing while the previous one writes). 1 = strictly one. */
  pipeline?: number;
  /** Called after each group (metrics, tests). */
  onGroup?: (g: { requests: number; events: number; ms: number }) => void;
}

interface Waiting {
  item: PushItem;
  resolve: (r: ApplyBatchResult) => void;
  reject: (err: unknown) => void;
}

export const DEFAULT_MAX_GROUP_EVENTS = 2000;

export class IngestQueue {
  private waiting: Waiting[] = [];
  /** Groups started and not finished. */
  private inFlight = 0;
  /** Groups still reading and deciding (not yet waiting on the database to write and commit): at most one. */
  private preparing = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxGroupEvents: number;
  private readonly pipeline: number;

  constructor(
    private readonly db: Db,
    private readonly master: MasterCache,
    private readonly opts: IngestQueueOptions = {},
  ) {
    this.maxGroupEvents = opts.maxGroupEvents ?? DEFAULT_MAX_GROUP_EVENTS;
    this.pipeline = Math.max(1, opts.pipeline ?? 2);
  }

  /** Resolves with this request's own result; rejects with its own PushError (401, 409) or failure. */
  submit(item: PushItem): Promise<ApplyBatchResult> {
    return new Promise<ApplyBatchResult>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  /** Requests waiting for the next group (not counting those in flight). */
  get depth(): number {
    return this.waiting.length;
  }

  /** Resolves when nothing is waiting or in flight (app close). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private kick(): void {
    if (this.scheduled || !this.canStart()) return;
    this.scheduled = true;
    // Start on the next turn of the event loop, not synchronously: requests that arrived in the same turn (a burst
    // of sockets read together) go in the same group.
    setImmediate(() => {
      this.scheduled = false;
      if (this.canStart()) this.start(this.take());
      this.settle();
    });
  }

  private canStart(): boolean {
    return this.waiting.length > 0 && this.preparing === 0 && this.inFlight < this.pipeline;
  }

  private settle(): void {
    if (this.canStart()) this.kick();
    else if (this.inFlight === 0 && this.waiting.length === 0 && !this.scheduled) {
      for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  private take(): Waiting[] {
    let events = 0;
    let n = 0;
    for (const w of this.waiting) {
      if (n > 0 && events + w.item.events.length > this.maxGroupEvents) break;
      events += w.item.events.length;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private start(group: Waiting[]): void {
    this.inFlight++;
    this.preparing++;
    let prepared = false;
    const donePreparing = () => {
      if (prepared) return;
      prepared = true;
      this.preparing--;
      this.kick();
    };
    const t0 = performance.now();
    void applyGroup(this.db, this.master, group.map((w) => w.item), { ...this.opts, onWriting: donePreparing })
      .then(
        (outcomes) =>
          group.forEach((w, i) => {
            const o = outcomes[i];
            if (!o) w.reject(new Error('push group returned no outcome'));
            else if (o.ok) w.resolve(o.value);
            else w.reject(o.error);
          }),
        (err: unknown) => {
          for (const w of group) w.reject(err);
        },
      )
      .finally(() => {
        donePreparing();
        this.inFlight--;
        try {
          this.opts.onGroup?.({ requests: group.length, events: group.reduce((n, w) => n + w.item.events.length, 0), ms: performance.now() - t0 });
        } catch {
          // an observer's failure is not the pushes' failure
        }
        this.settle();
      });
  }
}
