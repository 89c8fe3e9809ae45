/**
 * The Conflicts view's read model: the latest events the server refused (kept with their reason, never dropped) and
 * the latest it applied with a flag, from the events table (indexed on server_seq for both), and the QT-09 conflict
 * documents with both sides: the claim and the transfers holding the pieces. Read-only: a conflict is resolved by a
 * supervisor's `conflict.resolved` at a station (badge + PIN), decided by the shared rules; the dashboard has no event
 * of its own to record that with (see alerts.ts on why it does not write floor documents).
 */
import { FLOOR_DOC_SCHEMAS } from '../../shared/docs';
import type { Queryable } from '../db/types';
import { isoOfHlc } from './time';
import type { ConflictsView } from './contract';

const LATEST = 200;


interface ProblemRow extends Record<string, unknown> {
  id: string;
  station_id: string;
  seq: number;
  type: string;
  operator_id: string | null;
  received_at: Date;
  code: string | null;
  message: string | null;
}

const problems = (rows: ProblemRow[]) =>
  rows.map((r) => ({
    eventId: r.id,
    stationId: r.station_id,
    seq: Number(r.seq),
    type: r.type,
    operatorId: r.operator_id,
    receivedAt: new Date(r.received_at).toISOString(),
    code: r.code ?? 'unknown',
    message: r.message ?? '',
  }));

export async function loadConflictsView(q: Queryable): Promise<ConflictsView> {
  const columns = `id::text, station_id, seq, type, operator_id, received_at`;
  const [refused, flagged, docs] = await Promise.all([
    q.query<ProblemRow>(
      `SELECT ${columns}, refusal->>'code' AS code, refusal->>'message' AS message
         FROM events WHERE status = 'refused' ORDER BY server_seq DESC LIMIT $1`,
      [LATEST],
    ),
    q.query<ProblemRow>(
      `SELECT ${columns}, flag->>'code' AS code, flag->>'message' AS message
         FROM events WHERE flag IS NOT NULL ORDER BY server_seq DESC LIMIT $1`,
      [LATEST],
    ),
    q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'conflict' AND NOT deleted ORDER BY version DESC LIMIT $1", [LATEST]),
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
  return { refused: problems(refused), flagged: problems(flagged), conflicts };
}
