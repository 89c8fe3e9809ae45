/**
 * The push path's SQL: what a group of push requests locks, reads and writes, and in how many round trips.
 *
 * TWO ROUND TRIPS PER GROUP, whatever its size (each NeedDocs load adds 2): `lockAndReadGroup` sends BEGIN's first
 * statements together (the locks, then the read), and `writeAndCommit` sends the writes, assignVersions and COMMIT
 * together. The pg connection is pipelined (see db/pg.ts): the database still runs them one after the other, and a
 * failed statement aborts the ones behind it. Every round trip also waits for this process's event loop, busy with
 * other requests, so fewer round trips means a shorter group; and the change_counter lock (taken by assignVersions)
 * is released by the COMMIT already queued behind it, without waiting for this process at all.
 *   1. one statement takes the locks: the group's station rows in id order (serialises pushes of one station, e.g. a
 *      retry arriving while the first attempt runs on another server process; a revoked station is not returned:
 *      its requests get 401), then transaction-scoped advisory locks on every document key the group's events will
 *      probably touch, in key order (this also covers documents that do not exist yet, e.g. a transfer created by its
 *      sender and by a receiver's offline acceptance at the same moment);
 *   2. one read, in a snapshot taken after those locks: the stations' progress, previously stored events at or below
 *      it (duplicates), the master data's version and the locked documents;
 *   (3. deciding, in JS: apply.ts;)
 *   4. one statement writes the documents (last write per key; the stationProgress documents too, so progress travels
 *      with the documents it accounts for), the progress rows and the stations' last-push columns;
 *   5. assignVersions inserts the events with their server_seq in the statement that takes the change_counter lock
 *      and stamps the documents (each event row written once, not inserted and then updated), then one COMMIT.
 */
import type { Doc } from '../../shared/docs';
import { assignVersions, type DocumentWrite, type EventInsert } from '../changes';
import type { Queryable } from '../db/types';
import type { StoredEvent } from './seq-order';

/** Lock keys' hashes in key order (locks are taken over this, in this order). */
const KEY_HASHES = (param: string) => `SELECT hashtextextended(k, 7) AS h FROM unnest(${param}::text[]) AS k ORDER BY k`;
const LOCK_SQL = `SELECT pg_advisory_xact_lock(h) FROM (${KEY_HASHES('$1')}) s`;

/** `kind:id` keys as the two arrays the statements unnest. */
const splitKeys = (keys: readonly string[]) => ({
  kinds: keys.map((k) => k.slice(0, k.indexOf(':'))),
  ids: keys.map((k) => k.slice(k.indexOf(':') + 1)),
});

/** Step 1: the locks. */
const LOCK_GROUP_SQL = `SELECT (SELECT json_agg(json_build_array(id, floor(extract(epoch FROM first_enrolled_at) * 1000)::bigint)) FROM (SELECT id, first_enrolled_at FROM stations WHERE id = ANY($1::text[]) AND revoked_at IS NULL ORDER BY id FOR UPDATE) s) AS live,
        (SELECT count(x) FROM (SELECT pg_advisory_xact_lock(h) AS x FROM (${KEY_HASHES('$2')}) h) l) AS locked`;

