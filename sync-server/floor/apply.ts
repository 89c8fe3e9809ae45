/**
 * Applying stations' pushed events to the authoritative documents, with the same shared rules the stations ran: the
 * orchestrator of the push path. Per station, events apply strictly in seq order (seq-order.ts); an id seen before is a
 * duplicate and gets the same answer as the first time. A refused event is stored with its reason (never dropped) and
 * a 'refusal' document (shared/refusal.ts) goes back to its station.
 *
 * GROUP COMMIT: the unit of work is a group of push requests (see ingest-queue.ts: every request waiting while the
 * previous group was being prepared), applied in ONE transaction, in arrival order, in two round trips
 * (push-repository.ts says which statements go together and why):
 *   1 + 2. lock the stations and the documents the events will probably touch (likely-keys.ts), read progress, stored
 *      events, master version and documents;
 *   3. per request, in JS: gaps and seq conflicts are decided from seqs alone BEFORE any rule runs, so a refused
 *      request (409) changes nothing and does not disturb the others; then `decide` per event over an in-memory
 *      overlay (doc-overlay.ts) that holds every change made so far in the group (later requests see earlier ones,
 *      exactly as if the requests had committed one after the other); a rule asking for a document not loaded yet
 *      (NeedDocs) costs a lock + read, only then;
 *   4 + 5. write documents, progress and stations, insert the events with their server_seq, COMMIT.
 * A failed group is retried or applied one request at a time (group-retry.ts), so only a faulty request fails.
 */
import { floorDocScope, REFUSAL_KIND, scopeToken, STATION_PROGRESS_KIND, STATION_TOKEN_REJECTED, type PushOutcome } from '../../shared/sync';
import { decide as sharedDecide, type Decision } from '../../shared/reducer';
import { refusal as makeRefusal, type Refusal, type RefusalDocument } from '../../shared/refusal';
import type { StationProgressDoc } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import type { MasterData } from '../../shared/master';
import { EventConflict, type DocumentWrite, type EventInsert } from '../changes';
import type { Db, Queryable } from '../db/types';
import { DocOverlay } from './doc-overlay';
import { refusedByRoster, rosterFlag, StationRosters } from './apply-roster';
import { judgeClock } from './clock-bounds';
import { afterFailure, writeConflict } from './group-retry';
import { keyOf, likelyKeys } from './likely-keys';
import type { MasterCache } from './master';
import { isUnparsed, type PushedEvent } from './parse-batch';
import { PushError } from './push-error';
import { lockAndReadDocuments, lockAndReadGroup, writeAndCommit, type GroupRead, type GroupWrite } from './push-repository';
import { judgeSeqs, type StoredEvent } from './seq-order';

export interface ApplyBatchResult {
  results: PushOutcome[];
  lastAppliedSeq: number;
  applied: number;
  refused: number;
  /** Applied events the server flagged (clock-bounds.ts). */
  flagged: number;
}

/** One push request, parsed (parseBatch: sorted by seq, all in the station's own name). */
export interface PushItem {
  stationId: string;
  events: readonly PushedEvent[];
  /** The station's wall clock minus the server's when the push arrived (ms), kept on the station row; never used for ordering. */
  clockSkewMs?: number;
  /** Events whose transfer slip failed the server's own check (slips.ts): stored refused with this reason. */
  untrustedSlips?: ReadonlyMap<string, Refusal>;
  /** The server's time when the push arrived (ms; default: when it is applied): the bound on station clocks. */
  receivedAtMs?: number;
}

export type PushItemOutcome = { ok: true; value: ApplyBatchResult } | { ok: false; error: unknown };

export type DecideFn = typeof sharedDecide;

export interface ApplyOptions {
  /** The rule book; tests inject a faulty one to prove a bug fails only its own request. */
  decide?: DecideFn;
  /**
   * Called when the group has decided everything and is about to take the change_counter lock (insert its events,
   * stamp its documents) and commit: from here on it only waits for the database. The queue starts preparing the
   * next group then (pipelining). May be called more than once (retries, one-by-one fallback).
   */
  onWriting?: () => void;
}

