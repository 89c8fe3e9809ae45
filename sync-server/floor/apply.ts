/**
 * Applying a station's pushed events to the authoritative documents, with the same shared rules the station ran.
 * One PostgreSQL transaction per batch. Per station, events apply strictly in seq order; an id seen before is a
 * duplicate and gets the same answer as the first time. A refused event is stored with its reason (never dropped)
 * and a 'refusal' document goes back to its station.
 *
 * Concurrency: documents an event may touch are locked with transaction-scoped advisory locks on their keys (which
 * also covers documents that do not exist yet, e.g. a transfer created by its sender and by a receiver's offline
 * acceptance at the same moment), acquired in key order; a deadlock between two batches retries the transaction.
 */
import type { Doc, DocKind, DocOf, DocReader } from '../../shared/docs';
import { parseEvent, type FloorEvent } from '../../shared/events';
import { decide, NeedDocs, type DocKey } from '../../shared/reducer';
import { floorDocScope, REFUSAL_KIND, type PushOutcome } from '../../shared/sync';
import { writeDocuments, writeTx, type DocumentWrite } from '../changes';
import type { Db, Queryable } from '../db/types';
import { lockStation, recordStationProgress, type EventRow } from '../store';
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

const FLOOR_KINDS: readonly DocKind[] = ['workOrder', 'transfer', 'line', 'hold', 'alert'];
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
  add('alert', p.haltId);
  if (Array.isArray(p.results)) for (const r of p.results) add('workOrder', (r as { workOrderId?: unknown }).workOrderId);
  return keys;
}

/** A reader over documents loaded in this transaction; asking for one not loaded yet throws NeedDocs. */
class TxDocs implements DocReader {
  readonly loaded = new Map<string, Doc | null>();

  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined {
    const key = `${kind}:${id}`;
    if (!this.loaded.has(key)) throw new NeedDocs([{ kind, id }]);
    return (this.loaded.get(key) ?? undefined) as DocOf<K> | undefined;
  }

  async load(q: Queryable, keys: readonly DocKey[]): Promise<void> {
    const missing = [...new Set(keys.map(keyOf))].filter((k) => !this.loaded.has(k)).sort();
    if (missing.length === 0) return;
    // Lock first (in key order, so two batches cannot wait on each other in a cycle), then read.
    await q.query(
      'SELECT pg_advisory_xact_lock(h) FROM (SELECT hashtextextended(k, 7) AS h FROM unnest($1::text[]) AS k ORDER BY k) s',
      [missing],
    );
    const kinds = missing.map((k) => k.slice(0, k.indexOf(':')));
    const ids = missing.map((k) => k.slice(k.indexOf(':') + 1));
    const rows = await q.query<{ kind: string; id: string; body: Doc }>(
      'SELECT d.kind, d.id, d.body FROM documents d JOIN unnest($1::text[], $2::text[]) AS k(kind, id) ON d.kind = k.kind AND d.id = k.id WHERE NOT d.deleted',
      [kinds, ids],
    );
    for (const k of missing) this.loaded.set(k, null);
    for (const r of rows) this.loaded.set(`${r.kind}:${r.id}`, r.body);
  }

  put(doc: Doc): void {
    this.loaded.set(`${doc.kind}:${doc.id}`, doc);
  }
}

export interface ApplyBatchResult {
  results: PushOutcome[];
  lastAppliedSeq: number;
  applied: number;
  refused: number;
}

/** Parse the batch: every event must be well-formed and in the pushing station's own name. */
export function parseBatch(stationId: string, raw: readonly unknown[]): FloorEvent[] {
  const events: FloorEvent[] = [];
  raw.forEach((r, i) => {
    const p = parseEvent(r);
    if (!p.ok) throw new PushError(400, 'bad_event', `events.${i}: ${p.error}`);
    if (p.value.stationId !== stationId) {
      throw new PushError(403, 'wrong_station', `events.${i}: station ${stationId} may only push its own events, not ${p.value.stationId}'s`);
    }
    events.push(p.value);
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

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === DEADLOCK || code === SERIALIZATION;
}

/**
 * Inserts the batch's events in one statement (insert-only; `server_seq` is left to assignVersions). Returns the first
 * event (by seq) that was not inserted because another stored event holds its id or its (station, seq), or null.
 * The same answer as inserting them one by one, where such an event would stop the batch.
 */
async function insertEvents(q: Queryable, rows: readonly EventRow[]): Promise<EventRow | null> {
  if (rows.length === 0) return null;
  const json = rows.map((e) => ({
    id: e.id,
    station_id: e.stationId,
    seq: e.seq,
    hlc: e.hlc,
    operator_id: e.operatorId,
    type: e.type,
    payload: e.payload,
    v: e.v,
    status: e.status,
    refusal: e.status === 'refused' ? (e.refusal ?? null) : null,
  }));
  const inserted = await q.query<{ station_id: string; seq: number }>(
    `INSERT INTO events (id, station_id, seq, hlc, operator_id, type, payload, v, status, refusal)
     SELECT id, station_id, seq, hlc, operator_id, type, payload, v, status, refusal
     FROM jsonb_to_recordset($1::jsonb)
       AS x(id uuid, station_id text, seq bigint, hlc text, operator_id text, type text, payload jsonb, v integer, status text, refusal jsonb)
     ON CONFLICT DO NOTHING
     RETURNING station_id, seq`,
    [JSON.stringify(json)],
  );
  if (inserted.length === rows.length) return null;
  // Two rows of one statement with the same id also end here: the second is skipped, and its seq is missing.
  const got = new Set(inserted.map((r) => `${r.station_id}\u0000${Number(r.seq)}`));
  return [...rows].sort((a, b) => a.seq - b.seq).find((e) => !got.has(`${e.stationId}\u0000${e.seq}`)) ?? null;
}

export async function applyBatch(db: Db, master: MasterCache, stationId: string, events: readonly FloorEvent[]): Promise<ApplyBatchResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      const { result } = await writeTx(db, (q) => applyInTx(q, master, stationId, events));
      return result;
    } catch (err) {
      if (attempt < 5 && isRetryable(err)) continue;
      throw err;
    }
  }
}

