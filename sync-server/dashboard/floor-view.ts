/**
 * The Floor view's read model, from the authoritative documents and the stations table: which stations are up (online,
 * offline or revoked; their last sync, backlog and clock skew are the Fleet's, fleet.ts: they change with every push,
 * and sending them to every open Floor four times a second was most of its bytes), WIP per department and per order
 * along its route (pieces at each place now: complete sets at cutting, by the shared pipeline's `piecesAt`; the first
 * FLOOR_ORDERS_LISTED orders, the others by `findOrders`), transfers
 * in transit, lines with their occupant, and labour time per open SPK (the shared `labourWorked`, running clocks
 * counted up to the view's `at`). Read-only: the documents are written only by the push path (shared rules) and the
 * office's master-data routes.
 */
import { FLOOR_DOC_SCHEMAS, type LineDoc, type TransferDoc, type WorkOrderDoc } from '../../shared/docs';
import { ROUTES, type RouteId } from '../../shared/master';
import { labourWorked } from '../../shared/rules/labour';
import { piecesAt } from '../../shared/rules/pipeline';
import { safeParseKeeping } from '../../shared/unchanged-parse';
import { headVersion } from '../changes';
import type { Queryable } from '../db/types';
import { FLOOR_ORDERS_LISTED, type FloorOrders, type FloorOrdersQuery, type FloorView, type OrderWip, type SpkLabour } from './contract';
import { KeptRows, signature } from './kept-rows';
import { nextTurn } from './turns';

/** A station that pushed or sent a heartbeat (every 15 s by default) within this many seconds is online. */
export const ONLINE_WITHIN_SECONDS = 60;

const IN_TRANSIT: ReadonlySet<TransferDoc['status']> = new Set(['locked', 'awaiting_lock', 'disputed']);
const DEPARTMENT_ORDER = ['cutting', 'embroidery', 'sewing', 'subcon', 'finishing', 'packing'];