/** One request's batch in its own transaction (a group of one). */
export async function applyBatch(db: Db, master: MasterCache, stationId: string, events: readonly PushedEvent[], opts: ApplyOptions = {}): Promise<ApplyBatchResult> {
  const [o] = await applyGroup(db, master, [{ stationId, events }], opts);
  if (!o) throw new Error('no outcome');
  if (!o.ok) throw o.error;
  return o.value;
}

/**
 * Applies `items` (in this order) in one transaction and returns each one's own outcome: a request refused as a whole
 * (401 unknown/revoked station, 409 seq_gap / seq_conflict) is an outcome, not a failure of the group.
 */
export async function applyGroup(db: Db, master: MasterCache, items: readonly PushItem[], opts: ApplyOptions = {}): Promise<PushItemOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.tx(async (q) => {
        const plan = await planGroup(q, master, items, opts);
        if (!plan.write) {
          opts.onWriting?.();
          return plan.outcomes;
        }
        try {
          await writeAndCommit(q, plan.write, opts.onWriting);
        } catch (err) {
          if (err instanceof EventConflict) throw writeConflict(err, items.length);
          throw err;
        }
        return plan.outcomes;
      });
    } catch (err) {
      const next = afterFailure(err, attempt, items.length);
      if (next === 'retry') continue;
      if (next === 'fail') return [{ ok: false, error: err }];
      // Rolled back: apply each request alone, in arrival order, so only the faulty one fails.
      const out: PushItemOutcome[] = [];
      for (const item of items) out.push(...(await applyGroup(db, master, [item], opts)));
      return out;
    }
  }
}

interface GroupPlan {
  outcomes: PushItemOutcome[];
  /** What to write, or null if the group writes nothing (every request refused as a whole). */
  write: GroupWrite | null;
}

/** Steps 1 to 3: lock and read, then decide every request in arrival order over the group's overlay. */
async function planGroup(q: Queryable, masterCache: MasterCache, items: readonly PushItem[], opts: ApplyOptions): Promise<GroupPlan> {
  const stationIds = [...new Set(items.map((i) => i.stationId))].sort();
  // Duplicates' keys too: harmless.
  const keys = [...new Set(items.flatMap((i) => i.events.flatMap((e) => (isUnparsed(e) ? [] : likelyKeys(e)))).map(keyOf))].sort();
  const events = items.flatMap((i) => i.events.map((e) => ({ stationId: i.stationId, seq: e.seq })));
  const read = await lockAndReadGroup(q, stationIds, keys, events);
  const docs = new DocOverlay();
  docs.prime(keys, read.docs);
  const group = new GroupChanges(q, docs, await masterCache.get(q, read.masterVersion), opts.decide ?? sharedDecide, read);
  const outcomes: PushItemOutcome[] = [];
  for (const item of items) outcomes.push(await group.apply(item));
  return { outcomes, write: group.write() };
}

/** An event decided (applied or refused), with the server's flag on its clock if any. */
interface Decided {
  d: Exclude<Decision, { ok: 'need' }>;
  flag: Refusal | null;
}

/**
 * An event whose rules asked for documents not loaded yet, or that today's roster refused while its station said which
 * roster it recorded it under (apply-roster.ts): `event` is what the rules decide (its clock judged).
 */
interface Needing {
  d: Exclude<Decision, { ok: true }>;
  flag: Refusal | null;
  event: FloorEvent;
  rosterVersion?: number;
}

/** Step 3 for one group: each request decided against what the group has done so far, and what it all writes. */
class GroupChanges {
  private readonly events: EventInsert[] = [];
  /** Floor documents the group changed: their latest body is the overlay's (the last write of a key wins). */
  private readonly changed = new Set<string>();
  /** Refusal documents by event id (one statement cannot upsert a key twice: an id pushed twice fails at insert). */
  private readonly refusals = new Map<string, DocumentWrite>();
  /** Stations with at least one accepted request: their progress row, progress document and last-push columns. */
  private readonly pushed = new Map<string, { skew: number | null }>();
  /** The rosters stations recorded under, read when today's refuses an event (apply-roster.ts). */
  private readonly rosters: StationRosters;

