/**
 * Applying stations' pushed events to the authoritative documents, with the same shared rules the stations ran.
 * Per station, events apply strictly in seq order; an id seen before is a duplicate and gets the same answer as the
 * first time. A refused event is stored with its reason (never dropped) and a 'refusal' document goes back to its
 * station.
 *
 * GROUP COMMIT: the unit of work is a group of push requests (see ingest-queue.ts: every request waiting while the
 * previous group was being prepared), applied in ONE transaction, in arrival order, with TWO round trips per group
 * whatever its size (each NeedDocs load adds 2): BEGIN + steps 1 and 2 go out together, and steps 4 + 5 + COMMIT go out
 * together (the pg connection is pipelined: see db/pg.ts; the database still runs them one after the other, and a
 * failed statement aborts the ones behind it). Every round trip also waits for this process's event loop, busy with
 * other requests, so fewer round trips means a shorter group; and the change_counter lock (step 5) is released by the
 * COMMIT already queued behind it, without waiting for this process at all.
 *   1. one statement takes the locks: the group's station rows in id order (serialises pushes of one station, e.g. a
 *      retry arriving while the first attempt runs on another server process; a revoked station is not returned:
 *      its requests get 401), then transaction-scoped advisory locks on every document key the group's events will
 *      probably touch, in key order (this also covers documents that do not exist yet, e.g. a transfer created by its
 *      sender and by a receiver's offline acceptance at the same moment);
 *   2. one read, in a snapshot taken after those locks: the stations' progress, previously stored events at or below
 *      it (duplicates), the master data's version and the locked documents;
 *   3. per request, in JS: gaps and seq conflicts are decided from seqs alone BEFORE any rule runs, so a refused
 *      request (409) changes nothing and does not disturb the others; then `decide` per event over an in-memory
 *      overlay that holds every change made so far in the group (later requests see earlier ones, exactly as if the
 *      requests had committed one after the other); a rule asking for a document not loaded yet (NeedDocs) costs a
 *      lock + read, only then;
 *   4. one statement writes the documents (last write per key; the stationProgress documents too, so progress travels
 *      with the documents it accounts for), the progress rows and the stations' last-push columns;
 *   5. assignVersions inserts the events with their server_seq in the statement that takes the change_counter lock
 *      and stamps the documents (each event row written once, not inserted and then updated), then one COMMIT.
 * Failure handling: a deadlock (two server processes) retries the whole group. Anything else that fails a group of
 * several requests (a write-time conflict, e.g. one event id pushed by two stations; a bug in a rule) rolls it back
 * and the requests are applied one by one, each in its own transaction as before grouping, so only the faulty one
 * fails.
 */
import { z } from 'zod';
import type { Doc, DocKind, DocOf, DocReader } from '../../shared/docs';
import { describeIssues, EVENT_TYPES, parseEvent, type FloorEvent } from '../../shared/events';
import { HlcTimestamp } from '../../shared/hlc';
import { Uuid } from '../../shared/ids';
import { OperatorId } from '../../shared/master';
import { decide as sharedDecide, NeedDocs, type DocKey } from '../../shared/reducer';
import { floorDocScope, REFUSAL_KIND, STATION_PROGRESS_KIND, STATION_TOKEN_REJECTED, type PushOutcome } from '../../shared/sync';
import { assignVersions, EventConflict, scope, type DocumentWrite, type EventInsert } from '../changes';
import type { Db, Queryable } from '../db/types';
import type { EventRow, StationProgressBody } from '../store';
import { refusal as makeRefusal, type Refusal } from '../../shared/refusal';
import type { MasterCache } from './master';

export class PushError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const keyOf = (k: DocKey): string => `${k.kind}:${k.id}`;

/** Documents an event will probably read, from its payload: loaded (and locked) up front in one round trip. */
function likelyKeys(e: FloorEvent): DocKey[] {
  const p = e.payload as Record<string, unknown>;
  const keys: DocKey[] = [];
  const add = (kind: DocKind, v: unknown) => typeof v === 'string' && keys.push({ kind, id: v });
  add('workOrder', p.workOrderId);
  add('workOrder', p.toWorkOrderId);
  add('transfer', p.transferId);
  add('line', p.lineId);
  add('hold', p.holdId);
  add('conflict', p.conflictId);
  if (e.type === 'conflict.resolved') add('transfer', p.conflictId);
  add('alert', p.haltId);
  if (Array.isArray(p.results)) for (const r of p.results) add('workOrder', (r as { workOrderId?: unknown }).workOrderId);
  return keys;
}

