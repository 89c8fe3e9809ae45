/**
 * The station's sync client: events up, authoritative documents down, both through RxDB's `replicateRxCollection`.
 *
 *   events     push only  → POST /api/push       (EventPusher: seq order, seq_gap recovery, duplicates harmless)
 *   documents  pull only  ← GET /api/pull?checkpoint={version}&limit=   + pull.stream$ ← GET /api/stream (SSE)
 *
 * Two replications, not one: RxDB delays a replication's pull while its push is active, and a push may be stuck
 * retrying (server refusing a batch, network flapping) for a long time; documents must keep flowing meanwhile.
 *
 * The core is the one writer of its store. Pulled documents reach it through the pull handler: the handler gathers a
 * whole pull cycle (every batch from RxDB's checkpoint to the server's head, see `pull`) and hands it to
 * `core.applyPulled`, which, in the core's command queue, writes it to the documents collection in one bulkWrite (one
 * SQLite transaction) and applies it to local state; only then does the handler return the same documents and the
 * checkpoint to RxDB. RxDB's downstream finds every document already stored as it would write it (its conflict
 * handler's `isEqual`) and writes nothing but its checkpoint (a pull-only replication keeps no per-document meta; see
 * core/pulled-documents.ts, and pull-cycle.test.ts, which counts one write per document per pull). A crash between
 * the core's write and RxDB's checkpoint pulls the cycle again; the core finds it stored and writes nothing.
 * A server transaction's documents share one version and the pull never cuts inside a version, so progress and the
 * documents it accounts for arrive in one `applyPulled` call and are on disk together. The core advances `appliedSeq`
 * only from that pulled progress (never from a push answer), which is what keeps counts from doubling or vanishing.
 */
import { Subject, type Subscription } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { WithDeleted } from 'rxdb';
import type { SyncState, SyncStatus } from '../../shared/api';
import { PullResponse, STATION_PROGRESS_KIND, type Checkpoint, type PulledDocument } from '../../shared/sync';
import type { StationSyncPort } from '../core/ports';
import type { StoredDocument, StoredEvent } from '../store/station-db';
import { ensureEnrolled, EnrollmentError, retireToken } from './enroll';
import { EventPusher } from './event-pusher';
import { backoffDelay, errorMessage, joinUrl, requestJson, SyncHttpError, type Fetch } from './http';
import { startHeartbeat } from './heartbeat';
import { LiveStream } from './live-stream';

export interface SyncOptions {
  /** Defaults to the station config's `serverUrl`. */
  serverUrl?: string;
  /** Injected fetch (tests cut the network with it). */
  fetch?: Fetch;
  /** RxDB's wait before retrying a failed push or pull (ms). */
  retryTimeMs?: number;
  /** Live stream (and enrollment) reconnect backoff: initial and cap (ms). */
  reconnect?: { initialMs?: number; maxMs?: number };
  /** A live stream silent this long is dead (server heartbeat: 25 s). */
  streamIdleTimeoutMs?: number;
  requestTimeoutMs?: number;
  pullBatchSize?: number;
  pushBatchSize?: number;
  /** How often the station reports backlog, clock and device health (ms; default 15 s). */
  heartbeatMs?: number;
  /** Appended to the replication identifiers (a new one = RxDB starts from empty checkpoints). */
  replicationSuffix?: string;
  /**
   * A pull cycle (every batch from the checkpoint to the server's head) is gathered in memory and written in ONE
   * bulkWrite, so the disk never holds half a cycle; a cycle larger than this is written in parts of about this size
   * (the running core holds them back until the head, but a crash in between leaves a partial cycle on disk).
   */
  maxCycleDocuments?: number;
}

export interface SyncClient {
  /** Stops replication and the live stream; status becomes 'disabled'. */
  stop(): Promise<void>;
  /**
   * Resolves when every event recorded so far has been pushed AND the server's answer (its progress and documents)
   * has been pulled and applied: the backlog is 0. Rejects after `timeoutMs` (with the last error) or if sync stops.
   */
  awaitInSync(timeoutMs?: number): Promise<void>;
  status(): SyncStatus;
  /** Push counters (diagnostics). */
  readonly pushStats: Readonly<EventPusher['stats']> | null;
}

