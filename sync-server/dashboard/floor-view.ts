/**
 * The Floor view's read model, from the authoritative documents and the stations table: the fleet (online, last sync,
 * backlog, clock skew), WIP per department and per order along its route (pieces at each place now: complete sets at
 * cutting, by the shared pipeline's `piecesAt`), transfers in transit, lines with their occupant, and labour time per
 * open SPK (the shared `labourWorked`, running clocks counted up to the view's `at`). Read-only: the
 * documents are written only by the push path (shared rules) and the office's master-data routes.
 */
import { FLOOR_DOC_SCHEMAS, type LineDoc, type TransferDoc, type WorkOrderDoc } from '../../shared/docs';
import { ROUTES, type RouteId } from '../../shared/master';
import { labourWorked } from '../../shared/rules/labour';
import { piecesAt } from '../../shared/rules/pipeline';
import { headVersion } from '../changes';
import type { Queryable } from '../db/types';
import type { FloorView, OrderWip, SpkLabour } from './contract';

/** A station that pushed or sent a heartbeat (every 15 s by default) within this many seconds is online. */
export const ONLINE_WITHIN_SECONDS = 60;

const IN_TRANSIT: ReadonlySet<TransferDoc['status']> = new Set(['locked', 'awaiting_lock', 'disputed']);
const DEPARTMENT_ORDER = ['cutting', 'embroidery', 'sewing', 'subcon', 'finishing', 'packing'];

function parsed<K extends 'workOrder' | 'transfer' | 'line'>(kind: K, rows: { body: unknown }[]) {
  const schema = FLOOR_DOC_SCHEMAS[kind];
  return rows.flatMap((r) => {
    const p = schema.safeParse(r.body);
    return p.success ? [p.data] : [];
  });
}

/** A `stations` row (with `last_sync` and `online` computed as below) as the dashboard shows its status. */
export function stationStatus(s: {
  id: string; name: string; department: string; line_id: string | null; revoked_at: Date | null; last_sync: Date | null; online: boolean; backlog: number | null; clock_skew_ms: number | null;
}) {
  return {
    id: s.id,
    name: s.name,
    department: s.department,
    lineId: s.line_id,
    online: s.online,
    revoked: s.revoked_at !== null,
    lastSyncAt: s.last_sync ? new Date(s.last_sync).toISOString() : null,
    backlog: s.backlog,
    clockSkewMs: s.clock_skew_ms === null ? null : Number(s.clock_skew_ms),
  };
}

/** Labour per open SPK that someone clocked, in SPK order: per operator, and the total as of `nowMs`. */
export function labourOf(workOrders: readonly WorkOrderDoc[], nowMs: number): SpkLabour[] {
  return workOrders
    .filter((wo) => Object.keys(wo.labour ?? {}).length > 0)
    .map((wo) => {
      const worked = labourWorked(wo, nowMs);
      return {
        workOrderId: wo.id,
        place: wo.place,
        totalMs: worked.totalMs,
        operators: Object.entries(wo.labour ?? {})
          .map(([operatorId, clock]) => ({ operatorId, state: clock.state, workedMs: worked.byOperator[operatorId] ?? 0 }))
          .sort((a, b) => a.operatorId.localeCompare(b.operatorId)),
      };
    })
    .sort((a, b) => a.workOrderId.localeCompare(b.workOrderId));
}

/**
 * The floor's open work orders, in-transit transfers and lines, kept in memory and brought up to date from the change
 * numbers: a refresh reads only the documents written since the last one (`version > seen`), so a busy floor with
 * 10,000 open work orders costs each dashboard re-read the few documents that changed, not all of them (the
 * dashboard benchmark, tests/bench/dashboard.bench.ts, measured the full read at seconds under load). Change numbers
 * are handed out under the counter's row lock, so they commit in order and nothing below `seen` can appear later. A
 * head below `seen` (the database went back: restored, failed over) loads everything again.
 */
export class FloorDocuments {
  private seen = -1;
  private readonly workOrders = new Map<string, WorkOrderDoc>();
  private readonly transfers = new Map<string, TransferDoc>();
  private readonly lines = new Map<string, LineDoc>();
  private refreshing: Promise<void> = Promise.resolve();

  /** Brings the documents up to date (one refresh at a time) and returns them. */
  async read(q: Queryable): Promise<{ workOrders: WorkOrderDoc[]; transfers: TransferDoc[]; lines: LineDoc[] }> {
    const run = this.refreshing.then(() => this.refresh(q));
    this.refreshing = run.catch(() => undefined);
    await run;
    return {
      workOrders: [...this.workOrders.values()],
      transfers: [...this.transfers.values()],
      lines: [...this.lines.values()].sort((a, b) => a.id.localeCompare(b.id)),
    };
  }