/** Lock keys' hashes in key order (locks are taken over this, in this order). */
const KEY_HASHES = (param: string) => `SELECT hashtextextended(k, 7) AS h FROM unnest(${param}::text[]) AS k ORDER BY k`;
const LOCK_SQL = `SELECT pg_advisory_xact_lock(h) FROM (${KEY_HASHES('$1')}) s`;

const splitKeys = (keys: readonly string[]) => ({
  kinds: keys.map((k) => k.slice(0, k.indexOf(':'))),
  ids: keys.map((k) => k.slice(k.indexOf(':') + 1)),
});

/** A reader over documents loaded in this transaction; asking for one not loaded yet throws NeedDocs. */
class TxDocs implements DocReader {
  readonly loaded = new Map<string, Doc | null>();
  /** Every document there is can be loaded: a missing one does not exist (the rules judge slips by this). */
  readonly complete = true;

  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined {
    const key = `${kind}:${id}`;
    if (!this.loaded.has(key)) throw new NeedDocs([{ kind, id }]);
    return (this.loaded.get(key) ?? undefined) as DocOf<K> | undefined;
  }

  /** Records what a read of `keys` found (missing = does not exist). */
  prime(keys: readonly string[], rows: readonly (readonly [string, string, Doc])[]): void {
    for (const k of keys) if (!this.loaded.has(k)) this.loaded.set(k, null);
    for (const [kind, id, body] of rows) this.loaded.set(`${kind}:${id}`, body);
  }

  /** Locks (in key order, so two transactions cannot wait on each other in a cycle), then reads. */
  async load(q: Queryable, keys: readonly DocKey[]): Promise<void> {
    const missing = [...new Set(keys.map(keyOf))].filter((k) => !this.loaded.has(k)).sort();
    if (missing.length === 0) return;
    await q.query(LOCK_SQL, [missing]);
    const { kinds, ids } = splitKeys(missing);
    const rows = await q.query<{ kind: string; id: string; body: Doc }>(
      'SELECT d.kind, d.id, d.body FROM documents d JOIN unnest($1::text[], $2::text[]) AS k(kind, id) ON d.kind = k.kind AND d.id = k.id WHERE NOT d.deleted',
      [kinds, ids],
    );
    this.prime(
      missing,
      rows.map((r) => [r.kind, r.id, r.body] as const),
    );
  }

  /** Records a change (later reads in the group see it); returns the document's key. */
  put(doc: Doc): string {
    const key = `${doc.kind}:${doc.id}`;
    this.loaded.set(key, doc);
    return key;
  }
}

export interface ApplyBatchResult {
  results: PushOutcome[];
  lastAppliedSeq: number;
  applied: number;
  refused: number;
}

/**
 * A pushed event whose envelope is usable (a UUID id, the pushing station's own name, a positive integer seq) but
 * which does not parse (an event type or field this server does not know: a newer station version, a bug). It takes
 * its place in the station's seq order like any other and is stored refused ('invalid_event', `parseError`), so the
 * station's later events still go through: nothing a station sent is dropped, nothing blocks its sync.
 * The other columns keep what the raw event has where it is well-formed, else a placeholder: hlc '', type '',
 * operatorId null, v 0, payload {} (also for a payload PostgreSQL's jsonb cannot hold: \u0000, a lone surrogate).
 */
export interface UnparsedEvent extends Omit<EventInsert, 'status' | 'refusal'> {
  /** Why it does not parse (the refusal's message). */
  parseError: string;
}

/** What parseBatch returns: an event, or one stored refused because it does not parse. */
export type PushedEvent = FloorEvent | UnparsedEvent;

export const isUnparsed = (e: PushedEvent): e is UnparsedEvent => 'parseError' in e;