/** RxDB's checkpoint for the documents replication: the server's change number (shared/sync.ts' Checkpoint). */
export type PullCheckpoint = Checkpoint;

export function toStoredDocument(d: PulledDocument): WithDeleted<StoredDocument> {
  return { key: `${d.kind}:${d.id}`, kind: d.kind, id: d.id, body: d.body ?? {}, _deleted: d.deleted };
}

const DEFAULTS = {
  retryTimeMs: 5_000,
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  streamIdleTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  pullBatchSize: 1000,
  pushBatchSize: 500,
  heartbeatMs: 15_000,
  maxCycleDocuments: 50_000,
};

type Pulled = PulledDocument;

/** The core did not take a pulled cycle (closed, or its write failed): RxDB retries the pull from the same checkpoint. */
class PullApplyError extends Error {
  constructor(cause: unknown) {
    super(`applying pulled documents: ${errorMessage(cause)}`, { cause });
  }
}

/** A pull cycle being gathered: from RxDB's checkpoint `from`, fetched up to `at`, the latest version of each document. */
interface PullCycle {
  from: number | null;
  at: PullCheckpoint | undefined;
  docs: Map<string, Pulled>;
  /** The server's database went back: this cycle restarted from the beginning. */
  rewound?: boolean;
}

class Client implements SyncClient {
  private readonly fetchFn: Fetch;
  private readonly abort = new AbortController();
  private readonly subs: Subscription[] = [];
  private readonly unsubs: (() => void)[] = [];
  private readonly resync$ = new Subject<'RESYNC'>();
  private eventsRep: RxReplicationState<StoredEvent, unknown> | null = null;
  private documentsRep: RxReplicationState<StoredDocument, PullCheckpoint> | null = null;
  private pusher: EventPusher | null = null;
  private stream: LiveStream | null = null;
  private readonly started: Promise<void>;
  /** The pull handler in flight (its cycle is applied by the core before it returns). */
  private applying: Promise<void> = Promise.resolve();

  // status inputs
  private stopped = false;
  /** The last pull batch was full: more of the same pull cycle follows. */
  private pullMore = false;
  /** The pull cycle being gathered; kept across a failed request, so a retry from the same checkpoint resumes it. */
  private cycle: PullCycle | null = null;
  /** ensurePushed is running; `repush`: what it is asked to do next. */
  private repushing = false;
  private repush: { forgetServer: boolean } | null = null;
  /** No pull cycle applied yet in this session (the first one checks for events the server has not got). */
  private firstCycle = true;
  private fatalError: string | null = null;
  private streamUp = false;
  private everConnected = false;
  private pushActive = false;
  private pullActive = false;
  private pushError: { message: string; network: boolean } | null = null;
  private pullError: { message: string; network: boolean } | null = null;
  private streamError: string | null = null;
  private otherError: string | null = null;
  private lastPushAt: string | null = null;
  private lastPullAt: string | null = null;
  private lastEmitted = '';

  constructor(
    private readonly core: StationSyncPort,
    private readonly serverUrl: string,
    private readonly opts: SyncOptions,
  ) {
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.unsubs.push(this.core.onCommit(() => this.emitStatus()));
    this.emitStatus();
    this.started = this.start();
    // Failures are reported through the status; awaitInSync() rethrows them.
    this.started.catch(() => undefined);
  }

  get pushStats(): Readonly<EventPusher['stats']> | null {
    return this.pusher?.stats ?? null;
  }

  // ---- start-up ------------------------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const token = await this.enroll();
    if (this.stopped) return;
    const o = this.opts;
    const retryTime = o.retryTimeMs ?? DEFAULTS.retryTimeMs;
    const suffix = o.replicationSuffix ?? '';

