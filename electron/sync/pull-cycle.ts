/**
 * Pull cycles: what RxDB's pull handler does. A cycle is every batch from RxDB's checkpoint to the server's head
 * (GET /api/pull?checkpoint={version}&limit=), the latest version of each document, written and applied by the core at
 * once (`core.applyPulled`: one SQLite transaction, in the core's queue); RxDB then stores only its checkpoint, and is
 * handed only what that needs (one document the core stored, or none; see sync-client.ts).
 *
 * A station stopped in the middle of a catch-up therefore reopens on its last complete cycle, never on documents that
 * moved past the `stationProgress` accounting for them (its pending events would count twice). A cycle larger than
 * `maxCycleDocuments` is fetched in parts, all within ONE call of the handler: each part that does not reach the head
 * is handed to the core, which keeps it aside in memory (it writes nothing and applies nothing), and the part that
 * reaches the head makes the core write the whole cycle in one transaction. So the disk never holds part of a cycle
 * (a crash between parts reopens on the last complete cycle: the kept parts were only in memory), and RxDB never sees
 * a part: it is not handed documents the core has not stored yet (it would write them itself), and it gets no full
 * batch that would make it ask for more before its write of the last answer has landed.
 *
 * A failed request or apply throws (RxDB retries after `retryTimeMs`) and keeps what was gathered, and the core what it
 * was handed: the retry, from the same checkpoint, resumes where it failed. A new cycle tells the core it starts
 * (`cycleStart`), so parts of a cycle that was never finished (a sync stopped and started again) are dropped. Change
 * numbers only grow: a server head below the checkpoint means the server's database went back (restored from a
 * backup, failed over), and the cycle starts again from nothing.
 */
import type { WithDeleted } from 'rxdb';
import { PullResponse, STATION_PROGRESS_KIND, type Checkpoint, type PulledDocument } from '../../shared/sync';
import type { StationSyncPort } from '../core/ports';
import type { StoredDocument } from '../store/station-db';
import { errorMessage, joinUrl, requestJson, SyncHttpError, type Fetch } from './http';

/** RxDB's checkpoint for the documents replication: the server's change number (shared/sync.ts' Checkpoint). */
export type PullCheckpoint = Checkpoint;

/**
 * Why a pull answer shows the server's database is not the one `at` was pulled from, or null: its head is below the
 * checkpoint (change numbers only grow), or it names another epoch (a restored or failed-over database, whatever
 * numbers it has handed out since). A checkpoint without an epoch (stored by an older version) is judged by the head.
 */
export function wentBackFrom(at: PullCheckpoint, res: PullResponse): string | null {
  if (res.head < at.version) return `the server's data went back from change ${at.version} to ${res.head} (restored?)`;
  const epoch = res.checkpoint.epoch;
  if (at.epoch !== undefined && epoch !== undefined && epoch !== at.epoch) return `the server's database is another one than at change ${at.version} (restored or failed over)`;
  return null;
}

export function toStoredDocument(d: PulledDocument): WithDeleted<StoredDocument> {
  return { key: `${d.kind}:${d.id}`, kind: d.kind, id: d.id, body: d.body ?? {}, _deleted: d.deleted };
}

/**
 * What of an applied cycle goes back to RxDB. The core has written every document already; RxDB's pull replication
 * is there for its checkpoint: its downstream stores the returned checkpoint when the answer holds at least one
 * document, and compares every document it is handed with the stored one (finding it equal, it writes nothing:
 * pulled-documents.ts). So it is handed one document of the cycle, the last one gathered (the latest version of its
 * key in the cycle, so what the core stored), or none for an empty cycle (nothing moved). One is fewer than RxDB's
 * batch size (sync-client.ts keeps that at two or more), so RxDB takes the answer for the head: it stops and awaits
 * its compare (and checkpoint write) before it asks again.
 */
export function forRxdb<T>(last: T | undefined): T[] {
  return last === undefined ? [] : [last];
}

/** The core did not take a pulled cycle (closed, or its write failed): RxDB retries the pull from the same checkpoint. */
export class PullApplyError extends Error {
  constructor(cause: unknown) {
    super(`applying pulled documents: ${errorMessage(cause)}`, { cause });
  }
}

export interface PullCycleOptions {
  core: Pick<StationSyncPort, 'station' | 'applyPulled'>;
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  requestTimeoutMs: number;
  /** Documents gathered before a part is handed to the core to keep aside until the head (at least one batch). */
  maxCycleDocuments: number;
  stopped(): boolean;
  /** The server answered a pull request. */
  answered(): void;
  /** A problem for the status (the server's data went back; the core did not take a cycle), or null: it is over. */
  problem(message: string | null): void;
  /** Worth a status update (a batch arrived, a cycle was applied). */
  changed(): void;
  /** A whole cycle is in the core; `rewound`: it took this station's progress back. */
  cycleApplied(rewound: boolean): void;
}

/** A pull cycle being gathered: from RxDB's checkpoint `from`, fetched up to `at`. */
interface Cycle {
  from: number | null;
  at: PullCheckpoint | undefined;
  /** The part being gathered: the latest version of each of its documents. */
  docs: Map<string, PulledDocument>;
  /** Parts of this cycle the core keeps aside (handed with `hold`), waiting for the part that reaches the head. */
  handed: number;
  /** The document gathered last (in this part or a handed one): what RxDB is handed (`forRxdb`). */
  last: PulledDocument | undefined;
  /** This station's own `stationProgress` came with the cycle (in this part or a handed one). */
  ownProgress: boolean;
  /** The server's database went back: this cycle restarted from the beginning. */
  rewound?: boolean;
  /** The last batch was full: more of this cycle follows on the server. */
  more: boolean;
}