/** One push request, parsed (parseBatch: sorted by seq, all in the station's own name). */
export interface PushItem {
  stationId: string;
  events: readonly PushedEvent[];
  /** The station's wall clock minus the server's when the push arrived (ms), kept on the station row; never used for ordering. */
  clockSkewMs?: number;
  /** Events whose transfer slip failed the server's own check (slips.ts): stored refused with this reason. */
  untrustedSlips?: ReadonlyMap<string, Refusal>;
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

/** What an event needs to take its place in a station's seq order (and be answered): else the request is a 400. */
const UsableEnvelope = z.looseObject({
  id: Uuid,
  stationId: z.string(),
  seq: z.number().int().positive(),
});

/** An unparsed event's other columns: kept where well-formed, else placeholders (see UnparsedEvent). */
const KeptFields = z.object({
  hlc: HlcTimestamp.catch(''),
  operatorId: OperatorId.nullable().catch(null),
  type: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/)
    .catch(''),
  v: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .catch(0),
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MAX_PARSE_ERROR = 1000;
// `search` ignores the pattern's global flag and lastIndex (test would not).
const unstorableString = (s: string): boolean => s.includes('\u0000') || s.search(LONE_SURROGATE) >= 0;

/** Text PostgreSQL cannot store (jsonb refuses NUL and lone surrogates) anywhere in a value, keys included. */
function hasUnstorableText(v: unknown): boolean {
  if (typeof v === 'string') return unstorableString(v);
  if (Array.isArray(v)) return v.some(hasUnstorableText);
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (unstorableString(k) || hasUnstorableText(x)) return true;
  }
  return false;
}
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function unparsedEvent(raw: z.infer<typeof UsableEnvelope>, error: string): UnparsedEvent {
  const kept = KeptFields.parse(raw);
  const payload = raw.payload;
  const storable = payload !== undefined && payload !== null && !hasUnstorableText(payload);
  // A type this server does not know fails the discriminated union with the list of every known type: say it plainly.
  const why =
    typeof raw.type === 'string' && !KNOWN_TYPES.has(raw.type)
      ? `type: ${kept.type ? `'${kept.type}' is` : 'not'} an event type this server ${kept.type ? 'does not know (a newer station version?)' : 'knows'}`
      : error;
  return {
    id: raw.id,
    stationId: raw.stationId,
    seq: raw.seq,
    ...kept,
    payload: storable ? payload : {},
    // Cut first, then clean: a cut through a surrogate pair leaves a lone half, which jsonb would refuse.
    parseError: why.slice(0, MAX_PARSE_ERROR).replaceAll('\u0000', '').replace(LONE_SURROGATE, ''),
  };
}

/**
 * Parse the batch: every event must be in the pushing station's own name (else 403) with a usable envelope (else
 * 400, nothing stored). An event that does not parse beyond that is kept as an UnparsedEvent (stored refused).
 */
export function parseBatch(stationId: string, raw: readonly unknown[]): PushedEvent[] {
  const events: PushedEvent[] = [];
  const wrongStation = (i: number, other: string) =>
    new PushError(403, 'wrong_station', `events.${i}: station ${stationId} may only push its own events, not ${other}'s`);
  raw.forEach((r, i) => {
    // The full parse first (every event a station of this version sends passes it); the envelope only when it fails.
    const p = parseEvent(r);
    if (p.ok) {
      if (p.value.stationId !== stationId) throw wrongStation(i, p.value.stationId);
      // Well-formed, but the database would refuse the whole group over it (and the station would retry forever).
      if (hasUnstorableText(p.value.payload)) {
        events.push(unparsedEvent(p.value, 'payload: text with a NUL character or a lone surrogate, which the database cannot store'));
      } else events.push(p.value);
      return;
    }
    const env = UsableEnvelope.safeParse(r);
    if (!env.success) throw new PushError(400, 'bad_event', `events.${i}: ${describeIssues(env.error)}`);
    if (env.data.stationId !== stationId) throw wrongStation(i, env.data.stationId);
    events.push(unparsedEvent(env.data, p.error));
  });
  const seqs = new Set<number>();
  for (const e of events) {
    if (seqs.has(e.seq)) throw new PushError(400, 'bad_event', `two events with seq ${e.seq} in one batch`);
    seqs.add(e.seq);
  }
  return events.sort((a, b) => a.seq - b.seq);
}

const DEADLOCK = '40P01';
const SERIALIZATION = '40001';
const MAX_ATTEMPTS = 6;

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === DEADLOCK || code === SERIALIZATION;
}