/** Step 2: progress, duplicates, master version and documents, in one statement (so one snapshot, after the locks). */
const READ_SQL = `
SELECT
  (SELECT coalesce(json_agg(json_build_array(station_id, last_applied_seq)), '[]'::json)
     FROM station_progress WHERE station_id = ANY($1::text[])) AS progress,
  (SELECT coalesce(json_agg(json_build_object('stationId', e.station_id, 'id', e.id, 'seq', e.seq, 'status', e.status, 'refusal', e.refusal, 'flag', e.flag, 'conflictNo', e.conflict_no)), '[]'::json)
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

export type DocRow = readonly [kind: string, id: string, body: Doc];

/** What steps 1 and 2 found. */
export interface GroupRead {
  /** The group's stations that exist and are not revoked (their rows are locked), with their first enrollment (ms). */
  live: ReadonlyMap<string, number>;
  /** Each station's last processed seq (absent: none yet). */
  progress: Map<string, number>;
  /** Stored events at the asked seqs at or below their station's progress, by station and seq (the one holding it first). */
  stored: Map<string, Map<number, StoredEvent[]>>;
  /** max(version) of the operator and station documents (0: none), for the MasterCache. */
  masterVersion: number;
  /** The asked documents that exist. */
  docs: DocRow[];
}

interface ReadRow {
  progress: [string, number][];
  stored: (Omit<StoredEvent, 'conflictNo'> & { stationId: string; conflictNo: number | string })[];
  master_version: number | null;
  docs: DocRow[];
}

/**
 * Steps 1 and 2, one round trip. `keys` (`kind:id`) sorted: every group runs this same statement, so all take their
 * locks in one global order and cannot wait on each other in a cycle (NeedDocs loads later can; a deadlock retries the
 * group). The lock statement reads nothing: its snapshot predates the waits; the read sent right behind it runs in a
 * snapshot of its own, so it sees everything committed by those the locks waited for. It reads for every station of
 * the group (a revoked one's rows are for the caller to ignore). `events`: the (station, seq) of every pushed event.
 */
export async function lockAndReadGroup(
  q: Queryable,
  stationIds: readonly string[],
  keys: readonly string[],
  events: readonly { stationId: string; seq: number }[],
): Promise<GroupRead> {
  const locking = q.query<{ live: [string, number | string][] | null }>(LOCK_GROUP_SQL, [stationIds, keys]);
  const { kinds, ids } = splitKeys(keys);
  const reading = q.query<ReadRow & Record<string, unknown>>(READ_SQL, [stationIds, events.map((e) => e.stationId), events.map((e) => e.seq), kinds, ids]);
  const [[locked], [read]] = await inOrder(locking, reading);
  if (!read) throw new Error('group read returned no row');
  const stored = new Map<string, Map<number, StoredEvent[]>>();
  for (const s of read.stored) {
    let m = stored.get(s.stationId);
    if (!m) stored.set(s.stationId, (m = new Map()));
    const seq = Number(s.seq);
    const at = m.get(seq) ?? [];
    // A (station, seq) asked twice (two requests of the group) returns its rows twice.
    if (!at.some((x) => x.id === s.id)) at.push({ id: s.id, seq, status: s.status, refusal: s.refusal, flag: s.flag ?? null, conflictNo: Number(s.conflictNo) });
    m.set(seq, at.sort((a, b) => a.conflictNo - b.conflictNo));
  }
  return {
    live: new Map((locked?.live ?? []).map(([id, enrolledAtMs]) => [id, Number(enrolledAtMs)])),
    progress: new Map(read.progress.map(([s, p]) => [s, Number(p)])),
    stored,
    masterVersion: Number(read.master_version ?? 0),
    docs: read.docs,
  };
}

/** A NeedDocs load (two round trips): locks `keys` (sorted, not locked yet in this transaction), then reads them. */
export async function lockAndReadDocuments(q: Queryable, keys: readonly string[]): Promise<DocRow[]> {
  await q.query(LOCK_SQL, [keys]);
  const { kinds, ids } = splitKeys(keys);
  const rows = await q.query<{ kind: string; id: string; body: Doc }>(
    'SELECT d.kind, d.id, d.body FROM documents d JOIN unnest($1::text[], $2::text[]) AS k(kind, id) ON d.kind = k.kind AND d.id = k.id WHERE NOT d.deleted',
    [kinds, ids],
  );
  return rows.map((r) => [r.kind, r.id, r.body] as const);
}

/** What a group writes (steps 4 and 5). */
export interface GroupWrite {
  /** One per key (one statement cannot upsert a key twice). */
  documents: readonly DocumentWrite[];
  /** Stations with an accepted request: their new progress and the skew to record (null: keep the stored one). */
  stations: readonly { stationId: string; lastAppliedSeq: number; clockSkewMs: number | null }[];
  /** Events to insert (applied and refused), by request and seq. */
  events: readonly EventInsert[];
}

/**
 * Steps 4 and 5 and COMMIT, one round trip. `onWriting` is called once both are sent (from here on the group only
 * waits for the database). Rejects with EventConflict if a stored event holds one of the ids or (station, seq)s:
 * nothing is kept then (the transaction rolls back).
 */
export async function writeAndCommit(q: Queryable, w: GroupWrite, onWriting?: () => void): Promise<void> {
  const docRows = w.documents.map((d) => ({ kind: d.kind, id: d.id, body: d.body, scope: d.scope, deleted: d.deleted ?? false }));
  const ids = w.stations.map((s) => s.stationId);
  const written = q.query(WRITE_SQL, [JSON.stringify(docRows), ids, w.stations.map((s) => s.lastAppliedSeq), w.stations.map((s) => s.clockSkewMs)]);
  const assigned = assignVersions(q, { insertEvents: w.events, commit: true });
  onWriting?.();
  await inOrder(written, assigned);
}

/**
 * The roster as it stood at change number `version` (roster_history, migration 0012): each operator's latest version
 * at or below it, not deleted. Only read for an event today's roster refuses and whose station said which roster it
 * recorded the event under (apply-roster.ts): rare, so one statement of its own.
 */
export async function readRosterAt(q: Queryable, version: number): Promise<unknown[]> {
  const rows = await q.query<{ body: unknown }>(
    `SELECT body FROM (
       SELECT DISTINCT ON (operator_id) body, deleted FROM roster_history WHERE version <= $1 ORDER BY operator_id, version DESC
     ) r WHERE NOT deleted`,
    [version],
  );
  return rows.map((r) => r.body);
}
