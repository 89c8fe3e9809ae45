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
 * whole pull cycle (every batch from RxDB's checkpoint to the server's head, see pull-cycle.ts) and hands it to
 * `core.applyPulled`, which, in the core's command queue, writes it to the documents collection in one bulkWrite (one
 * SQLite transaction) and applies it to local state (a cycle larger than `maxCycleDocuments` is handed over in parts
 * within the same handler call; the core keeps them aside in memory, unwritten, until the part that reaches the
 * head); only then does the handler return the checkpoint to RxDB, with one document of the cycle (none for an empty
 * cycle): what RxDB's downstream needs to store its checkpoint (pull-cycle.ts `forRxdb`). RxDB finds it already
 * stored as it would write it (its conflict handler's `isEqual`) and writes nothing but its checkpoint (a pull-only
 * replication keeps no per-document meta; see core/pulled-documents.ts, and pull-cycle.test.ts, which counts one
 * write per document per pull). RxDB's own pull batch size is kept at two or more (the handler asks the server
 * `pullBatchSize` at a time whatever RxDB says), so an answer of one document is always, to RxDB, the head: it stops
 * and awaits its compare before it asks again, and a later cycle's write never races RxDB's write of an older answer.
 * A crash between the core's write and RxDB's checkpoint pulls the cycle again; the core finds it stored and writes
 * nothing.
 * A server transaction's documents share one version and the pull never cuts inside a version, so progress and the
 * documents it accounts for arrive in one `applyPulled` call and are on disk together. The core advances `appliedSeq`
 * only from that pulled progress (never from a push answer), which is what keeps counts from doubling or vanishing.
 *
 * The client only uses the core's `StationSyncPort` (core/ports.ts). By idea:
 *   sync-client.ts   this orchestrator: enrollment, the two replications, the live stream, stop, awaitInSync
 *   pull-cycle.ts    gathering a pull cycle and having the core write and apply it (RxDB's pull handler)
 *   event-pusher.ts  what RxDB's push handler sends (seq order, seq_gap recovery)
 *   repush.ts        pushing again what RxDB counts as sent (after the server's data went back; once per session)
 *   sync-status.ts   the status model (`status()`, published to the core's 'sync' topic on every change)
 */
import { Subject, type Subscription } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { SyncStatus } from '../../shared/api';
import type { StationSyncPort } from '../core/ports';
import type { StoredDocument, StoredEvent } from '../store/station-db';
import { ensureEnrolled, EnrollmentError, retireToken } from './enroll';
import { EventPusher } from './event-pusher';
import { backoffDelay, errorMessage, joinUrl, SyncHttpError, type Fetch } from './http';
import { startHeartbeat } from './heartbeat';
import { appVersion } from '../core/app-version';
import { LiveStream } from './live-stream';
import { PullApplyError, PullCycles, type PullCheckpoint } from './pull-cycle';
import { Repush } from './repush';
import { startSsccLeaseRefill } from './sscc-lease-refill';
import { SyncStatusModel, type SyncDirection } from './sync-status';

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
  /** The app version the heartbeat reports (default: electron/core/app-version.ts; null: none). */
  appVersion?: string | null;
  /** Appended to the replication identifiers (a new one = RxDB starts from empty checkpoints). */
  replicationSuffix?: string;
  /**
   * A pull cycle (every batch from the checkpoint to the server's head) is written by the core in ONE bulkWrite, so the
   * disk never holds part of a cycle; the pull handler hands a cycle larger than this to the core in parts of about
   * this size, which the core keeps aside in memory, unwritten, until the part that reaches the head (a crash in
   * between reopens on the last complete cycle).
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

/** What every request to the server needs. */
interface ServerSession {
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  requestTimeoutMs: number;
}

class Client implements SyncClient {
  private readonly fetchFn: Fetch;
  private readonly abort = new AbortController();
  private readonly subs: Subscription[] = [];
  private readonly unsubs: (() => void)[] = [];
  private readonly resync$ = new Subject<'RESYNC'>();
  private readonly model: SyncStatusModel;
  private readonly backoff: { initialMs: number; maxMs: number };
  private eventsRep: RxReplicationState<StoredEvent, unknown> | null = null;
  private documentsRep: RxReplicationState<StoredDocument, PullCheckpoint> | null = null;
  private pusher: EventPusher | null = null;
  private stream: LiveStream | null = null;
  private readonly started: Promise<void>;
  /** The pull handler in flight (its cycle is applied by the core before it returns, or not at all). */
  private pulling: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: StationSyncPort,
    private readonly serverUrl: string,
    private readonly opts: SyncOptions,
  ) {
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.backoff = { initialMs: opts.reconnect?.initialMs ?? DEFAULTS.reconnectInitialMs, maxMs: opts.reconnect?.maxMs ?? DEFAULTS.reconnectMaxMs };
    this.model = new SyncStatusModel(() => this.core.pendingCount);
    this.unsubs.push(this.core.onCommit(() => this.emitStatus()));
    this.emitStatus();
    this.started = this.start();
    // Failures are reported through the status; awaitInSync() rethrows them.
    this.started.catch(() => undefined);
  }

  get pushStats(): Readonly<EventPusher['stats']> | null {
    return this.pusher?.stats ?? null;
  }

  private get stopped(): boolean {
    return this.model.isStopped;
  }

  // ---- start-up ------------------------------------------------------------------------------------------------

  private async start(): Promise<void> {
    const token = await this.enroll();
    if (this.stopped) return;
    const o = this.opts;
    const server: ServerSession = {
      serverUrl: this.serverUrl,
      token,
      fetch: this.fetchFn,
      signal: this.abort.signal,
      requestTimeoutMs: o.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
    };
    this.unsubs.push(startHeartbeat({ ...server, core: this.core, intervalMs: o.heartbeatMs ?? DEFAULTS.heartbeatMs, appVersion: o.appVersion === undefined ? appVersion() : o.appVersion }));
    // A packing station's carton numbers: a new SSCC block whenever it runs low and the server answers.
    const book = this.core.ssccLeases;
    if (book) this.unsubs.push(startSsccLeaseRefill({ ...server, book, retry: this.backoff }));
    const pusher = this.startPush(server);
    const repush = new Repush({
      pushAll: (opts) => pusher.pushAll(opts),
      pendingCount: () => this.core.pendingCount,
      failed: (err) => this.onRequestError('push', err),
      sleep: (ms) => this.sleep(ms),
      stopped: () => this.stopped,
      backoff: this.backoff,
    });
    this.startPull(server, repush);
    this.watchReplications();
    this.startStream(token);
  }

  /** Events up: RxDB's push replication on the events collection decides when, the EventPusher what. */
  private startPush(server: ServerSession): EventPusher {
    const o = this.opts;
    const pusher = new EventPusher({
      ...server,
      core: this.core,
      batchSize: o.pushBatchSize ?? DEFAULTS.pushBatchSize,
      onPushed: () => {
        this.model.answered('push');
        // The server answered: if the live stream is waiting out a backoff, try it now.
        if (!this.model.isStreamUp) this.stream?.reconnectNow();
        this.emitStatus();
      },
    });
    this.pusher = pusher;
    this.eventsRep = replicateRxCollection<StoredEvent, unknown>({
      replicationIdentifier: `qsf-events-push:${this.serverUrl}${o.replicationSuffix ?? ''}`,
      collection: this.core.replicationCollections().events,
      live: true,
      retryTime: o.retryTimeMs ?? DEFAULTS.retryTimeMs,
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
    return pusher;
  }

  /** Documents down: RxDB's pull replication on the documents collection, its handler a pull cycle (pull-cycle.ts). */
  private startPull(server: ServerSession, repush: Repush): void {
    const o = this.opts;
    const serverBatch = o.pullBatchSize ?? DEFAULTS.pullBatchSize;
    const cycles = new PullCycles({
      ...server,
      core: this.core,
      maxCycleDocuments: o.maxCycleDocuments ?? DEFAULTS.maxCycleDocuments,
      stopped: () => this.stopped,
      answered: () => this.model.answered('pull'),
      problem: (message) => this.model.setProblem(message),
      changed: () => this.emitStatus(),
      cycleApplied: (rewound) => repush.cycleApplied(rewound),
    });
    this.documentsRep = replicateRxCollection<StoredDocument, PullCheckpoint>({
      replicationIdentifier: `qsf-documents-pull:${this.serverUrl}${o.replicationSuffix ?? ''}`,
      collection: this.core.replicationCollections().documents,
      live: true,
      retryTime: o.retryTimeMs ?? DEFAULTS.retryTimeMs,
      waitForLeadership: false,
      autoStart: true,
      pull: {
        // At least 2: the handler answers RxDB one document or none, which RxDB must always take for the head (see
        // the top of this file). The server is asked `serverBatch` documents at a time.
        batchSize: Math.max(2, serverBatch),
        stream$: this.resync$.asObservable(),
        handler: (checkpoint) => {
          const run = cycles.pull(checkpoint, serverBatch).catch((err: unknown) => {
            // A failed apply is already in the status; a failed request is reported here.
            if (!(err instanceof PullApplyError)) this.onRequestError('pull', err);
            throw err;
          });
          this.pulling = run.then(
            () => undefined,
            () => undefined,
          );
          return run;
        },
      },
    });
  }

  /** Both replications' activity and RxDB's own errors, into the status. */
  private watchReplications(): void {
    for (const [rep, which] of [
      [this.eventsRep, 'push'],
      [this.documentsRep, 'pull'],
    ] as const) {
      if (!rep) continue;
      this.subs.push(
        rep.active$.subscribe((active) => {
          this.model.setActive(which, active);
          this.emitStatus();
        }),
        rep.error$.subscribe((err) => {
          // Handler failures are already reported by onRequestError; these are RxDB's own (e.g. a local write failed).
          const handlerFailure = (err.code === 'RC_PUSH' || err.code === 'RC_PULL') && err.parameters.errors !== undefined;
          if (!handlerFailure) {
            this.model.setProblem(`${which}: ${err.message}`);
            this.emitStatus();
          }
        }),
      );
    }
  }

  /** The live stream: every (re)connect and every message start a pull from the checkpoint. */
  private startStream(token: string): void {
    const o = this.opts;
    this.stream = new LiveStream({
      url: joinUrl(this.serverUrl, '/api/stream'),
      token,
      fetch: this.fetchFn,
      initialBackoffMs: this.backoff.initialMs,
      maxBackoffMs: this.backoff.maxMs,
      idleTimeoutMs: o.streamIdleTimeoutMs ?? DEFAULTS.streamIdleTimeoutMs,
      onOpen: () => {
        this.model.streamOpened();
        this.emitStatus();
        // The server's first message is RESYNC anyway; pulling on every (re)connect does not depend on it.
        this.resync$.next('RESYNC');
      },
      // RESYNC (on every connect) and change both mean: pull from the checkpoint. Missed changes while the stream
      // was down are caught up by the RESYNC the server sends first after a reconnect.
      onMessage: () => this.resync$.next('RESYNC'),
      onDown: (err, retryInMs) => {
        this.model.streamDown(`${err.message}; reconnecting in ${Math.round(retryInMs / 100) / 10} s`);
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
          this.model.setProblem(err.message);
          this.model.requestFailed('push', err.message, true);
          this.emitStatus();
          await this.sleep(backoffDelay(attempt, this.backoff.initialMs, this.backoff.maxMs));
          continue;
        }
        this.model.failFatally(errorMessage(err));
        await this.shutdown(true);
        throw err;
      } finally {
        this.model.setProblem(null);
        this.model.clearRequestError('push');
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

  private onRequestError(which: SyncDirection, err: unknown): void {
    if (this.stopped) return;
    if (err instanceof SyncHttpError && err.isRevoked) {
      this.revoked(err.message);
      return;
    }
    this.model.requestFailed(which, `${which}: ${errorMessage(err)}`, err instanceof SyncHttpError && (err.isNetwork || err.status >= 500));
    this.emitStatus();
  }

  // ---- stopping ------------------------------------------------------------------------------------------------

  private revoked(reason: string): void {
    if (this.stopped) return;
    this.model.failFatally(`station ${this.core.station.id} is not authorised on the server (${reason}): sync stopped; enroll it again with a new code`);
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
    this.model.stop();
    this.abort.abort();
    this.emitStatus();
    const stream = this.stream?.stop();
    for (const s of this.subs.splice(0)) s.unsubscribe();
    this.resync$.complete();
    await Promise.allSettled([stream, this.eventsRep?.cancel(), this.documentsRep?.cancel()]);
    // A pull in flight has its cycle applied by the core, or not at all, before stop() resolves.
    await this.pulling;
    this.model.republish();
    this.emitStatus();
  }

  async stop(): Promise<void> {
    await this.shutdown();
  }

  // ---- status --------------------------------------------------------------------------------------------------

  status(): SyncStatus {
    return this.model.status();
  }

  private emitStatus(): void {
    const s = this.model.changed();
    if (s) this.core.setSyncStatus(s);
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
      // … and a pull started after that has seen the server's answer, and the core has applied it.
      this.documentsRep.reSync();
      await within(this.documentsRep.awaitInSync());
      await within(this.pulling);
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