/** A write-time conflict in a group of several requests: roll back and apply them one by one. */
class GroupConflict extends Error {}

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
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.tx(async (q) => {
          const plan = await applyGroupInTx(q, master, items, opts);
          if (!plan.write) {
            opts.onWriting?.();
            return plan.outcomes;
          }
          // 4 + 5, sent together (pipelined; the database still runs them one after the other): the documents,
          // progress and last-push columns; then the events, inserted with their server_seq in the statement that
          // takes the change_counter lock and stamps the documents (one write per event row, not an insert plus an
          // update); then COMMIT.
          const written = q.query(WRITE_SQL, plan.write);
          const assigned = assignVersions(q, { insertEvents: plan.events, commit: true });
          opts.onWriting?.();
          try {
            await inOrder(written, assigned);
          } catch (err) {
            // Another stored event holds one of these ids: nothing of this is kept (the transaction rolls back).
            if (!(err instanceof EventConflict)) throw err;
            if (items.length > 1) throw new GroupConflict(err.message);
            throw new PushError(409, 'seq_conflict', err.message);
          }
          return plan.outcomes;
        });
      } catch (err) {
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
        throw err;
      }
    }
  } catch (err) {
    if (items.length === 1) return [{ ok: false, error: err }];
    // Rolled back: apply each request alone, in arrival order, so only the faulty one fails.
    const out: PushItemOutcome[] = [];
    for (const item of items) out.push(...(await applyGroup(db, master, [item], opts)));
    return out;
  }
}

interface StoredEvent {
  id: string;
  seq: number;
  status: 'applied' | 'refused';
  refusal: { code: string; message: string } | null;
}

interface GroupRead {
  progress: [string, number][];
  stored: (StoredEvent & { stationId: string })[];
  master_version: number | null;
  docs: [string, string, Doc][];
}

/** Step 1: the locks (see applyGroupInTx). */
const LOCK_GROUP_SQL = `SELECT (SELECT array_agg(id) FROM (SELECT id FROM stations WHERE id = ANY($1::text[]) AND revoked_at IS NULL ORDER BY id FOR UPDATE) s) AS live,
        (SELECT count(x) FROM (SELECT pg_advisory_xact_lock(h) AS x FROM (${KEY_HASHES('$2')}) h) l) AS locked`;

/**
 * Two statements sent together (pipelined) and read in order: if the first fails the second fails too (the
 * transaction is aborted), and the first one's error is the one that says why.
 */
async function inOrder<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  try {
    return [await first, await second];
  } catch (err) {
    await second.catch(() => undefined);
    throw err;
  }
}

