/**
 * The push side: what RxDB's `push.handler` calls with the events it found since its (local) checkpoint.
 *
 * The server applies a station's events strictly in seq order (409 `seq_gap` otherwise) and answers an event it has
 * seen before as a duplicate, with its first answer. RxDB's upstream hands over documents in `_meta.lwt` order, in
 * batches that may run concurrently (one persist splits its rows into `push.batchSize` slices under Promise.all), and
 * after a restart it re-sends whatever was past its last stored checkpoint. So the handler does not trust the rows'
 * order or completeness; it treats a call as "make sure the server has everything up to the highest seq in these
 * rows":
 *   1. calls are serialised (one push in flight per station);
 *   2. it pushes from the server's progress + 1 (the last `lastAppliedSeq` the server answered, or before the first
 *      answer the pulled `stationProgress`) up to that seq, reading the events by seq from the station's own event
 *      log (the `seq` index), so earlier pending events are included and nothing goes out of order;
 *   3. a 409 `seq_gap` names the seq the server expects: it re-reads from there and tries again;
 *   4. rows at or below the server's progress are already there: a call with only those sends nothing.
 * A crash between a push and RxDB storing its checkpoint re-sends those events: the server answers "duplicate" and
 * changes nothing. Refusals come back in the answer and, as `refusal` documents, through the pull.
 */
import type { FloorEvent } from '../../shared/events';
import { MAX_PUSH_BATCH, PushResponse, type RosterStamp } from '../../shared/sync';
import type { StationSyncPort } from '../core/ports';
import { joinUrl, requestJson, SyncHttpError, type Fetch } from './http';

/** What the pusher reads of the station core. */
export type PusherCore = Pick<StationSyncPort, 'appliedSeq' | 'lastSequence' | 'wallClockMs' | 'eventsAfter' | 'rosterVersionAt'>;

export interface EventPusherOptions {
  core: PusherCore;
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  requestTimeoutMs: number;
  /** Events per POST (≤ MAX_PUSH_BATCH). */
  batchSize?: number;
  /** Every answered push (status: lastPushAt, backlog). */
  onPushed(response: PushResponse): void;
}

export class EventPusher {
  /** What the server last said about this station's progress (null until it has answered once). */
  private serverProgress: number | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** The seqs this client has pushed (and had answered) in order since it started. */
  private sent: { from: number; to: number } | null = null;
  /** Seqs sent by pushAtOrBelowProgress (few: a restored station's). */
  private readonly sentBelow = new Set<number>();
  private readonly batchSize: number;
  /** Totals since start (diagnostics, tests). */
  readonly stats = { calls: 0, requests: 0, sent: 0, applied: 0, refused: 0, duplicates: 0, seqGaps: 0 };

  constructor(private readonly opts: EventPusherOptions) {
    this.batchSize = Math.max(1, Math.min(opts.batchSize ?? MAX_PUSH_BATCH, MAX_PUSH_BATCH));
  }

  /** The highest seq of this station the server has processed, as far as this client knows. */
  get progress(): number {
    return this.serverProgress ?? this.opts.core.appliedSeq;
  }

  /** RxDB's push handler: events are insert-only and never conflict, so the answer is always "no conflicts". */
  handle(rows: readonly { newDocumentState: { seq: number } }[]): Promise<never[]> {
    this.stats.calls++;
    const target = rows.reduce((m, r) => Math.max(m, r.newDocumentState.seq), 0);
    const seqs = rows.map((r) => r.newDocumentState.seq);
    const run = this.chain.then(async () => {
      await this.pushAtOrBelowProgress(seqs);
      await this.pushUpTo(target);
    });
    this.chain = run.catch(() => undefined);
    return run.then(() => []);
  }

