/**
 * Commit-ordered change numbers, document writes and checkpointed pulls.
 *
 * WHY a locked counter row: a puller remembers "I have everything up to N" and next asks for `> N`. That is only
 * safe if no row numbered <= N can become visible after the puller read N. `now()` is the transaction's START
 * time, and a sequence value (`nextval`, `bigserial`) is taken when the row is written, not when it commits: a
 * transaction that takes 7, then waits, commits after one that took 8 — a puller that already saw 8 skips 7 forever.
 * Here every writing transaction, as its very last step, locks the single `change_counter` row (by updating it,
 * in assignVersions' one statement), takes the next number and commits while holding the lock. The next writer cannot get
 * a number until this one has committed (PostgreSQL releases row locks only after the commit is visible), so
 * numbers become visible in increasing order. Writers only queue for the short stretch between
 * assignVersions() and COMMIT; the rest of their work runs in parallel.
 *
 * All documents written by one transaction share its change number (documents.version), which is also how a
 * pull knows where a transaction ends: batches are cut only between versions, never inside one.
 */
import { z } from 'zod';
import type { Checkpoint, PulledDocument } from '../shared/sync';
import type { Db, Queryable, Row } from './db/types';

export type { Checkpoint, PulledDocument };

export const CHANGES_CHANNEL = 'qsf_changes';

export interface DocumentWrite {
  kind: string;
  id: string;
  /** Any JSON-serialisable value (stored as jsonb). */
  body: unknown;
  scope: string[];
  deleted?: boolean;
}

/**
 * Upserts documents with the "pending" version 0; assignVersions() stamps them before commit (and a deferred
 * trigger refuses to commit one that was not stamped). Rows stay readable in the transaction (read-your-writes),
 * and a concurrent writer of the same document waits on its row lock, as usual.
 */
export async function writeDocuments(q: Queryable, docs: readonly DocumentWrite[]): Promise<void> {
  if (docs.length === 0) return;
  // One statement cannot upsert the same key twice: the last write of a key wins, as it would row by row.
  const byKey = new Map<string, DocumentWrite>();
  for (const d of docs) byKey.set(`${d.kind}\u0000${d.id}`, d);
  const rows = [...byKey.values()].map((d) => ({
    kind: d.kind,
    id: d.id,
    body: d.body,
    scope: d.scope,
    deleted: d.deleted ?? false,
  }));
  await q.query(
    `INSERT INTO documents (kind, id, body, scope, deleted, version)
     SELECT kind, id, body, scope, deleted, 0
     FROM jsonb_to_recordset($1::jsonb) AS x(kind text, id text, body jsonb, scope text[], deleted boolean)
     ON CONFLICT (kind, id) DO UPDATE
       SET body = EXCLUDED.body, scope = EXCLUDED.scope, deleted = EXCLUDED.deleted, version = 0`,
    [JSON.stringify(rows)],
  );
}

export interface AssignedVersions {
  /** Change number given to this transaction's documents, or null if it wrote none. */
  version: number | null;
  /** How many events got a server_seq. */
  events: number;
}

/** An event to insert already numbered (see assignVersions' `insertEvents`); columns as in the events table. */
export interface EventInsert {
  id: string;
  stationId: string;
  seq: number;
  hlc: string;
  operatorId: string | null;
  type: string;
  payload: unknown;
  v: number;
  status: 'applied' | 'refused';
  /** Required when status is 'refused'. */
  refusal?: unknown;
  /** The server's flag on an applied event (floor/clock-bounds.ts); absent or null when none. */
  flag?: unknown;
  /**
   * 0 (absent): the event holding its (station, seq). 1, 2, …: an event refused 'seq_conflict', kept beside it (a
   * station restored from an old copy reused the seq: floor/seq-order.ts, migration 0013).
   */
  conflictNo?: number;
}