  constructor(
    private readonly q: Queryable,
    private readonly docs: DocOverlay,
    private readonly master: MasterData,
    private readonly decide: DecideFn,
    /** Progress and stored events move as the group applies requests (a later request of a station sees them). */
    private readonly read: GroupRead,
  ) {
    this.rosters = new StationRosters(q, master);
  }

  async apply(item: PushItem): Promise<PushItemOutcome> {
    const { stationId } = item;
    const enrolledAtMs = this.read.live.get(stationId);
    if (enrolledAtMs === undefined) {
      return { ok: false, error: new PushError(401, STATION_TOKEN_REJECTED, `station ${stationId} is unknown or revoked`) };
    }
    let stored = this.read.stored.get(stationId);
    if (!stored) this.read.stored.set(stationId, (stored = new Map<number, StoredEvent[]>()));
    let p = this.read.progress.get(stationId) ?? 0;
    const verdict = judgeSeqs(stationId, p, stored, item.events);
    if (!verdict.ok) return { ok: false, error: verdict.error };

    const results: PushOutcome[] = [];
    let applied = 0;
    let refused = 0;
    let flagged = 0;
    for (const o of verdict.old) {
      if ('duplicate' in o) {
        results.push(o.duplicate);
        continue;
      }
      // Kept beside the event holding its seq, refused; progress does not move (seq-order.ts, SEQ CONFLICTS).
      const { event: e, conflictNo, refusal } = o.conflict;
      this.keepRefused(stationId, e, refusal, conflictNo);
      results.push({ id: e.id, seq: e.seq, status: 'refused', refusal });
      stored.set(e.seq, [...(stored.get(e.seq) ?? []), { id: e.id, seq: e.seq, status: 'refused', refusal, conflictNo }]);
      refused++;
    }
    const receivedAtMs = item.receivedAtMs ?? Date.now();
    for (const e of verdict.fresh) {
      const first = this.decideEvent(item, e, enrolledAtMs, receivedAtMs);
      // Awaited only when the rules asked for documents not loaded yet or the station's roster is to be read (a
      // microtask per event adds up on a big group).
      const { d, flag } = 'event' in first ? await this.settle(first) : first;
      const { id, seq, hlc, operatorId, type, payload, v } = e;
      // A flag goes with an applied event only (a refused one has its reason); absent, not null, when there is none.
      const withFlag = d.ok && flag ? { flag } : {};
      if (d.ok) {
        this.events.push({ id, stationId, seq, hlc, operatorId, type, payload, v, status: 'applied', ...withFlag });
        if (flag) flagged++;
        for (const doc of d.changes) this.changed.add(this.docs.put(doc));
        applied++;
      } else {
        this.keepRefused(stationId, e, d.refusal, 0);
        refused++;
      }
      const refusal = d.ok ? null : d.refusal;
      results.push({ id, seq, status: d.ok ? 'applied' : 'refused', refusal, ...withFlag });
      stored.set(seq, [{ id, seq, status: d.ok ? 'applied' : 'refused', refusal, conflictNo: 0, ...withFlag }]);
      p = seq;
    }
    this.read.progress.set(stationId, p);
    this.pushed.set(stationId, { skew: item.clockSkewMs ?? this.pushed.get(stationId)?.skew ?? null });
    return { ok: true, value: { results, lastAppliedSeq: p, applied, refused, flagged } };
  }

  /** A refused event stored with its reason, and the 'refusal' document that goes back to its station. */
  private keepRefused(stationId: string, e: PushedEvent, refusal: { code: string; message: string }, conflictNo: number): void {
    const { id, seq, hlc, operatorId, type, payload, v } = e;
    this.events.push({ id, stationId, seq, hlc, operatorId, type, payload, v, status: 'refused', refusal, ...(conflictNo > 0 ? { conflictNo } : {}) });
    const body: RefusalDocument = { eventId: id, seq, type, code: refusal.code, message: refusal.message, stationId, hlc };
    this.refusals.set(id, { kind: REFUSAL_KIND, id, body, scope: [scopeToken.station(stationId)] });
  }

