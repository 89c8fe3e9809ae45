/**
 * Pull cycles: what RxDB's pull handler does. A cycle is every batch from RxDB's checkpoint to the server's head
 * (GET /api/pull?checkpoint={version}&limit=), gathered in memory (the latest version of each document), then written
 * and applied by the core at once (`core.applyPulled`: one SQLite transaction, in the core's queue); RxDB then stores
 * only its checkpoint, and is handed only what that needs (`forRxdb`; see sync-client.ts).
 *
 * A station stopped in the middle of a catch-up therefore reopens on its last complete cycle, never on documents that
 * moved past the `stationProgress` accounting for them (its pending events would count twice). A cycle larger than
 * `maxCycleDocuments` is handed over in parts: every part but the last is held back by the running core until the
 * part that reaches the head (a crash in between leaves a partial cycle on disk).
 *
 * A failed request or apply throws (RxDB retries after `retryTimeMs`) and keeps what was gathered: the retry, from the
 * same checkpoint, resumes where it failed. Change numbers only grow: a server head below the checkpoint means the
 * server's database went back (restored from a backup, failed over), and the cycle starts again from nothing.
 */
import type { WithDeleted } from 'rxdb';
import { z } from 'zod';
import { PulledDocument, PullResponse, STATION_PROGRESS_KIND, type Checkpoint } from '../../shared/sync';
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