    // What every request to the server needs.
    const server = {
      core: this.core,
      serverUrl: this.serverUrl,
      token,
      fetch: this.fetchFn,
      signal: this.abort.signal,
      requestTimeoutMs: o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    };
    this.pusher = new EventPusher({
      ...server,
      batchSize: o.pushBatchSize ?? DEFAULTS.pushBatchSize,
      onPushed: () => {
        this.lastPushAt = new Date().toISOString();
        this.pushError = null;
        // The server answered: if the live stream is waiting out a backoff, try it now.
        if (!this.streamUp) this.stream?.reconnectNow();
        this.emitStatus();
      },
    });
    const pusher = this.pusher;
    const stopHeartbeat = startHeartbeat({ ...server, intervalMs: o.heartbeatMs ?? DEFAULTS.heartbeatMs });
    this.unsubs.push(stopHeartbeat);
    const collections = this.core.replicationCollections();

    this.eventsRep = replicateRxCollection<StoredEvent, unknown>({
      replicationIdentifier: `qsf-events-push:${this.serverUrl}${suffix}`,
      collection: collections.events,
      live: true,
      retryTime,
      waitForLeadership: false,
      autoStart: true,
      push: {
        batchSize: o.pushBatchSize ?? DEFAULTS.pushBatchSize,
        handler: async (rows) => {
          try {
            return await pusher.handle(rows);
          } catch (err) {
            this.onRequestError('push', err);
            throw err;
          }
        },
      },
    });

    this.documentsRep = replicateRxCollection<StoredDocument, PullCheckpoint>({
      replicationIdentifier: `qsf-documents-pull:${this.serverUrl}${suffix}`,
      collection: collections.documents,
      live: true,
      retryTime,
      waitForLeadership: false,
      autoStart: true,
      pull: {
        batchSize: o.pullBatchSize ?? DEFAULTS.pullBatchSize,
        stream$: this.resync$.asObservable(),
        handler: (checkpoint, batchSize) => {
          const run = this.pull(token, checkpoint, batchSize).catch((err: unknown) => {
            // A failed apply is already in the status (otherError); a failed request is reported here.
            if (!(err instanceof PullApplyError)) this.onRequestError('pull', err);
            throw err;
          });
          // stop() waits for a pull in flight: its documents are applied by the core, or not at all.
          this.applying = run.then(
            () => undefined,
            () => undefined,
          );
          return run;
        },
      },
    });

    for (const [rep, which] of [
      [this.eventsRep, 'push'],
      [this.documentsRep, 'pull'],
    ] as const) {
      this.subs.push(
        rep.active$.subscribe((active) => {
          if (which === 'push') this.pushActive = active;
          else this.pullActive = active;
          this.emitStatus();
        }),
        rep.error$.subscribe((err) => {
          // Handler failures are already reported by onRequestError; these are RxDB's own (e.g. a local write failed).
          const handlerFailure = (err.code === 'RC_PUSH' || err.code === 'RC_PULL') && err.parameters.errors !== undefined;
          if (!handlerFailure) {
            this.otherError = `${which}: ${err.message}`;
            this.emitStatus();
          }
        }),
      );
    }