/** Step 2: progress, duplicates, master version and documents, in one statement (so one snapshot, after the locks). */
const READ_SQL = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(station_id, last_applied_seq)), '[]'::json)
     FROM station_progress WHERE station_id = ANY($1::text[])) AS progress,
  (SELECT coalesce(json_agg(json_build_object('stationId', e.station_id, 'id', e.id, 'seq', e.seq, 'status', e.status, 'refusal', e.refusal)), '[]'::json)
     FROM unnest($2::text[], $3::bigint[]) AS k(station_id, seq)
     JOIN station_progress p ON p.station_id = k.station_id AND k.seq <= p.last_applied_seq
     JOIN events e ON e.station_id = k.station_id AND e.seq = k.seq) AS stored,
  (SELECT max(version) FROM documents WHERE kind IN ('operator', 'station')) AS master_version,
  (SELECT coalesce(json_agg(json_build_array(d.kind, d.id, d.body)), '[]'::json)
     FROM unnest($4::text[], $5::text[]) AS k(kind, id)
     JOIN documents d ON d.kind = k.kind AND d.id = k.id AND NOT d.deleted) AS docs`;

/**
 * Step 4: the group's documents (version 0, stamped by assignVersions), progress rows and stations' last-push
 * columns, in one statement. Data-modifying CTEs all run (once each) whether or not the final SELECT reads them; they
 * touch different tables, so their shared snapshot does not matter. Documents are written here, BEFORE the
 * change_counter lock is taken: an upsert may wait on another writer's row lock (an office write of the same
 * document), and that writer may be waiting for the counter.
 */
const WRITE_SQL = `
WITH docs AS (
  INSERT INTO documents (kind, id, body, scope, deleted, version)
  SELECT kind, id, body, scope, deleted, 0
  FROM jsonb_to_recordset($1::jsonb) AS x(kind text, id text, body jsonb, scope text[], deleted boolean)
  ON CONFLICT (kind, id) DO UPDATE
    SET body = EXCLUDED.body, scope = EXCLUDED.scope, deleted = EXCLUDED.deleted, version = 0
  RETURNING 1
), progress AS (
  INSERT INTO station_progress (station_id, last_applied_seq)
  SELECT station_id, seq FROM unnest($2::text[], $3::bigint[]) AS x(station_id, seq)
  ON CONFLICT (station_id) DO UPDATE
    SET last_applied_seq = GREATEST(station_progress.last_applied_seq, EXCLUDED.last_applied_seq)
  RETURNING 1
), pushed AS (
  UPDATE stations s SET last_push_at = now(), clock_skew_ms = coalesce(x.skew, s.clock_skew_ms)
  FROM unnest($2::text[], $4::bigint[]) AS x(id, skew)
  WHERE s.id = x.id
  RETURNING 1
)
SELECT (SELECT count(*) FROM docs)::int AS docs`;

interface GroupPlan {
  outcomes: PushItemOutcome[];
  /** Events to insert (applied and refused), by request and seq. */
  events: EventRow[];
  /** WRITE_SQL's parameters (documents, progress, last-push columns), or null if the group writes nothing. */
  write: unknown[] | null;
}

async function applyGroupInTx(q: Queryable, masterCache: MasterCache, items: readonly PushItem[], opts: ApplyOptions): Promise<GroupPlan> {
  const decide = opts.decide ?? sharedDecide;
  const stationIds = [...new Set(items.map((i) => i.stationId))].sort();

  // 1. One statement, locks only: the station rows in id order (a revoked station is not returned, nor locked),
  // then advisory locks on every document key the group's events will probably touch (duplicates' keys too:
  // harmless), in key order. Every group runs this same statement, so all take their locks in one global order and
  // cannot wait on each other in a cycle (NeedDocs loads later can; a deadlock retries the group). Nothing is read
  // here: this statement's snapshot predates the waits, the next one's does not.
  const keys = [...new Set(items.flatMap((i) => i.events.flatMap((e) => (isUnparsed(e) ? [] : likelyKeys(e)))).map(keyOf))].sort();
  const locking = q.query<{ live: string[] | null }>(LOCK_GROUP_SQL, [stationIds, keys]);

  // 2. One read after the locks, sent right behind them: the database runs it after the lock statement, in a snapshot
  // of its own, so it sees everything committed by those the locks waited for. It reads for every station of the group
  // (a revoked one's rows are ignored below).
  const evStations = items.flatMap((i) => i.events.map(() => i.stationId));
  const evSeqs = items.flatMap((i) => i.events.map((e) => e.seq));
  const { kinds, ids } = splitKeys(keys);
  const reading = q.query<GroupRead & Record<string, unknown>>(READ_SQL, [stationIds, evStations, evSeqs, kinds, ids]);
  const [[locked], [read]] = await inOrder(locking, reading);
  if (!read) throw new Error('group read returned no row');
  const live = new Set(locked?.live ?? []);
  const master = await masterCache.get(q, Number(read.master_version ?? 0));
  const docs = new TxDocs();
  docs.prime(keys, read.docs);

  const progress = new Map<string, number>(read.progress.map(([s, p]) => [s, Number(p)]));
  // Every event at or below a station's progress, by station and seq: stored before, or written earlier in this group.
  const known = new Map<string, Map<number, StoredEvent>>();
  const knownOf = (stationId: string) => {
    let m = known.get(stationId);
    if (!m) known.set(stationId, (m = new Map()));
    return m;
  };
  for (const s of read.stored) knownOf(s.stationId).set(Number(s.seq), { id: s.id, seq: Number(s.seq), status: s.status, refusal: s.refusal });

  const outcomes: PushItemOutcome[] = [];
  const eventRows: EventRow[] = [];
  /** Floor documents the group changed: their latest body is the one in `docs` (the last write of a key wins). */
  const changed = new Set<string>();
  /** Refusal documents (and, below, progress documents), by key. */
  const docWrites = new Map<string, DocumentWrite>();
  /** Stations with at least one accepted request: their progress row, progress document and last-push columns. */
  const pushed = new Map<string, { skew: number | null }>();

  for (const item of items) {
    const { stationId, events } = item;
    if (!live.has(stationId)) {
      outcomes.push({ ok: false, error: new PushError(401, STATION_TOKEN_REJECTED, `station ${stationId} is unknown or revoked`) });
      continue;
    }
    let p = progress.get(stationId) ?? 0;
    const mine = knownOf(stationId);

    // Refusals of the whole request, from seqs alone, before any rule runs or anything is written. Events are sorted
    // by seq, so all duplicates come first, as when they were checked one by one.
    const old = events.filter((e) => e.seq <= p);
    const fresh = events.filter((e) => e.seq > p);
    const storedById = new Map<string, StoredEvent>();
    for (const e of old) {
      const s = mine.get(e.seq);
      if (s) storedById.set(s.id, s);
    }
    let refusal: PushError | null = null;
    for (const e of old) {
      if (!storedById.has(e.id)) {
        // Another event already holds this seq: the station is confused (restored backup?). Never overwrite.
        refusal = new PushError(409, 'seq_conflict', `seq ${e.seq} of ${stationId} is already taken by another event`);
        break;
      }
    }
    if (!refusal) {
      const gapAt = fresh.findIndex((e, i) => e.seq !== p + 1 + i);
      if (gapAt >= 0) {
        refusal = new PushError(409, 'seq_gap', `expected seq ${p + 1 + gapAt} from ${stationId}, got ${fresh[gapAt]!.seq}: push from there`);
      }
    }
    if (refusal) {
      outcomes.push({ ok: false, error: refusal });
      continue;
    }

    const results: PushOutcome[] = [];
    let applied = 0;
    let refused = 0;
    for (const e of old) {
      const s = storedById.get(e.id)!;
      results.push({ id: e.id, seq: e.seq, status: 'duplicate', refusal: s.status === 'refused' ? s.refusal : null });
    }
    for (const e of fresh) {
      const untrusted = item.untrustedSlips?.get(e.id);
      let d: ReturnType<DecideFn>;
      if (isUnparsed(e)) d = { ok: false, refusal: makeRefusal('invalid_event', e.parseError) };
      else if (untrusted) d = { ok: false, refusal: untrusted };
      else {
        d = decide(docs, e, master, { recorded: true });
        for (let i = 0; d.ok === 'need' && i < 10; i++) {
          await docs.load(q, d.keys);
          d = decide(docs, e, master, { recorded: true });
        }
      }
      if (d.ok === 'need') throw new Error(`event ${e.id} kept needing documents`);
      const { id, seq, hlc, operatorId, type, payload, v } = e;
      if (d.ok) {
        eventRows.push({ id, stationId, seq, hlc, operatorId, type, payload, v, status: 'applied' });
        for (const doc of d.changes) changed.add(docs.put(doc));
        applied++;
        results.push({ id: e.id, seq: e.seq, status: 'applied', refusal: null });
        mine.set(e.seq, { id: e.id, seq: e.seq, status: 'applied', refusal: null });
      } else {
        eventRows.push({ id, stationId, seq, hlc, operatorId, type, payload, v, status: 'refused', refusal: d.refusal });
        docWrites.set(`${REFUSAL_KIND}:${id}`, {
          kind: REFUSAL_KIND,
          id,
          body: { eventId: id, seq, type, code: d.refusal.code, message: d.refusal.message, stationId, hlc },
          scope: [scope.station(stationId)],
        });
        refused++;
        results.push({ id: e.id, seq: e.seq, status: 'refused', refusal: d.refusal });
        mine.set(e.seq, { id: e.id, seq: e.seq, status: 'refused', refusal: d.refusal });
      }
      p = e.seq;
    }
    progress.set(stationId, p);
    const prev = pushed.get(stationId);
    pushed.set(stationId, { skew: item.clockSkewMs ?? prev?.skew ?? null });
    outcomes.push({ ok: true, value: { results, lastAppliedSeq: p, applied, refused } });
  }

  if (pushed.size === 0) return { outcomes, events: [], write: null };

  // 4. The group's documents, progress and last-push columns, in one statement. The station row locks make `progress`
  // exact (nobody else moves it), so the stationProgress documents go in the same upsert as the documents they
  // account for.
  const pushedIds = [...pushed.keys()];
  for (const stationId of pushedIds) {
    const body: StationProgressBody = { stationId, lastAppliedSeq: progress.get(stationId) ?? 0 };
    docWrites.set(`${STATION_PROGRESS_KIND}:${stationId}`, { kind: STATION_PROGRESS_KIND, id: stationId, body, scope: [scope.station(stationId)] });
  }
  // One statement cannot upsert one key twice: one row per key, its last write (as it would be row by row).
  const docRows: { kind: string; id: string; body: unknown; scope: string[]; deleted: boolean }[] = [];
  for (const key of changed) {
    const doc = docs.loaded.get(key);
    if (!doc) throw new Error(`changed document ${key} is not in the group's overlay`);
    docRows.push({ kind: doc.kind, id: doc.id, body: doc, scope: floorDocScope(doc), deleted: false });
  }
  for (const d of docWrites.values()) docRows.push({ kind: d.kind, id: d.id, body: d.body, scope: d.scope, deleted: d.deleted ?? false });
  const write = [JSON.stringify(docRows), pushedIds, pushedIds.map((s) => progress.get(s) ?? 0), pushedIds.map((s) => pushed.get(s)?.skew ?? null)];
  return { outcomes, events: eventRows, write };
}