function parsed<K extends 'workOrder' | 'transfer' | 'line'>(kind: K, rows: { body: unknown }[]) {
  const schema = FLOOR_DOC_SCHEMAS[kind];
  return rows.flatMap((r) => {
    // Checked without a copy where the schema keeps the document as it is (every changed work order, each round).
    const p = safeParseKeeping(schema, r.body);
    return p.success ? [p.data] : [];
  });
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
 *
 * The per-order rows of the view are kept too and rebuilt only for the orders whose work orders or transfers changed
 * (each work order's WIP with them): computing the whole view from 10,000 work orders at every change blocked the
 * server's event loop for tens of milliseconds, which the stations' pushes waited behind (the benchmark's push-ack
 * p99). An unchanged order keeps its row object, which view-revisions.ts then need not serialise again.
 */
export class FloorDocuments {
  private seen = -1;
  private readonly workOrders = new Map<string, WorkOrderDoc>();
  private readonly transfers = new Map<string, TransferDoc>();
  private readonly lines = new Map<string, LineDoc>();
  /** Open work orders by MO, each order's view row, the orders whose row must be built again, all MO ids in order. */
  private readonly byMo = new Map<string, Set<string>>();
  private readonly wip = new Map<string, number>();
  /** WIP and open work orders per place, kept as work orders change; the open work orders someone clocked. */
  private readonly byPlace = new Map<string, { wip: number; workOrders: number }>();
  private readonly clocked = new Map<string, WorkOrderDoc>();
  private readonly rows = new Map<string, OrderWip>();
  private readonly dirty = new Set<string>();
  /** The stations' rows as last built, kept while a station's status is the same (kept-rows.ts). */
  readonly stationRows = new KeptRows<FloorStationRow, FloorView['stations'][number]>(
    (s) => s.id,
    (s) => signature([s.name, s.department, s.line_id, s.revoked, s.online]),
    (s) => ({ id: s.id, name: s.name, department: s.department, lineId: s.line_id, online: s.online, revoked: s.revoked }),
  );
  private sortedMos: string[] | null = null;
  private refreshing: Promise<void> = Promise.resolve();

  /** Brings the documents up to date (one refresh at a time) and returns them (of the work orders, those someone clocked), with the orders' rows. */
  async read(q: Queryable): Promise<{ workOrders: WorkOrderDoc[]; transfers: TransferDoc[]; lines: LineDoc[]; orders: OrderWip[]; departments: FloorView['departments'] }> {
    const run = this.refreshing.then(() => this.refresh(q));
    this.refreshing = run.catch(() => undefined);
    await run;
    // The orders' rows rebuilt in a turn of their own, after the documents' (the dashboards' live views: turns.ts).
    await nextTurn();
    return {
      workOrders: [...this.clocked.values()],
      transfers: [...this.transfers.values()],
      lines: [...this.lines.values()].sort((a, b) => a.id.localeCompare(b.id)),
      orders: this.orderRows(),
      departments: this.departments(),
    };
  }

  /**
   * The open orders whose MO id, article or destination holds `find` (any case; every order when empty), the first
   * `limit` by MO id, as of the last read (the Floor's search and "show all": the live view lists the first few only).
   */
  findOrders({ find, limit }: FloorOrdersQuery): FloorOrders {
    const needle = find.toLowerCase();
    const all = this.orderRows();
    const matching = needle === '' ? all : all.filter((o) => [o.moId, o.articleCode, o.destination].some((x) => x.toLowerCase().includes(needle)));
    return { orders: matching.slice(0, limit), matching: matching.length };
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
      this.byMo.clear();
      this.wip.clear();
      this.byPlace.clear();
      this.clocked.clear();
      this.rows.clear();
      this.dirty.clear();
      this.sortedMos = null;
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
    const doc = r.deleted ? null : parsed(kind, [{ body: r.body }])[0] ?? null;
    if (kind === 'workOrder') {
      const before = this.workOrders.get(r.id);
      const wo = doc as WorkOrderDoc | null;
      if (before) {
        this.byMo.get(before.moId)?.delete(r.id);
        this.dirty.add(before.moId);
        this.count(before.place, -(this.wip.get(r.id) ?? 0), -1);
      }
      if (wo !== null && wo.status !== 'closed') {
        this.workOrders.set(r.id, wo);
        const wip = Math.max(0, piecesAt(wo));
        this.wip.set(r.id, wip);
        this.count(wo.place, wip, 1);
        if (Object.keys(wo.labour ?? {}).length > 0) this.clocked.set(r.id, wo);
        else this.clocked.delete(r.id);
        const set = this.byMo.get(wo.moId) ?? new Set<string>();
        if (set.size === 0) this.sortedMos = null;
        set.add(r.id);
        this.byMo.set(wo.moId, set);
        this.dirty.add(wo.moId);
      } else {
        this.workOrders.delete(r.id);
        this.wip.delete(r.id);
        this.clocked.delete(r.id);
      }
      if (before && this.byMo.get(before.moId)?.size === 0) {
        this.byMo.delete(before.moId);
        this.sortedMos = null;
      }
      return;
    }
    if (kind === 'transfer') {
      const before = this.transfers.get(r.id);
      if (before) this.dirty.add(before.moId);
      const t = doc as TransferDoc | null;
      if (t !== null && IN_TRANSIT.has(t.status)) {
        this.transfers.set(r.id, t);
        this.dirty.add(t.moId);
      } else this.transfers.delete(r.id);
      return;
    }
    if (doc !== null) this.lines.set(r.id, doc as LineDoc);
    else this.lines.delete(r.id);
  }

  /** Every open order's row by MO id, rebuilt for the orders that changed since the last call. */
  private orderRows(): OrderWip[] {
    if (this.dirty.size > 0) {
      const inTransit = new Map<string, number>();
      for (const t of this.transfers.values()) if (this.dirty.has(t.moId)) inTransit.set(t.moId, (inTransit.get(t.moId) ?? 0) + t.quantity);
      for (const moId of this.dirty) {
        const wos = [...(this.byMo.get(moId) ?? [])].flatMap((id) => this.workOrders.get(id) ?? []);
        const first = wos[0];
        if (!first) {
          this.rows.delete(moId);
          continue;
        }
        const route = ROUTES[first.route as RouteId] ?? [];
        const places = wos
          .map((wo) => ({ place: wo.place, workOrderId: wo.id, wip: this.wip.get(wo.id) ?? 0, planned: wo.plannedQty, status: wo.status }))
          .sort((a, b) => route.indexOf(a.place as never) - route.indexOf(b.place as never) || a.workOrderId.localeCompare(b.workOrderId));
        this.rows.set(moId, { moId, articleCode: first.articleCode, route: first.route, destination: first.destination, shipWeek: first.shipWeek, places, inTransit: inTransit.get(moId) ?? 0 });
      }
      this.dirty.clear();
    }
    this.sortedMos ??= [...this.byMo.keys()].sort((a, b) => a.localeCompare(b));
    return this.sortedMos.flatMap((id) => this.rows.get(id) ?? []);
  }

  private count(place: string, wip: number, workOrders: number): void {
    const d = this.byPlace.get(place) ?? { wip: 0, workOrders: 0 };
    const next = { wip: d.wip + wip, workOrders: d.workOrders + workOrders };
    if (next.workOrders === 0) this.byPlace.delete(place);
    else this.byPlace.set(place, next);
  }

  /** WIP and open work orders per department, in the floor's department order. */
  private departments(): FloorView['departments'] {
    return [...this.byPlace.entries()]
      .map(([department, d]) => ({ department, ...d }))
      .sort((a, b) => DEPARTMENT_ORDER.indexOf(a.department) - DEPARTMENT_ORDER.indexOf(b.department));
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

/** A `stations` row as the Floor view reads it: its status only. */
interface FloorStationRow extends Record<string, unknown> {
  id: string; name: string; department: string; line_id: string | null; revoked: boolean; online: boolean;
}

/** The Floor view now: the stations from their table, the documents from `docs` (a fresh FloorDocuments reads them all). */
export async function loadFloorView(q: Queryable, docs: FloorDocuments = new FloorDocuments()): Promise<FloorView> {
  const [stations, { workOrders, transfers, lines, orders, departments }] = await Promise.all([
    q.query<FloorStationRow>(
      `SELECT id, name, department, line_id, revoked_at IS NOT NULL AS revoked,
              coalesce(greatest(last_push_at, last_seen_at) > now() - make_interval(secs => $1), false) AND revoked_at IS NULL AS online
         FROM stations ORDER BY department, id`,
      [ONLINE_WITHIN_SECONDS],
    ),
    docs.read(q),
  ]);

  const nowMs = Date.now();
  return {
    at: new Date(nowMs).toISOString(),
    stations: docs.stationRows.rows(stations),
    departments,
    orders: orders.slice(0, FLOOR_ORDERS_LISTED),
    ordersOpen: orders.length,
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