  /**
   * The decision over what is loaded, and the server's flag on the event's clock (clock-bounds.ts) if it applies; `need`
   * (with the event the rules decide) when the rules asked for documents not loaded yet: see loadAndDecide.
   */
  private decideEvent(item: PushItem, e: PushedEvent, enrolledAtMs: number, receivedAtMs: number): Decided | Needing {
    if (isUnparsed(e)) return { d: { ok: false, refusal: makeRefusal('invalid_event', e.parseError) }, flag: null };
    // The roster stamp travels beside the event, never in it (a parked event must equal the station's own copy).
    const { rosterVersion, ...bare } = e;
    const clock = judgeClock(bare, enrolledAtMs, receivedAtMs);
    if (!clock.ok) return { d: { ok: false, refusal: clock.refusal }, flag: null };
    const untrusted = item.untrustedSlips?.get(e.id);
    if (untrusted) return { d: { ok: false, refusal: untrusted }, flag: clock.flag };
    const event = clock.decideAs;
    const d = this.decide(this.docs, event, this.master, { recorded: true });
    if (d.ok === true) return { d, flag: clock.flag };
    if (d.ok === 'need' || refusedByRoster(d, rosterVersion)) return { d, flag: clock.flag, event, ...(rosterVersion === undefined ? {} : { rosterVersion }) };
    return { d, flag: clock.flag };
  }

  /**
   * Documents loaded as the rules ask; then, if today's roster refuses the event, decided again by the roster its
   * station recorded it under: applied and flagged if that one lets it through (apply-roster.ts).
   */
  private async settle({ d: first, flag, event, rosterVersion }: Needing): Promise<Decided> {
    const d = await this.loadAndDecide(first, event, this.master);
    if (!refusedByRoster(d, rosterVersion) || d.ok !== false) return { d, flag };
    const theirs = await this.rosters.at(rosterVersion);
    const byStation = await this.loadAndDecide(this.decide(this.docs, event, theirs, { recorded: true }), event, theirs);
    return byStation.ok ? { d: byStation, flag: rosterFlag(d.refusal, rosterVersion, flag) } : { d, flag };
  }

  /** A NeedDocs answer: lock and read the documents asked for, decide again (at most 10 rounds). */
  private async loadAndDecide(first: Decision, event: FloorEvent, master: MasterData): Promise<Exclude<Decision, { ok: 'need' }>> {
    let d: Decision = first;
    for (let i = 0; d.ok === 'need' && i < 10; i++) {
      const missing = this.docs.missing(d.keys);
      if (missing.length > 0) this.docs.prime(missing, await lockAndReadDocuments(this.q, missing));
      d = this.decide(this.docs, event, master, { recorded: true });
    }
    if (d.ok === 'need') throw new Error(`event ${event.id} kept needing documents`);
    return d;
  }

  /**
   * Steps 4 and 5's content, or null if no request was accepted. The station row locks make progress exact (nobody
   * else moves it), so the stationProgress documents go in the same upsert as the documents they account for.
   */
  write(): GroupWrite | null {
    if (this.pushed.size === 0) return null;
    const documents: DocumentWrite[] = [];
    for (const key of this.changed) {
      const doc = this.docs.latest(key);
      if (!doc) throw new Error(`changed document ${key} is not in the group's overlay`);
      documents.push({ kind: doc.kind, id: doc.id, body: doc, scope: floorDocScope(doc) });
    }
    documents.push(...this.refusals.values());
    const stations = [...this.pushed].map(([stationId, { skew }]) => ({ stationId, lastAppliedSeq: this.read.progress.get(stationId) ?? 0, clockSkewMs: skew }));
    for (const { stationId, lastAppliedSeq } of stations) {
      const body: StationProgressDoc = { stationId, lastAppliedSeq };
      documents.push({ kind: STATION_PROGRESS_KIND, id: stationId, body, scope: [scopeToken.station(stationId)] });
    }
    return { documents, stations, events: this.events };
  }
}