  /**
   * Push every own event the server has not processed, whether or not RxDB's push replication counts it as sent (at
   * start: a station stopped between a rewind and its re-push). `forgetServer`: what the server answered before no
   * longer holds (its database went back; the core has taken the older progress back), start from the core's.
   * The server's seq_gap answer corrects a wrong start either way.
   */
  pushAll(opts: { forgetServer: boolean }): Promise<void> {
    const run = this.chain.then(() => {
      if (opts.forgetServer) this.serverProgress = null;
      return this.pushUpTo(this.opts.core.lastSequence);
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Push every own event with seq ≤ target that the server has not processed yet, in seq order. */
  async pushUpTo(target: number): Promise<void> {
    let gaps = 0;
    while (this.progress < target) {
      if (this.opts.signal.aborted) throw new SyncHttpError(0, 'network', 'sync stopped');
      const from = this.progress + 1;
      const events = await this.readEvents(from, Math.min(target, from + this.batchSize - 1));
      let res: PushResponse;
      try {
        this.stats.requests++;
        res = await this.post(events);
      } catch (err) {
        const expected = err instanceof SyncHttpError && err.status === 409 && err.code === 'seq_gap' ? expectedSeq(err.message) : undefined;
        if (expected !== undefined && gaps++ < 5) {
          // The server's answer is authoritative: push from the seq it expects (earlier or later than we thought).
          this.stats.seqGaps++;
          this.serverProgress = expected - 1;
          continue;
        }
        throw err;
      }
      this.count(events.length, res);
      const last = events[events.length - 1]?.seq ?? from;
      this.sent = { from: Math.min(this.sent?.from ?? from, from), to: Math.max(this.sent?.to ?? last, last) };
      if (res.lastAppliedSeq < last) {
        // Every event of a batch is processed (applied or refused) or the whole batch fails: this is a server bug.
        throw new SyncHttpError(200, 'bad_response', `server processed up to seq ${res.lastAppliedSeq} of a batch ending at ${last}`);
      }
      this.serverProgress = res.lastAppliedSeq;
      this.opts.onPushed(res);
    }
  }

  /**
   * New rows at or below the server's progress: usually the server has them (a re-send after a restart; it answers
   * duplicates), but a station restored from an old copy records new events at seqs its lost events took, and may
   * have pulled the server's progress before pushing them. Sent once each, so the server keeps them (refused
   * `seq_conflict`, docs/sync-protocol.md) instead of the station never pushing them.
   */
  private async pushAtOrBelowProgress(rowSeqs: readonly number[]): Promise<void> {
    // Not those this client has pushed itself (RxDB's slices may arrive after a later slice pushed them).
    const seqs = new Set(rowSeqs.filter((q) => q <= this.progress && !this.sentBelow.has(q) && !(this.sent && q >= this.sent.from && q <= this.sent.to)));
    if (seqs.size === 0) return;
    const lo = Math.min(...seqs);
    const hi = Math.max(...seqs);
    const core = this.opts.core;
    const events = (await core.eventsAfter(lo - 1, hi - lo + 1)).filter((e) => seqs.has(e.seq)).map((e) => envelope(e, core.rosterVersionAt?.(e.seq)));
    for (let i = 0; i < events.length; i += this.batchSize) {
      const batch = events.slice(i, i + this.batchSize);
      this.stats.requests++;
      let res: PushResponse;
      try {
        res = await this.post(batch);
      } catch (err) {
        // The server's progress is lower than thought (its database went back): pushUpTo sends them in order.
        const expected = err instanceof SyncHttpError && err.status === 409 && err.code === 'seq_gap' ? expectedSeq(err.message) : undefined;
        if (expected === undefined) throw err;
        this.serverProgress = expected - 1;
        return;
      }
      this.count(batch.length, res);
      for (const e of batch) this.sentBelow.add(e.seq);
      this.serverProgress = Math.max(this.progress, res.lastAppliedSeq);
      this.opts.onPushed(res);
    }
  }

  private post(events: readonly (FloorEvent & RosterStamp)[]): Promise<PushResponse> {
    return requestJson(this.opts.fetch, joinUrl(this.opts.serverUrl, '/api/push'), PushResponse, {
      method: 'POST',
      token: this.opts.token,
      // The station's own wall clock, so the server can show its skew (never used for ordering).
      body: { events, stationTime: this.opts.core.wallClockMs() },
      signal: this.opts.signal,
      timeoutMs: this.opts.requestTimeoutMs,
    });
  }

  private count(sent: number, res: PushResponse): void {
    this.stats.sent += sent;
    for (const r of res.results) {
      if (r.status === 'applied') this.stats.applied++;
      else if (r.status === 'refused') this.stats.refused++;
      else this.stats.duplicates++;
    }
  }

  /** Own events from..to from the event log (by the seq index), checked to be contiguous. */
  private async readEvents(from: number, to: number): Promise<(FloorEvent & RosterStamp)[]> {
    const core = this.opts.core;
    const events = (await core.eventsAfter(from - 1, to - from + 1)).map((e) => envelope(e, core.rosterVersionAt?.(e.seq)));
    events.forEach((e, i) => {
      if (e.seq !== from + i) throw new Error(`the station's event log has no seq ${from + i} (found ${e.seq}): cannot push in order`);
    });
    if (events.length === 0) throw new Error(`the station's event log has no seq ${from}: cannot push in order`);
    return events;
  }
}

/** Exactly the event as recorded (no RxDB fields), with the roster it was recorded under beside it when known. */
function envelope(e: FloorEvent, rosterVersion: number | undefined): FloorEvent & RosterStamp {
  const event = { id: e.id, stationId: e.stationId, seq: e.seq, hlc: e.hlc, operatorId: e.operatorId, type: e.type, payload: e.payload, v: e.v } as FloorEvent;
  return rosterVersion === undefined ? event : { ...event, rosterVersion };
}

/** "expected seq 12 from ST-CUT-1, got 15: push from there" → 12. */
export function expectedSeq(message: string): number | undefined {
  const m = /expected seq (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}