export interface AssignVersionsOptions {
  /**
   * Events to INSERT in the same statement, with their final server_seq, instead of inserting them earlier with
   * server_seq NULL and having this statement UPDATE them (which writes every event row, and all its index entries,
   * twice). A plain INSERT (ON CONFLICT's speculative insertion cost a third of the statement): when an id or
   * (station, seq) is already stored, the statement fails with EventConflict and the transaction must roll back (db.tx
   * and writeTx do, on the throw).
   */
  insertEvents?: readonly EventInsert[];
  /**
   * Send COMMIT together with the statement (Queryable.queryAndCommit), so the change_counter lock is released as soon
   * as the database is done, not after a round trip through this process. The transaction is over when it returns.
   */
  commit?: boolean;
}

/** An event of `insertEvents` holds an id or a (station, seq) that a stored event already holds; nothing was written. */
export class EventConflict extends Error {
  constructor(
    /** The conflicting event (null if PostgreSQL's message did not say which). */
    readonly event: EventInsert | null,
    detail: string,
  ) {
    super(event ? `event ${event.id} (seq ${event.seq}) conflicts with a stored event` : `an event conflicts with a stored event (${detail})`);
  }
}

const UNIQUE_VIOLATION = '23505';

function asEventConflict(err: unknown, inserts: readonly EventInsert[]): EventConflict | null {
  const e = err as { code?: unknown; table?: unknown; detail?: unknown };
  if (e.code !== UNIQUE_VIOLATION || e.table !== 'events') return null;
  const detail = typeof e.detail === 'string' ? e.detail : '';
  // "Key (id)=(<uuid>) already exists." or "Key (station_id, seq, conflict_no)=(<station>, <seq>, <n>) already exists."
  const event = inserts.find((x) => detail.includes(`=(${x.id})`) || detail.includes(`=(${x.stationId}, ${x.seq}, ${x.conflictNo ?? 0})`)) ?? null;
  return new EventConflict(event, detail);
}

/** Above this the NOTIFY payload (8000 bytes max) carries no scope list and every stream treats it as relevant. */
const MAX_SCOPE_PAYLOAD = 7000;

/**
 * Call as the LAST statement of every transaction that wrote documents (writeDocuments) or events (server_seq NULL):
 * stamps them with commit-ordered numbers and queues `NOTIFY qsf_changes`, which PostgreSQL delivers only when (and
 * if) the transaction commits, so a listener can never hear of a change it cannot yet read.
 * Prefer writeTx(), which calls it for you.
 *
 * ONE statement (one round trip), because the `change_counter` row lock it takes is held until COMMIT and every
 * writer queues on it: the shorter the stretch from taking it to committing, the more commits per second. In order:
 * what is pending in this transaction (only its own rows have version 0 / server_seq NULL: others' are invisible until
 * they commit, and then they are stamped) plus the events to insert; nothing = no lock and no number. Otherwise the
 * UPDATE of the counter takes the row lock (waiting for the previous writer's COMMIT, then re-reading the committed
 * row, as READ COMMITTED does for UPDATE) and hands out the next numbers; documents get the new version, events the
 * next server_seqs (pending ones by station and station seq, then `insertEvents` in the order given: callers give them
 * by station and seq); the NOTIFY carries the version and the scope tokens touched (null scope when too long).
 *
 * Only the statement's own rows are touched after the counter lock is taken (pending rows are this transaction's,
 * inserted events are new), so it never waits on another writer's row while holding the lock every writer needs;
 * documents must therefore be written (writeDocuments) before, not here.
 */
