/**
 * Storage helpers for the push path (the push route itself belongs to the domain). All take the transaction's
 * Queryable; the transaction must end with assignVersions() — use writeTx().
 */
import { scope, writeDocuments, type EventInsert } from './changes';
import type { Queryable } from './db/types';

/** A pushed event as stored (insert-only); `refusal` is required when status is 'refused' (kept with its reason). */
export type EventRow = EventInsert;

/**
 * Serialises pushes of one station (a retry arriving while the first attempt is still running): hold this row lock
 * for the rest of the transaction. Returns false if the station does not exist or is revoked.
 */
export async function lockStation(q: Queryable, stationId: string): Promise<boolean> {
  const rows = await q.query('SELECT 1 FROM stations WHERE id = $1 AND revoked_at IS NULL FOR UPDATE', [stationId]);
  return rows.length === 1;
}

/** Ids among `ids` already stored (pushed before): skip them, the station gets the same answer as the first time. */
export async function knownEventIds(q: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await q.query<{ id: string }>('SELECT id::text AS id FROM events WHERE id = ANY($1::uuid[])', [ids]);
  return new Set(rows.map((r) => r.id));
}

/**
 * Insert-only and idempotent. 'duplicate': this id is already stored (nothing changes). 'seq_conflict': another event
 * already holds (station, seq) — a station bug or a restored backup; nothing is written, the caller decides.
 */
export async function insertEvent(q: Queryable, e: EventRow): Promise<'inserted' | 'duplicate' | 'seq_conflict'> {
  const inserted = await q.query(
    `INSERT INTO events (id, station_id, seq, hlc, operator_id, type, payload, v, status, refusal)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [
      e.id,
      e.stationId,
      e.seq,
      e.hlc,
      e.operatorId,
      e.type,
      JSON.stringify(e.payload),
      e.v,
      e.status,
      e.status === 'refused' ? JSON.stringify(e.refusal ?? null) : null,
    ],
  );
  if (inserted.length === 1) return 'inserted';
  const same = await q.query('SELECT 1 FROM events WHERE id = $1', [e.id]);
  return same.length === 1 ? 'duplicate' : 'seq_conflict';
}

export const STATION_PROGRESS_KIND = 'stationProgress';

export interface StationProgressBody {
  stationId: string;
  lastAppliedSeq: number;
}

/**
 * The last station seq the server has processed (applied or refused), in the table and mirrored as a document
 * scoped to that station, so it reaches the station in the same pull as the state it produced (the station drops
 * its pending events up to it: rebase). Never moves backwards.
 */
export async function recordStationProgress(q: Queryable, stationId: string, lastAppliedSeq: number): Promise<number> {
  const [row] = await q.query<{ last_applied_seq: number }>(
    `INSERT INTO station_progress (station_id, last_applied_seq) VALUES ($1, $2)
     ON CONFLICT (station_id) DO UPDATE
       SET last_applied_seq = GREATEST(station_progress.last_applied_seq, EXCLUDED.last_applied_seq)
     RETURNING last_applied_seq`,
    [stationId, lastAppliedSeq],
  );
  const seq = row!.last_applied_seq;
  const body: StationProgressBody = { stationId, lastAppliedSeq: seq };
  await writeDocuments(q, [{ kind: STATION_PROGRESS_KIND, id: stationId, body, scope: [scope.station(stationId)] }]);
  return seq;
}