  private async refresh(q: Queryable): Promise<void> {
    const head = await headVersion(q);
    if (head < this.seen) this.seen = -1;
    const full = this.seen < 0;
    const rows = full
      ? await q.query<FloorDocRow>("SELECT kind, id, body, deleted, version FROM documents WHERE kind = ANY($1::text[]) AND NOT deleted", [FLOOR_VIEW_KINDS])
      : await q.query<FloorDocRow>('SELECT kind, id, body, deleted, version FROM documents WHERE version > $1 AND kind = ANY($2::text[]) ORDER BY version', [this.seen, FLOOR_VIEW_KINDS]);
    if (full) {
      this.workOrders.clear();
      this.transfers.clear();
      this.lines.clear();
    }
    let seen = full ? head : this.seen;
    for (const r of rows) {
      this.apply(r);
      seen = Math.max(seen, Number(r.version));
    }
    this.seen = seen;
  }

  private apply(r: FloorDocRow): void {
    const kind = r.kind as (typeof FLOOR_VIEW_KINDS)[number];
    const table: Map<string, WorkOrderDoc | TransferDoc | LineDoc> = kind === 'workOrder' ? this.workOrders : kind === 'transfer' ? this.transfers : this.lines;
    const doc = r.deleted ? null : parsed(kind, [{ body: r.body }])[0] ?? null;
    const keep =
      doc !== null &&
      (kind === 'workOrder' ? (doc as WorkOrderDoc).status !== 'closed' : kind === 'transfer' ? IN_TRANSIT.has((doc as TransferDoc).status) : true);
    if (keep) table.set(r.id, doc);
    else table.delete(r.id);
  }
}

const FLOOR_VIEW_KINDS = ['workOrder', 'transfer', 'line'] as const;
type FloorDocRow = {
  kind: string;
  id: string;
  body: unknown;
  deleted: boolean;
  version: number | string;
};

/** The Floor view now: the stations from their table, the documents from `docs` (a fresh FloorDocuments reads them all). */
export async function loadFloorView(q: Queryable, docs: FloorDocuments = new FloorDocuments()): Promise<FloorView> {
  const [stations, { workOrders, transfers, lines }] = await Promise.all([
    q.query<{
      id: string; name: string; department: string; line_id: string | null; revoked_at: Date | null;
      last_sync: Date | null; online: boolean; backlog: number | null; clock_skew_ms: number | null; last_applied_seq: number | null;
    }>(
      `SELECT s.id, s.name, s.department, s.line_id, s.revoked_at, s.backlog, s.clock_skew_ms, p.last_applied_seq,
              greatest(s.last_push_at, s.last_seen_at) AS last_sync,
              coalesce(greatest(s.last_push_at, s.last_seen_at) > now() - make_interval(secs => $1), false) AND s.revoked_at IS NULL AS online
         FROM stations s LEFT JOIN station_progress p ON p.station_id = s.id
        ORDER BY s.department, s.id`,
      [ONLINE_WITHIN_SECONDS],
    ),
    docs.read(q),
  ]);

  const inTransitByMo = new Map<string, number>();
  for (const t of transfers) inTransitByMo.set(t.moId, (inTransitByMo.get(t.moId) ?? 0) + t.quantity);

  const orders = new Map<string, OrderWip>();
  const byDept = new Map<string, { wip: number; workOrders: number }>();
  for (const wo of workOrders) {
    const wip = Math.max(0, piecesAt(wo));
    let order = orders.get(wo.moId);
    if (!order) {
      order = { moId: wo.moId, articleCode: wo.articleCode, route: wo.route, destination: wo.destination, shipWeek: wo.shipWeek, places: [], inTransit: inTransitByMo.get(wo.moId) ?? 0 };
      orders.set(wo.moId, order);
    }
    order.places.push({ place: wo.place, workOrderId: wo.id, wip, planned: wo.plannedQty, status: wo.status });
    const d = byDept.get(wo.place) ?? { wip: 0, workOrders: 0 };
    byDept.set(wo.place, { wip: d.wip + wip, workOrders: d.workOrders + 1 });
  }
  for (const o of orders.values()) {
    const route = ROUTES[o.route as RouteId] ?? [];
    o.places.sort((a, b) => route.indexOf(a.place as never) - route.indexOf(b.place as never));
  }

  const nowMs = Date.now();
  return {
    at: new Date(nowMs).toISOString(),
    stations: stations.map((s) => ({ ...stationStatus(s), lastAppliedSeq: s.last_applied_seq === null ? null : Number(s.last_applied_seq) })),
    departments: [...byDept.entries()]
      .map(([department, d]) => ({ department, ...d }))
      .sort((a, b) => DEPARTMENT_ORDER.indexOf(a.department) - DEPARTMENT_ORDER.indexOf(b.department)),
    orders: [...orders.values()].sort((a, b) => a.moId.localeCompare(b.moId)),
    transfersInTransit: transfers
      .map((t) => ({ id: t.id, moId: t.moId, articleCode: t.articleCode, quantity: t.quantity, from: t.from, to: t.to, status: t.status, createdAt: t.createdAt }))
      .sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '')),
    lines: lines.map((l) => ({
      id: l.id,
      department: l.department,
      occupant: l.occupant ? { articleCode: l.occupant.articleCode, destination: l.occupant.destination, workOrderId: l.occupant.workOrderId } : null,
      halted: l.halt !== null,
      haltCause: l.halt?.cause ?? null,
      verification: l.verification.status,
      openAlerts: l.alerts?.length ?? 0,
    })),
    labour: labourOf(workOrders, nowMs),
  };
}
