/**
 * The Conflicts view and its reviews.
 *
 * Listed: the latest events the server refused (kept with their reason, never dropped) and the latest it applied with a
 * flag (clock ahead, the station's roster, before enrollment), from the events table (indexed on server_seq for both),
 * each with both sides: what the station sent (the payload) and what the server holds of what it names (the transfer,
 * work orders, line or alert, or for a seq conflict the event holding that seq); and the QT-09 conflict documents
 * with the claim and the transfers holding the pieces.
 *
 * A refused or flagged event is reviewed here (migration 0014): accepted as recorded, dismissed, or needing follow-up,
 * each with who, when and a note. A review is a record beside the event: it never changes or deletes a floor event
 * or document (a refused event stays refused; its station's work is redone at the station if it must be). Accepted or
 * dismissed resolves it (once: it leaves the open list and shows under "resolved"); follow-up notes may come before.
 * A QT-09 conflict is different: it holds pieces and parked work, so it is decided at a station of its department
 * (`conflict.resolved`, badge + PIN, void or apply), which changes the floor; the dashboard shows that decision.
 */
import { FLOOR_DOC_SCHEMAS } from '../../shared/docs';
import type { Db, Queryable } from '../db/types';
import { HttpError } from '../http/route';
import { mayAct } from './alerts';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import { isoOfHlc } from './time';
import type { Account, ConflictReviewBody, ConflictsShow, ConflictsView, RecordedProblem } from './contract';

const LATEST = 200;
/** Fields of a held document shown beside what the station sent (scalars only; lists are summed up by the status). */
const MAX_FIELDS = 12;

interface ProblemRow extends Record<string, unknown> {
  id: string;
  station_id: string;
  department: string | null;
  seq: number;
  type: string;
  operator_id: string | null;
  received_at: Date;
  payload: unknown;
  code: string | null;
  message: string | null;
}

interface ReviewRow extends Record<string, unknown> {
  event_id: string;
  decision: RecordedProblem['reviews'][number]['decision'];
  account_id: string;
  at: Date;
  note: string;
}

/** Resolved: a review that accepted or dismissed it (follow-ups leave it open). */
const RESOLVED = "EXISTS (SELECT 1 FROM conflict_reviews r WHERE r.event_id = e.id AND r.decision <> 'follow_up')";

function readProblems(q: Queryable, which: 'refused' | 'flagged', show: ConflictsShow): Promise<ProblemRow[]> {
  const [where, column] = which === 'refused' ? ["e.status = 'refused'", 'refusal'] : ['e.flag IS NOT NULL', 'flag'];
  return q.query<ProblemRow>(
    `SELECT e.id::text, e.station_id, s.department, e.seq, e.type, e.operator_id, e.received_at, e.payload,
            e.${column}->>'code' AS code, e.${column}->>'message' AS message
       FROM events e LEFT JOIN stations s ON s.id = e.station_id
      WHERE ${where} AND ${show === 'resolved' ? '' : 'NOT '}${RESOLVED}
      ORDER BY e.server_seq DESC LIMIT $1`,
    [LATEST],
  );
}

/** Payload fields naming a document, and its kind. */
const NAMED: readonly (readonly [field: string, kind: string])[] = [
  ['transferId', 'transfer'],
  ['transferId', 'conflict'],
  ['workOrderId', 'workOrder'],
  ['toWorkOrderId', 'workOrder'],
  ['lineId', 'line'],
  ['alertId', 'alert'],
];

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

type Held = RecordedProblem['held'][number];