const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A pull answer as the station reads it: shared/sync.ts' PullResponse, but with each body checked to be an object
 * without being copied key by key (its `z.record` copies every body of every batch, and checks only that the keys are
 * strings, which JSON's always are). What a body holds is judged by its kind's schema when the core applies it
 * (LocalState.parseBody: a body that does not parse is reported, counted in the sync status and never applied).
 */
export const PullAnswer = PullResponse.extend({
  documents: z.array(PulledDocument.extend({ body: z.custom<Record<string, unknown>>(isJsonObject, 'expected an object').nullable() })),
});

export function toStoredDocument(d: PulledDocument): WithDeleted<StoredDocument> {
  return { key: `${d.kind}:${d.id}`, kind: d.kind, id: d.id, body: d.body ?? {}, _deleted: d.deleted };
}

/**
 * What of an applied cycle (or part) goes back to RxDB. The core has written every document already; RxDB's pull
 * replication is there for its checkpoint: its downstream stores the returned checkpoint when the answer holds at
 * least one document, reads the next batch when it holds a full batch, and compares every document it is handed with
 * the stored one (a read of the document and a deep compare each, finding it equal: pulled-documents.ts), so it is
 * handed only what its checkpoint needs: a full batch for a part that does not reach the head (more follows, so it
 * asks again), one document for the head (it stops, as the cycle did), nothing for an empty cycle (nothing moved).
 */
export function forRxdb<T>(documents: readonly T[], hold: boolean, batchSize: number): T[] {
  return documents.slice(0, hold ? Math.max(1, batchSize) : 1);
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
  /** Documents gathered in memory before a part is handed to the core (at least one batch). */
  maxCycleDocuments: number;
  stopped(): boolean;
  /** The server answered a pull request. */
  answered(): void;
  /** A problem for the status (the server's data went back; the core did not take a cycle), or null: it is over. */
  problem(message: string | null): void;
  /** Worth a status update (a batch arrived, a cycle was applied). */
  changed(): void;
  /** A whole cycle (not a held part) is in the core; `rewound`: it took this station's progress back. */
  cycleApplied(rewound: boolean): void;
}

/** A pull cycle being gathered: from RxDB's checkpoint `from`, fetched up to `at`, the latest version of each document. */
interface Cycle {
  from: number | null;
  at: PullCheckpoint | undefined;
  docs: Map<string, PulledDocument>;
  /** The server's database went back: this cycle restarted from the beginning. */
  rewound?: boolean;
  /** The last batch was full: more of this cycle follows on the server. */
  more: boolean;
}

export class PullCycles {
  /** The cycle being gathered; kept across a failed request or apply, so a retry from the same checkpoint resumes it. */
  private cycle: Cycle | null = null;
  private applyFailed = false;
  /** A cycle restarted from nothing (the server went back) is being applied, part by part until the head. */
  private fullResync = false;

  constructor(private readonly o: PullCycleOptions) {}

  /** RxDB's pull handler: gathers the cycle from `checkpoint`, has the core write and apply it, returns it to RxDB. */
  async pull(checkpoint: PullCheckpoint | undefined, batchSize: number): Promise<{ documents: WithDeleted<StoredDocument>[]; checkpoint: PullCheckpoint }> {
    const cycle = await this.gather(checkpoint, batchSize);
    if (cycle.rewound) {
      this.fullResync = true;
      this.o.problem(null);
      this.reportMissingProgress(cycle);
    }
    if (this.o.stopped()) throw new SyncHttpError(0, 'network', 'sync stopped');
    const documents = [...cycle.docs.values()].map(toStoredDocument);
    // A part that does not reach the head is held back by the core until the part that does.
    const hold = cycle.more;
    let rewound: boolean;
    try {
      rewound = await this.o.core.applyPulled({ documents, hold, checkpoint: cycle.at?.version ?? 0, ...(this.fullResync ? { complete: true } : {}) });
    } catch (err) {
      this.cycle = cycle;
      this.applyFailed = true;
      this.o.problem(`applying pulled documents: ${errorMessage(err)}`);
      this.o.changed();
      throw new PullApplyError(err);
    }
    if (this.applyFailed) {
      this.applyFailed = false;
      this.o.problem(null);
    }
    if (!hold) {
      this.fullResync = false;
      this.o.cycleApplied(rewound);
    }
    this.o.changed();
    return { documents: forRxdb(documents, hold, batchSize), checkpoint: cycle.at ?? { version: 0 } };
  }

  /** Batches from `checkpoint` until the head, or until `maxCycleDocuments` are gathered. */
  private async gather(checkpoint: PullCheckpoint | undefined, batchSize: number): Promise<Cycle> {
    const from = checkpoint?.version ?? null;
    if (this.cycle?.from !== from) this.cycle = { from, at: checkpoint, docs: new Map(), more: false };
    const cycle = this.cycle;
    // At least one batch: a part smaller than a batch would make RxDB take it for the head.
    const maxDocs = Math.max(batchSize, this.o.maxCycleDocuments);
    for (;;) {
      const res = await this.fetchBatch(cycle.at, batchSize);
      const wentBack = cycle.at ? wentBackFrom(cycle.at, res) : null;
      if (cycle.at && wentBack) {
        // What came after the server's restore point is gone there. Pull everything again (this cycle, from the
        // start). The re-pulled stationProgress is below the station's: the core takes it back when it applies the
        // cycle, and every own event after it is pushed again (cycleApplied).
        this.o.problem(`${wentBack}: pulling everything again, then re-sending what it lost`);
        this.o.changed();
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
      cycle.more = res.documents.length >= batchSize;
      if (!cycle.more || cycle.docs.size >= maxDocs) break;
      this.o.changed();
    }
    this.cycle = null;
    return cycle;
  }

  /**
   * A server restored from before this station's first push has no progress for it: say so (0), so the core sees its
   * progress go back and counts every own event as pending again.
   */
  private reportMissingProgress(cycle: Cycle): void {
    const stationId = this.o.core.station.id;
    const own = `${STATION_PROGRESS_KIND}:${stationId}`;
    if (cycle.docs.has(own) || !cycle.at) return;
    cycle.docs.set(own, { kind: STATION_PROGRESS_KIND, id: stationId, body: { stationId, lastAppliedSeq: 0 }, deleted: false, version: cycle.at.version });
  }

  private async fetchBatch(checkpoint: PullCheckpoint | undefined, batchSize: number): Promise<PullResponse> {
    const q = new URLSearchParams({ limit: String(batchSize) });
    if (checkpoint) q.set('checkpoint', String(checkpoint.version));
    const res = await requestJson(this.o.fetch, joinUrl(this.o.serverUrl, `/api/pull?${q.toString()}`), PullAnswer, {
      token: this.o.token,
      signal: this.o.signal,
      timeoutMs: this.o.requestTimeoutMs,
    });
    this.o.answered();
    return res;
  }
}
