/**
 * Commit-ordered change numbers, document writes and checkpointed pulls.
 *
 * WHY a locked counter row: a puller remembers "I have everything up to N" and next asks for `> N`. That is only
 * safe if no row numbered <= N can become visible after the puller read N. `now()` is the transaction's START
 * time, and a sequence value (`nextval`, `bigserial`) is taken when the row is written, not when it commits: a
 * transaction that takes 7, then waits, commits after one that took 8 — a puller that already saw 8 skips 7 forever.
 * Here every writing transaction, as its very last step, locks the single `change_counter` row
 * (`SELECT ... FOR UPDATE`), takes the next number and commits while holding the lock. The next writer cannot get
 * a number until this one has committed (PostgreSQL releases row locks only after the commit is visible), so
 * numbers become visible in increasing order. Writers only queue for the short stretch between
 * assignVersions() and COMMIT; the rest of their work runs in parallel.
 *
 * All documents written by one transaction share its change number (documents.version), which is also how a
 * pull knows where a transaction ends: batches are cut only between versions, never inside one.
 */
import { z } from 'zod';
import type { Db, Queryable } from './db/types';

export const CHANGES_CHANNEL = 'qsf_changes';

/** Scope tokens: who may pull a document. */
export const scope = {
  all: 'all',
  dept: (department: string) => `dept:${department}`,
  station: (stationId: string) => `station:${stationId}`,
} as const;

export function scopeTokensFor(station: { id: string; department: string }): string[] {
  return [scope.all, scope.dept(station.department), scope.station(station.id)];
}

export interface DocumentWrite {
  kind: string;
  id: string;
  /** Any JSON-serialisable value (stored as jsonb). */
  body: unknown;
  scope: string[];
  deleted?: boolean;
}

export interface PulledDocument {
  kind: string;
  id: string;
  body: unknown;
  deleted: boolean;
  version: number;
}

export interface Checkpoint {
  version: number;
}

export const checkpointSchema = z.object({ version: z.number().int().nonnegative() });

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

/** Above this the NOTIFY payload (8000 bytes max) carries no scope list and every stream treats it as relevant. */
const MAX_SCOPE_PAYLOAD = 7000;

/**
 * Call as the LAST statement of every transaction that wrote documents (writeDocuments) or events (server_seq NULL):
 * stamps them with commit-ordered numbers and queues `NOTIFY qsf_changes`, which PostgreSQL delivers only when (and
 * if) the transaction commits, so a listener can never hear of a change it cannot yet read.
 * Prefer writeTx(), which calls it for you.
 */
export async function assignVersions(q: Queryable): Promise<AssignedVersions> {
  const [pending] = await q.query<{ docs: boolean; events: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM documents WHERE version = 0) AS docs,
            EXISTS (SELECT 1 FROM events WHERE server_seq IS NULL) AS events`,
  );
  if (!pending?.docs && !pending?.events) return { version: null, events: 0 };

  const [counter] = await q.query<{ value: number; event_seq: number }>(
    'SELECT value, event_seq FROM change_counter FOR UPDATE',
  );
  if (!counter) throw new Error('change_counter row missing: migrations not applied?');

  let version: number | null = null;
  let tokens: string[] | null = [];
  if (pending.docs) {
    version = counter.value + 1;
    const [stamped] = await q.query<{ tokens: string[] | null }>(
      `WITH u AS (UPDATE documents SET version = $1 WHERE version = 0 RETURNING scope)
       SELECT array_agg(DISTINCT t) AS tokens FROM u, unnest(u.scope) AS t`,
      [version],
    );
    tokens = stamped?.tokens ?? [];
  }

  let events = 0;
  if (pending.events) {
    // Within one transaction, events are numbered by station and station seq: deterministic, and the order the
    // station produced them in.
    const [seqd] = await q.query<{ n: number }>(
      `WITH p AS (
         SELECT id, row_number() OVER (ORDER BY station_id, seq) AS rn FROM events WHERE server_seq IS NULL
       ), u AS (
         UPDATE events e SET server_seq = $1 + p.rn FROM p WHERE e.id = p.id RETURNING 1
       )
       SELECT count(*)::int AS n FROM u`,
      [counter.event_seq],
    );
    events = seqd?.n ?? 0;
  }

  await q.query('UPDATE change_counter SET value = $1, event_seq = $2', [
    version ?? counter.value,
    counter.event_seq + events,
  ]);

  if (version !== null) {
    let payload = JSON.stringify({ version, scope: tokens });
    if (payload.length > MAX_SCOPE_PAYLOAD) payload = JSON.stringify({ version, scope: null });
    await q.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]);
  }
  return { version, events };
}

/** One writing transaction: runs `fn`, then assignVersions() as its last step, then commits. */
export async function writeTx<T>(
  db: Db,
  fn: (q: Queryable) => Promise<T>,
): Promise<{ result: T } & AssignedVersions> {
  return db.tx(async (q) => {
    const result = await fn(q);
    const assigned = await assignVersions(q);
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

export interface PullResult {
  documents: PulledDocument[];
  /** Pass back as the next checkpoint. Unchanged (or {version:0}) when nothing new. */
  checkpoint: Checkpoint;
}

/**
 * Documents visible to `scopeTokens` changed after `checkpoint`, oldest change first. `limit` is a target, not a
 * cap: the batch is extended to the end of its last transaction, so a station never applies half of one
 * transaction (e.g. a transfer accepted but the line's WIP count not yet moved). One statement, so one snapshot.
 */
export async function pullDocuments(q: Queryable, req: PullRequest): Promise<PullResult> {
  const from = req.checkpoint?.version ?? 0;
  const limit = Math.max(1, Math.floor(req.limit));
  const rows = await q.query<{ kind: string; id: string; body: unknown; deleted: boolean; version: number }>(
    `WITH cutoff AS (
       SELECT version FROM documents
       WHERE version > $1 AND scope && $2::text[]
       ORDER BY version OFFSET $3 - 1 LIMIT 1
     )
     SELECT kind, id, body, deleted, version FROM documents
     WHERE version > $1 AND scope && $2::text[]
       AND (NOT EXISTS (SELECT 1 FROM cutoff) OR version <= (SELECT version FROM cutoff))
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