    this.stream = new LiveStream({
      url: joinUrl(this.serverUrl, '/api/stream'),
      token,
      fetch: this.fetchFn,
      initialBackoffMs: o.reconnect?.initialMs ?? DEFAULTS.reconnectInitialMs,
      maxBackoffMs: o.reconnect?.maxMs ?? DEFAULTS.reconnectMaxMs,
      idleTimeoutMs: o.streamIdleTimeoutMs ?? DEFAULTS.streamIdleTimeoutMs,
      onOpen: () => {
        this.streamUp = true;
        this.everConnected = true;
        this.streamError = null;
        this.emitStatus();
        // The server's first message is RESYNC anyway; pulling on every (re)connect does not depend on it.
        this.resync$.next('RESYNC');
      },
      // RESYNC (on every connect) and change both mean: pull from the checkpoint. Missed changes while the stream
      // was down are caught up by the RESYNC the server sends first after a reconnect.
      onMessage: () => this.resync$.next('RESYNC'),
      onDown: (err, retryInMs) => {
        this.streamUp = false;
        this.streamError = `${err.message}; reconnecting in ${Math.round(retryInMs / 100) / 10} s`;
        this.emitStatus();
      },
      onRevoked: (reason) => this.revoked(reason),
    });
    this.stream.start();
  }

  /** The token, enrolling first if needed; retries while the server is unreachable. */
  private async enroll(): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await ensureEnrolled(this.core, { serverUrl: this.serverUrl, fetch: this.fetchFn, signal: this.abort.signal });
      } catch (err) {
        if (this.stopped) throw err;
        if (err instanceof EnrollmentError && err.retryable) {
          this.otherError = err.message;
          this.pushError = { message: err.message, network: true };
          this.emitStatus();
          const o = this.opts;
          await this.sleep(backoffDelay(attempt, o.reconnect?.initialMs ?? DEFAULTS.reconnectInitialMs, o.reconnect?.maxMs ?? DEFAULTS.reconnectMaxMs));
          continue;
        }
        this.fatalError = errorMessage(err);
        await this.shutdown(true);
        throw err;
      } finally {
        this.otherError = null;
        this.pushError = null;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * RxDB's pull handler: the whole cycle from `checkpoint` to the server's head, fetched batch by batch, then written
   * and applied by the core at once (`applyPulled`: one SQLite transaction) and returned to RxDB, which then stores
   * only its checkpoint. A station stopped in the middle of a catch-up therefore reopens on its last complete cycle,
   * never on documents that moved past the `stationProgress` accounting for them (its pending events would count
   * twice). A failed request or apply throws (RxDB retries after `retryTimeMs`) and keeps what was gathered: the
   * retry, from the same checkpoint, resumes where it failed.
   */
  private async pull(token: string, checkpoint: PullCheckpoint | undefined, batchSize: number) {
    const from = checkpoint?.version ?? null;
    if (this.cycle?.from !== from) this.cycle = { from, at: checkpoint, docs: new Map() };
    const cycle = this.cycle;
    // At least one batch: a part smaller than a batch would make RxDB take it for the head.
    const maxDocs = Math.max(batchSize, this.opts.maxCycleDocuments ?? DEFAULTS.maxCycleDocuments);
    for (;;) {
      const res = await this.pullBatch(token, cycle.at, batchSize);
      if (cycle.at && res.head < cycle.at.version) {
        // Change numbers only grow: the server's database went back (restored from a backup, or failed over to a
        // replica that had not seen everything). What came after its restore point is gone there. Pull everything
        // again (this cycle, from the start). The re-pulled stationProgress is below the station's: the core takes
        // it back when it applies the cycle, and every own event after it is pushed again (cycleApplied).
        this.otherError = `the server's data went back from change ${cycle.at.version} to ${res.head} (restored?): pulling everything again, then re-sending what it lost`;
        this.emitStatus();
        cycle.at = undefined;
        cycle.docs.clear();
        cycle.rewound = true;
        continue;
      }
      for (const d of res.documents) {
        // The latest version of a document wins (batches come in version order); re-inserted to keep that order.
        const key = `${d.kind}:${d.id}`;
        cycle.docs.delete(key);
        cycle.docs.set(key, d);
      }
      cycle.at = res.checkpoint;
      const head = res.documents.length < batchSize;
      this.pullMore = !head;
      if (head || cycle.docs.size >= maxDocs) break;
      this.emitStatus();
    }
    this.cycle = null;
    if (cycle.rewound) {
      this.otherError = null;
      // A server restored from before this station's first push has no progress for it: say so (0), so the core
      // sees its progress go back and counts every own event as pending again.
      const own = `${STATION_PROGRESS_KIND}:${this.core.station.id}`;
      if (!cycle.docs.has(own) && cycle.at) {
        cycle.docs.set(own, {
          kind: STATION_PROGRESS_KIND,
          id: this.core.station.id,
          body: { stationId: this.core.station.id, lastAppliedSeq: 0 },
          deleted: false,
          version: cycle.at.version,
        });
      }
    }
    // The core writes the cycle (one transaction) and applies it; RxDB, handed the same documents, finds them stored
    // and writes only its checkpoint. A part that does not reach the head is held back by the core.
    if (this.stopped) throw new SyncHttpError(0, 'network', 'sync stopped');
    const documents = [...cycle.docs.values()].map(toStoredDocument);
    const hold = this.pullMore;
    let rewound: boolean;
    try {
      rewound = await this.core.applyPulled({ documents, hold });
    } catch (err) {
      // The core is closed (shutdown order) or its write failed: RxDB retries this pull from the same checkpoint.
      this.cycle = cycle;
      this.otherError = `applying pulled documents: ${errorMessage(err)}`;
      this.emitStatus();
      throw new PullApplyError(err);
    }
    if (!hold) this.cycleApplied(rewound);
    this.emitStatus();
    return { documents, checkpoint: cycle.at ?? { version: 0 } };
    return { documents: [...cycle.docs.values()].map(toStoredDocument), checkpoint: cycle.at ?? { version: 0 } };
  }

  /**
   * A pull cycle is in the core. Push again what the server does not have when RxDB's push replication would not:
   * after the core took the server's progress back (rewound), and once per session (a station stopped after a rewind
   * but before its re-push reopens with events RxDB already counts as pushed).
   */
  private cycleApplied(rewound: boolean): void {
    const first = this.firstCycle;
    this.firstCycle = false;
    if (rewound || (first && this.core.pendingCount > 0)) this.ensurePushed(rewound);
  }

  /** Every own event after the server's progress pushed, retried with backoff until done or stopped. */
  private ensurePushed(forgetServer: boolean): void {
    // While one runs, a request arriving (a rewind during the start-up re-push) runs once more after it.
    this.repush = { forgetServer: forgetServer || (this.repush?.forgetServer ?? false) };
    if (this.repushing || !this.pusher) return;
    const pusher = this.pusher;
    this.repushing = true;
    void (async () => {
      try {
        while (this.repush && !this.stopped) {
          const { forgetServer: forget } = this.repush;
          this.repush = null;
          for (let attempt = 0; !this.stopped; attempt++) {
            try {
              await pusher.pushAll({ forgetServer: forget });
              break;
            } catch (err) {
              this.onRequestError('push', err);
              const o = this.opts;
              await this.sleep(backoffDelay(attempt, o.reconnect?.initialMs ?? DEFAULTS.reconnectInitialMs, o.reconnect?.maxMs ?? DEFAULTS.reconnectMaxMs));
            }
          }
        }
      } finally {
        this.repushing = false;
      }
    })();
  }

  private async pullBatch(token: string, checkpoint: PullCheckpoint | undefined, batchSize: number) {
    const q = new URLSearchParams({ limit: String(batchSize) });
    if (checkpoint) q.set('checkpoint', String(checkpoint.version));
    const res = await requestJson(this.fetchFn, joinUrl(this.serverUrl, `/api/pull?${q.toString()}`), PullResponse, {
      token,
      signal: this.abort.signal,
      timeoutMs: this.opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    });
    this.lastPullAt = new Date().toISOString();
    this.pullError = null;
    return res;
  }

  private onRequestError(which: 'push' | 'pull', err: unknown): void {
    if (this.stopped) return;
    if (err instanceof SyncHttpError && err.isRevoked) {
      this.revoked(err.message);
      return;
    }
    const e = { message: `${which}: ${errorMessage(err)}`, network: err instanceof SyncHttpError && (err.isNetwork || err.status >= 500) };
    if (which === 'push') this.pushError = e;
    else this.pullError = e;
    this.emitStatus();
  }

  // ---- stopping ------------------------------------------------------------------------------------------------

  private revoked(reason: string): void {
    if (this.stopped) return;
    this.fatalError = `station ${this.core.station.id} is not authorised on the server (${reason}): sync stopped; enroll it again with a new code`;
    try {
      retireToken(this.core.config.dataDir);
    } catch {
      // keep going: stopping matters more than tidying the token file
    }
    // Not awaited: this may run inside an RxDB handler, which cancel() would wait for. The status keeps following
    // commits (the screen shows the growing backlog) until stop().
    void this.shutdown(true);
  }

  private async shutdown(keepStatusLive = false): Promise<void> {
    if (!keepStatusLive) for (const u of this.unsubs.splice(0)) u();
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    this.emitStatus();
    const stream = this.stream?.stop();
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.resync$.complete();
    await Promise.allSettled([stream, this.eventsRep?.cancel(), this.documentsRep?.cancel()]);
    await this.applying;
    this.lastEmitted = '';
    this.emitStatus();
  }

  async stop(): Promise<void> {
    await this.shutdown();
  }

  // ---- status --------------------------------------------------------------------------------------------------

  status(): SyncStatus {
    const backlog = this.core.pendingCount;
    const networkDown = (this.pushError?.network ?? false) || (this.pullError?.network ?? false);
    let state: SyncState;
    if (this.stopped) state = 'disabled';
    else if (networkDown || (!this.streamUp && this.everConnected)) state = 'offline';
    else if (!this.streamUp) state = this.streamError ? 'offline' : 'connecting';
    else if (this.pushActive || this.pullActive || backlog > 0) state = 'syncing';
    else state = 'online';
    const lastError = this.fatalError ?? this.pushError?.message ?? this.pullError?.message ?? this.otherError ?? this.streamError;
    return { state, backlog, lastPushAt: this.lastPushAt, lastPullAt: this.lastPullAt, lastError };
  }

  private emitStatus(): void {
    const s = this.status();
    const key = JSON.stringify(s);
    if (key === this.lastEmitted) return;
    this.lastEmitted = key;
    this.core.setSyncStatus(s);
  }

  // ---- waiting -------------------------------------------------------------------------------------------------

  async awaitInSync(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const within = <T>(p: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not in sync after ${timeoutMs} ms: backlog ${this.core.pendingCount}, ${this.status().lastError ?? 'no error'}`)),
          Math.max(0, deadline - Date.now()),
        );
      });
      return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
    };
    await within(this.started);
    for (;;) {
      if (this.stopped || !this.eventsRep || !this.documentsRep) throw new Error(`sync is stopped: ${this.status().lastError ?? 'stopped'}`);
      // Everything recorded so far is on the server …
      await within(this.eventsRep.awaitInSync());
      // … and a pull started after that has seen the server's answer.
      this.documentsRep.reSync();
      await within(this.documentsRep.awaitInSync());
      await within(this.applying);
      if (this.core.pendingCount === 0) {
        this.emitStatus();
        return;
      }
      await within(new Promise((r) => setTimeout(r, 25)));
    }
  }
}

/**
 * Starts syncing this station with the server: enrolls if needed (the token is kept in the data dir), then runs both
 * replications and the live stream until stop() (or until the server revokes the station). Never throws: problems
 * show in status() and the core's 'sync' topic.
 */
export function startSync(core: StationSyncPort, opts: SyncOptions = {}): SyncClient {
  const serverUrl = opts.serverUrl ?? core.config.serverUrl;
  if (!serverUrl) {
    const status: SyncStatus = { state: 'disabled', backlog: core.pendingCount, lastPushAt: null, lastPullAt: null, lastError: 'no sync server configured' };
    core.setSyncStatus(status);
    return {
      stop: async () => undefined,
      awaitInSync: () => Promise.reject(new Error('sync is disabled: no server configured')),
      status: () => ({ ...status, backlog: core.pendingCount }),
      pushStats: null,
    };
  }
  return new Client(core, serverUrl, opts);
}