export class PullCycles {
  /** The cycle being pulled; kept across a failed request or apply, so a retry from the same checkpoint resumes it. */
  private cycle: Cycle | null = null;
  private applyFailed = false;

  constructor(private readonly o: PullCycleOptions) {}

  /**
   * RxDB's pull handler: gathers the cycle from `checkpoint` (`batchSize` documents per request), handing the core
   * each part that does not reach the head to keep aside; with the last part the core writes and applies the whole
   * cycle. Returns RxDB its checkpoint and at most one document (`forRxdb`).
   */
  async pull(checkpoint: PullCheckpoint | undefined, batchSize: number): Promise<{ documents: WithDeleted<StoredDocument>[]; checkpoint: PullCheckpoint }> {
    const from = checkpoint?.version ?? null;
    if (this.cycle?.from !== from) this.cycle = { from, at: checkpoint, docs: new Map(), handed: 0, last: undefined, ownProgress: false, more: false };
    const cycle = this.cycle;
    // At least one batch per part.
    const maxDocs = Math.max(batchSize, this.o.maxCycleDocuments);
    for (;;) {
      // (A part whose handing-over failed is handed again as it is.)
      if (!(cycle.more && cycle.docs.size >= maxDocs)) await this.gather(cycle, batchSize, maxDocs);
      if (this.o.stopped()) throw new SyncHttpError(0, 'network', 'sync stopped');
      if (!cycle.more) break;
      // A part that does not reach the head: the core keeps it aside (nothing written, nothing applied).
      await this.apply(cycle, true);
      cycle.handed++;
      cycle.docs = new Map();
    }
    if (cycle.rewound) {
      this.o.problem(null);
      this.reportMissingProgress(cycle);
    }
    const rewound = await this.apply(cycle, false);
    this.cycle = null;
    this.o.cycleApplied(rewound);
    this.o.changed();
    return { documents: forRxdb(cycle.last && toStoredDocument(cycle.last)), checkpoint: cycle.at ?? { version: 0 } };
  }

  /** Hands the part gathered to the core: kept aside (`hold`), or, with the parts kept before it, the whole cycle. */
  private async apply(cycle: Cycle, hold: boolean): Promise<boolean> {
    let rewound: boolean;
    try {
      rewound = await this.o.core.applyPulled({
        documents: [...cycle.docs.values()].map(toStoredDocument),
        hold,
        cycleStart: cycle.handed === 0,
        checkpoint: cycle.at?.version ?? 0,
        ...(cycle.rewound ? { complete: true } : {}),
      });
    } catch (err) {
      this.applyFailed = true;
      this.o.problem(`applying pulled documents: ${errorMessage(err)}`);
      this.o.changed();
      throw new PullApplyError(err);
    }
    if (this.applyFailed) {
      this.applyFailed = false;
      this.o.problem(null);
    }
    return rewound;
  }

  /** Batches into the cycle's current part, until the head or until the part holds `maxDocs` documents. */
  private async gather(cycle: Cycle, batchSize: number, maxDocs: number): Promise<void> {
    const own = `${STATION_PROGRESS_KIND}:${this.o.core.station.id}`;
    for (;;) {
      const res = await this.fetchBatch(cycle.at, batchSize);
      const wentBack = cycle.at ? wentBackFrom(cycle.at, res) : null;
      if (cycle.at && wentBack) {
        // What came after the server's restore point is gone there. Pull everything again (this cycle, from the
        // start; the parts the core keeps are dropped with the first part of the restart). The re-pulled
        // stationProgress is below the station's: the core takes it back when it applies the cycle, and every own
        // event after it is pushed again (cycleApplied).
        this.o.problem(`${wentBack}: pulling everything again, then re-sending what it lost`);
        this.o.changed();
        cycle.at = undefined;
        cycle.docs.clear();
        cycle.handed = 0;
        cycle.last = undefined;
        cycle.ownProgress = false;
        cycle.rewound = true;
        continue;
      }
      for (const d of res.documents) {
        // The latest version of a document wins (batches come in version order); re-inserted to keep that order.
        const key = `${d.kind}:${d.id}`;
        cycle.docs.delete(key);
        cycle.docs.set(key, d);
        cycle.last = d;
        if (key === own) cycle.ownProgress = true;
      }
      cycle.at = res.checkpoint;
      cycle.more = res.documents.length >= batchSize;
      this.o.changed();
      if (!cycle.more || cycle.docs.size >= maxDocs) return;
    }
  }

  /**
   * A server restored from before this station's first push has no progress for it: say so (0), so the core sees its
   * progress go back and counts every own event as pending again.
   */
  private reportMissingProgress(cycle: Cycle): void {
    const stationId = this.o.core.station.id;
    if (cycle.ownProgress || !cycle.at) return;
    cycle.docs.set(`${STATION_PROGRESS_KIND}:${stationId}`, { kind: STATION_PROGRESS_KIND, id: stationId, body: { stationId, lastAppliedSeq: 0 }, deleted: false, version: cycle.at.version });
  }

  private async fetchBatch(checkpoint: PullCheckpoint | undefined, batchSize: number): Promise<PullResponse> {
    const q = new URLSearchParams({ limit: String(batchSize) });
    if (checkpoint) q.set('checkpoint', String(checkpoint.version));
    const res = await requestJson(this.o.fetch, joinUrl(this.o.serverUrl, `/api/pull?${q.toString()}`), PullResponse, {
      token: this.o.token,
      signal: this.o.signal,
      timeoutMs: this.o.requestTimeoutMs,
    });
    this.o.answered();
    return res;
  }
}