export async function assignVersions(q: Queryable, opts: AssignVersionsOptions = {}): Promise<AssignedVersions> {
  const inserts = opts.insertEvents ?? [];
  let row: { version: number | null; events: number; pending: boolean; counters: number } | undefined;
  try {
    [row] = await (opts.commit ? q.queryAndCommit.bind(q) : q.query.bind(q))<NonNullable<typeof row>>(
      `WITH pending AS MATERIALIZED (
         SELECT EXISTS (SELECT 1 FROM documents WHERE version = 0) AS docs,
                (SELECT count(*) FROM events WHERE server_seq IS NULL) AS n_pending,
                $4::bigint AS n_new
       ), c AS (
         UPDATE change_counter
            SET value = value + (SELECT docs::int FROM pending),
                event_seq = event_seq + (SELECT n_pending + n_new FROM pending)
          WHERE (SELECT docs OR n_pending + n_new > 0 FROM pending)
         RETURNING value, event_seq - (SELECT n_pending + n_new FROM pending) AS first_seq
       ), d AS (
         UPDATE documents SET version = (SELECT value FROM c) WHERE version = 0 RETURNING scope
       ), o AS (
         SELECT id, row_number() OVER (ORDER BY station_id, seq) AS rn FROM events WHERE server_seq IS NULL
       ), e AS (
         UPDATE events SET server_seq = (SELECT first_seq FROM c) + o.rn FROM o WHERE events.id = o.id
         RETURNING 1
       ), ins AS (
         INSERT INTO events (id, station_id, seq, hlc, operator_id, type, payload, v, status, refusal, flag, conflict_no, server_seq)
         SELECT x.id, x."stationId", x.seq, x.hlc, x."operatorId", x.type, x.payload, x.v, x.status,
                CASE WHEN x.status = 'refused' THEN x.refusal END, x.flag, coalesce(x."conflictNo", 0),
                (SELECT first_seq FROM c) + (SELECT n_pending FROM pending) + x.n
         FROM ROWS FROM (json_to_recordset($3::json)
           AS (id uuid, "stationId" text, seq bigint, hlc text, "operatorId" text, type text, payload jsonb, v integer, status text, refusal jsonb, flag jsonb, "conflictNo" smallint))
           WITH ORDINALITY AS x(id, "stationId", seq, hlc, "operatorId", type, payload, v, status, refusal, flag, "conflictNo", n)
         RETURNING 1
       ), n AS (
         SELECT (SELECT value FROM c) AS version,
                json_build_object(
                  'version', (SELECT value FROM c),
                  'scope', (SELECT coalesce(array_agg(DISTINCT t ORDER BY t), '{}'::text[]) FROM d, unnest(d.scope) AS t)
                )::text AS payload
       )
       SELECT CASE WHEN p.docs THEN n.version END AS version,
              ((SELECT count(*) FROM e) + (SELECT count(*) FROM ins))::int AS events,
              p.docs OR p.n_pending + p.n_new > 0 AS pending,
              (SELECT count(*) FROM c)::int AS counters,
              CASE WHEN p.docs THEN pg_notify($1,
                CASE WHEN length(n.payload) > $2 THEN json_build_object('version', n.version, 'scope', NULL)::text ELSE n.payload END
              ) END AS notified
       FROM pending p, n`,
      // The events as given, read by EventInsert's own field names above: no copy of each event to rename fields.
      [CHANGES_CHANNEL, MAX_SCOPE_PAYLOAD, JSON.stringify(inserts), inserts.length],
    );
  } catch (err) {
    throw asEventConflict(err, inserts) ?? err;
  }
  if (row?.pending && row.counters !== 1) throw new Error('change_counter row missing: migrations not applied?');
  return { version: row?.version ?? null, events: row?.events ?? 0 };
}

/** One writing transaction: runs `fn`, then assignVersions() as its last step, then commits. */
export async function writeTx<T>(
  db: Db,
  fn: (q: Queryable) => Promise<T>,
): Promise<{ result: T } & AssignedVersions> {
  return db.tx(async (q) => {
    const result = await fn(q);
    const assigned = await assignVersions(q, { commit: true });
    return { result, ...assigned };
  });
}

export interface ChangeNotification {
  version: number;
  /** Scope tokens touched by the change; null = unknown (too many), treat as relevant to everyone. */
  scope: string[] | null;
}

const notificationSchema = z.object({
  version: z.number().int().positive(),
  scope: z.array(z.string()).nullable(),
});