async function applyInTx(q: Queryable, masterCache: MasterCache, stationId: string, events: readonly FloorEvent[]): Promise<ApplyBatchResult> {
  if (!(await lockStation(q, stationId))) throw new PushError(401, 'unauthorized', `station ${stationId} is unknown or revoked`);
  const [progressRow] = await q.query<{ last_applied_seq: number }>('SELECT last_applied_seq FROM station_progress WHERE station_id = $1', [stationId]);
  let progress = Number(progressRow?.last_applied_seq ?? 0);
  const master = await masterCache.get(q);

  // Events at or below progress were processed before: answer as the first time.
  const old = events.filter((e) => e.seq <= progress);
  const stored = new Map<string, { seq: number; status: 'applied' | 'refused'; refusal: { code: string; message: string } | null }>();
  if (old.length) {
    const rows = await q.query<{ id: string; seq: number; status: 'applied' | 'refused'; refusal: { code: string; message: string } | null }>(
      'SELECT id::text AS id, seq, status, refusal FROM events WHERE station_id = $1 AND seq = ANY($2::bigint[])',
      [stationId, old.map((e) => e.seq)],
    );
    for (const r of rows) stored.set(r.id, { seq: Number(r.seq), status: r.status, refusal: r.refusal });
  }

  const docs = new TxDocs();
  const fresh = events.filter((e) => e.seq > progress);
  await docs.load(q, fresh.flatMap(likelyKeys));

  const results: PushOutcome[] = [];
  let applied = 0;
  let refused = 0;
  // Written once at the end (one multi-row statement each), not per event: the rules read documents from `docs`
  // (which holds every change made so far in this batch), never back from the tables.
  const eventRows: EventRow[] = [];
  const docWrites: DocumentWrite[] = [];
  for (const e of events) {
    if (e.seq <= progress) {
      const s = stored.get(e.id);
      if (!s) {
        // Another event already holds this seq: the station is confused (restored backup?). Never overwrite.
        throw new PushError(409, 'seq_conflict', `seq ${e.seq} of ${stationId} is already taken by another event`);
      }
      results.push({ id: e.id, seq: e.seq, status: 'duplicate', refusal: s.status === 'refused' ? s.refusal : null });
      continue;
    }
    if (e.seq !== progress + 1) {
      throw new PushError(409, 'seq_gap', `expected seq ${progress + 1} from ${stationId}, got ${e.seq}: push from there`);
    }
    let d = decide(docs, e, master);
    for (let i = 0; d.ok === 'need' && i < 10; i++) {
      await docs.load(q, d.keys);
      d = decide(docs, e, master);
    }
    if (d.ok === 'need') throw new Error(`event ${e.id} kept needing documents`);
    const row = { id: e.id, stationId, seq: e.seq, hlc: e.hlc, operatorId: e.operatorId, type: e.type, payload: e.payload, v: e.v };
    if (d.ok) {
      eventRows.push({ ...row, status: 'applied' });
      for (const doc of d.changes) docWrites.push({ kind: doc.kind, id: doc.id, body: doc, scope: floorDocScope(doc) });
      for (const doc of d.changes) docs.put(doc);
      applied++;
      results.push({ id: e.id, seq: e.seq, status: 'applied', refusal: null });
    } else {
      eventRows.push({ ...row, status: 'refused', refusal: d.refusal });
      docWrites.push({
        kind: REFUSAL_KIND,
        id: e.id,
        body: { eventId: e.id, seq: e.seq, type: e.type, code: d.refusal.code, message: d.refusal.message, stationId, hlc: e.hlc },
        scope: [`station:${stationId}`],
      });
      refused++;
      results.push({ id: e.id, seq: e.seq, status: 'refused', refusal: d.refusal });
    }
    progress = e.seq;
  }
  const conflict = await insertEvents(q, eventRows);
  if (conflict) throw new PushError(409, 'seq_conflict', `event ${conflict.id} (seq ${conflict.seq}) conflicts with a stored event`);
  // One upsert for the whole batch; a document changed by several events is written once, in its last state.
  await writeDocuments(q, docWrites);
  const lastAppliedSeq = await recordStationProgress(q, stationId, progress);
  return { results, lastAppliedSeq, applied, refused };
}

export { FLOOR_KINDS };