function heldOf(kind: string, id: string, body: Record<string, unknown>): Held {
  const fields: Held['fields'] = {};
  for (const [k, v] of Object.entries(body)) {
    if (Object.keys(fields).length >= MAX_FIELDS) break;
    if (k === 'kind' || k === 'id' || k === 'status') continue;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { kind, id, status: typeof body.status === 'string' ? body.status : null, fields };
}

/** The server's side of each problem, by event id. */
async function serverSides(q: Queryable, rows: readonly ProblemRow[]): Promise<Map<string, Held[]>> {
  const keys = new Map<string, [string, string]>();
  for (const r of rows) {
    const p = asRecord(r.payload);
    for (const [field, kind] of NAMED) if (typeof p[field] === 'string') keys.set(`${kind}:${p[field]}`, [kind, p[field] as string]);
  }
  const seqConflicts = rows.filter((r) => r.code === 'seq_conflict');
  const [docs, holders] = await Promise.all([
    keys.size === 0
      ? []
      : q.query<{ kind: string; id: string; body: unknown }>(
          'SELECT d.kind, d.id, d.body FROM documents d JOIN unnest($1::text[], $2::text[]) AS k(kind, id) ON d.kind = k.kind AND d.id = k.id WHERE NOT d.deleted',
          [[...keys.values()].map((k) => k[0]), [...keys.values()].map((k) => k[1])],
        ),
    seqConflicts.length === 0
      ? []
      : q.query<{ station_id: string; seq: number; id: string; type: string; status: string; hlc: string; operator_id: string | null }>(
          `SELECT e.station_id, e.seq, e.id::text, e.type, e.status, e.hlc, e.operator_id FROM events e
             JOIN unnest($1::text[], $2::bigint[]) AS k(station_id, seq) ON e.station_id = k.station_id AND e.seq = k.seq
            WHERE e.conflict_no = 0`,
          [seqConflicts.map((r) => r.station_id), seqConflicts.map((r) => r.seq)],
        ),
  ]);
  const byKey = new Map(docs.map((d) => [`${d.kind}:${d.id}`, heldOf(d.kind, d.id, asRecord(d.body))]));
  const out = new Map<string, Held[]>();
  for (const r of rows) {
    const p = asRecord(r.payload);
    const named = [...new Set(NAMED.flatMap(([field, kind]) => (typeof p[field] === 'string' ? [`${kind}:${p[field]}`] : [])))];
    const held = named.flatMap((k) => byKey.get(k) ?? []);
    for (const h of holders) {
      if (r.code === 'seq_conflict' && h.station_id === r.station_id && Number(h.seq) === Number(r.seq)) {
        held.push({ kind: 'event', id: h.id, status: h.status, fields: { type: h.type, seq: Number(h.seq), at: isoOfHlc(h.hlc), operatorId: h.operator_id } });
      }
    }
    out.set(r.id, held);
  }
  return out;
}

async function withSides(q: Queryable, rows: readonly ProblemRow[]): Promise<RecordedProblem[]> {
  const [sides, reviews] = await Promise.all([
    serverSides(q, rows),
    rows.length === 0
      ? []
      : q.query<ReviewRow>('SELECT event_id::text, decision, account_id, at, note FROM conflict_reviews WHERE event_id = ANY($1::uuid[]) ORDER BY id', [rows.map((r) => r.id)]),
  ]);
  return rows.map((r) => {
    const own = reviews.filter((v) => v.event_id === r.id).map((v) => ({ decision: v.decision, by: v.account_id, at: new Date(v.at).toISOString(), note: v.note }));
    return {
      eventId: r.id,
      stationId: r.station_id,
      department: r.department,
      seq: Number(r.seq),
      type: r.type,
      operatorId: r.operator_id,
      receivedAt: new Date(r.received_at).toISOString(),
      code: r.code ?? 'unknown',
      message: r.message ?? '',
      sent: asRecord(r.payload),
      held: sides.get(r.id) ?? [],
      review: own.some((v) => v.decision !== 'follow_up') ? 'resolved' : own.length > 0 ? 'follow_up' : 'open',
      reviews: own,
      mayReview: false,
    };
  });
}

export async function loadConflictsView(q: Queryable, show: ConflictsShow = 'open'): Promise<ConflictsView> {
  const [refused, flagged, docs] = await Promise.all([
    readProblems(q, 'refused', show),
    readProblems(q, 'flagged', show),
    q.query<{ body: unknown }>(
      `SELECT body FROM documents WHERE kind = 'conflict' AND NOT deleted AND (body->>'status' = 'resolved') = $2 ORDER BY version DESC LIMIT $1`,
      [LATEST, show === 'resolved'],
    ),
  ]);
  const conflicts = docs.flatMap((d) => {
    const p = FLOOR_DOC_SCHEMAS.conflict.safeParse(d.body);
    if (!p.success) return [];
    const c = p.data;
    return [
      {
        id: c.id,
        type: c.type,
        status: c.status,
        moId: c.moId,
        workOrderId: c.workOrderId,
        toWorkOrderId: c.toWorkOrderId,
        quantity: c.quantity,
        claim: { type: c.claim.type, stationId: c.claim.stationId, operatorId: c.claim.operatorId, at: isoOfHlc(c.claim.at) },
        holders: c.holders.map((h) => ({ transferId: h.transferId, fromStationId: h.fromStationId, quantity: h.quantity, status: h.status })),
        waiting: c.parked.length,
        resolution: c.resolution ? { decision: c.resolution.decision, by: c.resolution.by, note: c.resolution.note, at: isoOfHlc(c.resolution.at) } : null,
        raisedAt: isoOfHlc(c.raisedAt),
      },
    ];
  });
  // Open first, then waiting, then resolved.
  const rank = (s: string) => ['open', 'waiting', 'resolved'].indexOf(s);
  conflicts.sort((a, b) => rank(a.status) - rank(b.status) || b.raisedAt.localeCompare(a.raisedAt));
  return { refused: await withSides(q, refused), flagged: await withSides(q, flagged), conflicts };
}

/** The view as one person sees it: which problems they may review (the rest of the view is everyone's). */
export function conflictsFor(viewer: Account, view: ConflictsView): ConflictsView {
  const mark = (rows: readonly RecordedProblem[]) => rows.map((r) => ({ ...r, mayReview: r.review !== 'resolved' && mayAct(viewer, r.department) }));
  return { ...view, refused: mark(view.refused), flagged: mark(view.flagged) };
}

/**
 * Records a review of a refused or flagged event: 404 no such event, 409 an event that was neither refused nor flagged
 * or one already resolved, 403 another department's (a supervisor of the station's department, a QC inspector of it or
 * of all, an admin may). One at a time per event (advisory lock): two people resolving together record one, the other
 * is told. The event itself is not touched.
 */
export async function recordReview(db: Db, who: Account, eventId: string, body: ConflictReviewBody): Promise<void> {
  await dashboardTx(db, async (q) => {
    await q.query("SELECT pg_advisory_xact_lock(hashtext('conflict-review:' || $1))", [eventId]);
    const [event] = await q.query<{ status: string; flagged: boolean; department: string | null }>(
      'SELECT e.status, e.flag IS NOT NULL AS flagged, s.department FROM events e LEFT JOIN stations s ON s.id = e.station_id WHERE e.id = $1::uuid',
      [eventId],
    );
    if (!event) throw new HttpError(404, 'not_found', `no event ${eventId}`);
    if (event.status !== 'refused' && !event.flagged) throw new HttpError(409, 'not_a_conflict', `event ${eventId} was applied without a flag: nothing to review`);
    if (!mayAct(who, event.department)) {
      throw new HttpError(403, 'not_your_department', `event ${eventId} is from ${event.department ?? 'an unknown department'}; ${who.id} (${who.role}${who.department ? `, ${who.department}` : ''}) may not review it`);
    }
    const [resolved] = await q.query<{ decision: string; account_id: string }>(
      "SELECT decision, account_id FROM conflict_reviews WHERE event_id = $1::uuid AND decision <> 'follow_up'",
      [eventId],
    );
    if (resolved) throw new HttpError(409, 'already_resolved', `event ${eventId} was already resolved (${resolved.decision} by ${resolved.account_id})`);
    await q.query('INSERT INTO conflict_reviews (event_id, decision, account_id, role, note) VALUES ($1::uuid, $2, $3, $4, $5)', [eventId, body.decision, who.id, who.role, body.note]);
    await audit(q, who, 'conflict.review', eventId, { decision: body.decision, note: body.note }, true);
  });
}