export function parseChangeNotification(payload: string): ChangeNotification | null {
  try {
    const parsed = notificationSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function isRelevant(change: ChangeNotification, scopeTokens: readonly string[]): boolean {
  return change.scope === null || change.scope.some((t) => scopeTokens.includes(t));
}

export interface PullRequest {
  scopeTokens: string[];
  checkpoint: Checkpoint | null;
  limit: number;
}

export interface PullResult<D = PulledDocument> {
  documents: D[];
  /** Pass back as the next checkpoint. Unchanged (or {version:0}) when nothing new. */
  checkpoint: Checkpoint;
}

/** A pulled document whose body is its JSON text as PostgreSQL writes jsonb out (null: no body). */
export type PulledDocumentText = Omit<PulledDocument, 'body'> & { body: string | null };

/**
 * Documents visible to `scopeTokens` changed after `checkpoint`, oldest change first. `limit` is a target, not a
 * cap: the batch is extended to the end of its last transaction, so a station never applies half of one
 * transaction (e.g. a transfer accepted but the line's WIP count not yet moved). One statement, so one snapshot.
 * The cutoff is a plain upper bound (no cutoff = the largest bigint), not an OR, so the scan of documents_version
 * stops at it instead of filtering every newer row (a station catching up pulls from far behind the head).
 */
export async function pullDocuments(q: Queryable, req: PullRequest): Promise<PullResult> {
  // Bodies are jsonb objects written by writeDocuments.
  return pullRows<PulledDocument>(q, req, 'body');
}

/**
 * pullDocuments with each body as JSON text, not parsed: what the pull route sends on as it is (a catch-up's 20,000
 * bodies were parsed here only to be serialised again, `replication/pull-answer.ts`).
 */
export async function pullDocumentsText(q: Queryable, req: PullRequest): Promise<PullResult<PulledDocumentText>> {
  return pullRows<PulledDocumentText>(q, req, 'body::text AS body');
}

async function pullRows<D extends Row & { version: number }>(q: Queryable, req: PullRequest, body: 'body' | 'body::text AS body'): Promise<PullResult<D>> {
  const from = req.checkpoint?.version ?? 0;
  const limit = Math.max(1, Math.floor(req.limit));
  const rows = await q.query<D>(
    `WITH cutoff AS (
       SELECT version FROM documents
       WHERE version > $1 AND scope && $2::text[]
       ORDER BY version OFFSET $3 - 1 LIMIT 1
     )
     SELECT kind, id, ${body}, deleted, version FROM documents
     WHERE version > $1 AND scope && $2::text[]
       AND version <= coalesce((SELECT version FROM cutoff), 9223372036854775807)
     ORDER BY version, kind, id`,
    [from, req.scopeTokens, limit],
  );
  const last = rows[rows.length - 1];
  return { documents: rows, checkpoint: { version: last ? last.version : from } };
}

/** The latest committed change number (for lag metrics; no lock). */
export async function headVersion(q: Queryable): Promise<number> {
  const [row] = await q.query<{ value: number }>('SELECT value FROM change_counter');
  return row?.value ?? 0;
}

/**
 * The head and the database's epoch, in one statement. The epoch is the `database_epoch` row (migration 0012; a
 * restore or failover procedure makes it again: `npm run db:new-epoch`, run by `npm run db:restore`) joined with
 * the database's own OID, so a restore into a new database (pg_restore into a fresh one, the usual way) changes it
 * even when nobody remembered the procedure. A station compares it with its checkpoint's (pull-cycle.ts).
 */
export async function serverHead(q: Queryable): Promise<{ head: number; epoch: string }> {
  const [row] = await q.query<{ value: number; epoch: string | null }>(
    `SELECT c.value, (SELECT epoch::text FROM database_epoch) || '.' || (SELECT oid::text FROM pg_database WHERE datname = current_database()) AS epoch
     FROM change_counter c`,
  );
  return { head: row?.value ?? 0, epoch: row?.epoch ?? 'none' };
}
