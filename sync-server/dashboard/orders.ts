/**
 * PPIC's manufacturing orders on the dashboard. An MO starts as a draft (`dashboard_order_drafts`, migration 0010:
 * stations never see it) and PPIC's approval releases it: `releaseOrder` writes the MO and its fan-out, one SPK per
 * place on its route (shared/master.ts `fanOut`), as the documents the stations pull. `releaseOrder` is the one place
 * an MO is fanned out on the server: the admin API's `POST /api/manufacturing-orders` (floor/routes.ts) calls it too.
 * Every create and approve is audited (and notifies live dashboards).
 */
import { FLOOR_DOC_SCHEMAS, newWorkOrderDoc, type WorkOrderDoc } from '../../shared/docs';
import { fanOut, ManufacturingOrder, ROUTES, type Place } from '../../shared/master';
import { PIPELINE, piecesAt, stageCount } from '../../shared/rules/pipeline';
import { floorDocScope } from '../../shared/sync';
import { safeParseKeeping } from '../../shared/unchanged-parse';
import { headVersion, writeDocuments } from '../changes';
import type { Db, Queryable } from '../db/types';
import { HttpError } from '../http/route';
import { audit } from './audit';
import { dashboardTx, dashboardWriteTx } from './write-tx';
import type { Account, OrderRow, OrdersView } from './contract';

/** The Orders view lists this many MOs, newest id first. */
const MAX_ORDERS = 500;

/** Writes the MO and its SPKs as documents, or returns null (nothing written) when the MO exists already. */
export async function releaseOrder(q: Queryable, mo: ManufacturingOrder): Promise<string[] | null> {
  const workOrders = fanOut(mo).map((wo) => newWorkOrderDoc(wo));
  const [exists] = await q.query("SELECT 1 FROM documents WHERE kind = 'manufacturingOrder' AND id = $1", [mo.id]);
  if (exists) return null;
  await writeDocuments(q, [
    { kind: 'manufacturingOrder', id: mo.id, body: mo, scope: ['office'] },
    ...workOrders.map((wo) => ({ kind: wo.kind, id: wo.id, body: wo, scope: floorDocScope(wo) })),
  ]);
  return workOrders.map((w) => w.id);
}

const exists = (id: string) => new HttpError(409, 'exists', `manufacturing order ${id} already exists`);

/** A new draft; 409 when the id is taken by a draft or a released MO (nothing changed). */
export async function createDraft(db: Db, mo: ManufacturingOrder, by: Account): Promise<void> {
  await dashboardTx(db, async (q) => {
    const [released] = await q.query("SELECT 1 FROM documents WHERE kind = 'manufacturingOrder' AND id = $1", [mo.id]);
    if (released) throw exists(mo.id);
    const rows = await q.query(
      `INSERT INTO dashboard_order_drafts (id, body, status, created_by) VALUES ($1, $2::jsonb, 'draft', $3)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [mo.id, JSON.stringify(mo), by.id],
    );
    if (rows.length === 0) throw exists(mo.id);
    await audit(q, by, 'order.created', mo.id, { articleCode: mo.articleCode, quantity: mo.quantity, route: mo.route }, true);
  });
}

/** Approves a draft: its fan-out written, the draft marked approved and the step audited, in one transaction. */
export async function approveDraft(db: Db, id: string, by: Account): Promise<string[]> {
  return dashboardWriteTx(db, async (q) => {
    const [draft] = await q.query<{ body: unknown; status: string }>('SELECT body, status FROM dashboard_order_drafts WHERE id = $1 FOR UPDATE', [id]);
    if (!draft) throw new HttpError(404, 'not_found', `no draft manufacturing order ${id}`);
    if (draft.status !== 'draft') throw new HttpError(409, 'already_approved', `manufacturing order ${id} is approved already`);
    const workOrders = await releaseOrder(q, ManufacturingOrder.parse(draft.body));
    if (!workOrders) throw exists(id);
    await q.query("UPDATE dashboard_order_drafts SET status = 'approved', approved_by = $2, approved_at = now() WHERE id = $1", [id, by.id]);
    await audit(q, by, 'order.approved', id, { workOrders }, true);
    return workOrders;
  });
}

/** Complete sets done at a place: its last stage's count (cutting's `cut` counts sets by the bill); the vendor's: what went out. */
function done(wo: WorkOrderDoc): number {
  const stages = PIPELINE[wo.place];
  const last = stages[stages.length - 1];
  return last === undefined ? wo.receivedQty : stageCount(wo, last);
}

interface DraftRow extends Record<string, unknown> {
  id: string;
  body: unknown;
  status: string;
  created_by: string;
  created_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
}

type Progress = OrderRow['progress'][number];

/** A work order as the Orders view shows its progress (null: not a work order the floor rules can read). */
function progressOf(body: unknown): { moId: string; progress: Progress } | null {
  // Checked without a copy where the schema keeps the document as it is (shared/unchanged-parse.ts).
  const wo = safeParseKeeping(FLOOR_DOC_SCHEMAS.workOrder, body);
  if (!wo.success) return null;
  const w = wo.data;
  return { moId: w.moId, progress: { place: w.place, workOrderId: w.id, status: w.status, planned: w.plannedQty, done: done(w), wip: Math.max(0, piecesAt(w)) } };
}

/**
 * The released MOs and the progress of the work orders of those listed (the newest MAX_ORDERS), kept in memory and
 * brought up to date from the change numbers as FloorDocuments does (floor-view.ts): a computation reads only the
 * documents written since the last one, so 50 dashboards on a busy floor do not each cost every listed MO's work
 * orders read and parsed again (the dashboard benchmark's profile: most of the server's dashboard time). An MO that
 * comes into the list has its work orders read then; one that leaves it, its progress dropped. A head below what
 * was seen (the database went back) reads everything again.
 */
export class OrderDocuments {
  private seen = -1;
  private readonly mos = new Map<string, ManufacturingOrder>();
  private listed = new Set<string>();
  private readonly progress = new Map<string, { moId: string; progress: Progress }>();
  /** MO ids newest first (null: to sort again), each listed MO's progress list (rebuilt when one of its work orders changed). */
  private newestFirst: string[] | null = null;
  private readonly progressByMo = new Map<string, Progress[]>();
  private readonly dirty = new Set<string>();
  /** Rows of the view as last built, kept while what they were built from is the same (loadOrdersView). */
  readonly rows = new Map<string, { from: readonly unknown[]; row: OrderRow }>();
  private refreshing: Promise<void> = Promise.resolve();

  /** Brings the documents up to date (one refresh at a time): the listed MOs, newest id first, and their work orders' progress. */
  async read(q: Queryable): Promise<{ released: ManufacturingOrder[]; progress: Progress[][] }> {
    const run = this.refreshing.then(() => this.refresh(q));
    this.refreshing = run.catch(() => undefined);
    await run;
    const released = [...this.listed].flatMap((id) => this.mos.get(id) ?? []);
    if (this.dirty.size > 0) {
      const byMo = new Map<string, Progress[]>();
      for (const { moId, progress } of this.progress.values()) if (this.dirty.has(moId)) byMo.set(moId, [...(byMo.get(moId) ?? []), progress]);
      for (const moId of this.dirty) this.progressByMo.set(moId, (byMo.get(moId) ?? []).sort((a, b) => (a.workOrderId < b.workOrderId ? -1 : 1)));
      this.dirty.clear();
    }
    for (const moId of this.progressByMo.keys()) if (!this.listed.has(moId)) this.progressByMo.delete(moId);
    return { released, progress: released.map((m) => this.progressByMo.get(m.id) ?? []) };
  }

  private async refresh(q: Queryable): Promise<void> {
    const head = await headVersion(q);
    if (head < this.seen) this.seen = -1;
    const full = this.seen < 0;
    const rows = full
      ? await q.query<DocRow>("SELECT kind, id, body, deleted, version FROM documents WHERE kind = 'manufacturingOrder' AND NOT deleted")
      : await q.query<DocRow>("SELECT kind, id, body, deleted, version FROM documents WHERE version > $1 AND kind IN ('manufacturingOrder', 'workOrder') ORDER BY version", [this.seen]);
    if (full) {
      this.mos.clear();
      this.listed = new Set();
      this.progress.clear();
      this.progressByMo.clear();
      this.rows.clear();
      this.newestFirst = null;
    }
    let seen = full ? head : this.seen;
    const workOrders: DocRow[] = [];
    for (const r of rows) {
      seen = Math.max(seen, Number(r.version));
      if (r.kind === 'workOrder') {
        workOrders.push(r);
        continue;
      }
      const had = this.mos.has(r.id);
      const m = r.deleted ? null : ManufacturingOrder.safeParse(r.body);
      if (m?.success) this.mos.set(r.id, m.data);
      else this.mos.delete(r.id);
      if (had !== this.mos.has(r.id)) this.newestFirst = null;
    }
    this.newestFirst ??= [...this.mos.keys()].sort((a, b) => b.localeCompare(a));
    const listed = new Set(this.newestFirst.slice(0, MAX_ORDERS));
    for (const r of workOrders) {
      const before = this.progress.get(r.id);
      if (before) this.dirty.add(before.moId);
      const p = r.deleted ? null : progressOf(r.body);
      if (p && listed.has(p.moId)) {
        this.progress.set(r.id, p);
        this.dirty.add(p.moId);
      } else this.progress.delete(r.id);
    }
    for (const [id, p] of this.progress) if (!listed.has(p.moId)) this.progress.delete(id);
    const added = [...listed].filter((id) => !this.listed.has(id));
    if (added.length > 0) {
      const wos = await q.query<{ id: string; body: unknown }>("SELECT id, body FROM documents WHERE kind = 'workOrder' AND NOT deleted AND body->>'moId' = ANY($1::text[])", [added]);
      for (const r of wos) {
        const p = progressOf(r.body);
        if (p) this.progress.set(r.id, p);
      }
      for (const id of added) this.dirty.add(id);
    }
    this.listed = listed;
    this.seen = seen;
  }
}

interface DocRow extends Record<string, unknown> {
  kind: string;
  id: string;
  body: unknown;
  deleted: boolean;
  version: number | string;
}

/** An MO's progress along its route. */
function sortedProgress(mo: ManufacturingOrder, progress: readonly Progress[]): Progress[] {
  const route: readonly string[] = ROUTES[mo.route as keyof typeof ROUTES] ?? [];
  return [...progress].sort((a, b) => route.indexOf(a.place as Place) - route.indexOf(b.place as Place));
}

/** The Orders view now: drafts from their table, released MOs and progress from `docs` (a fresh OrderDocuments reads them all). */
export async function loadOrdersView(q: Queryable, docs: OrderDocuments = new OrderDocuments()): Promise<OrdersView> {
  const [drafts, { released, progress }] = await Promise.all([
    q.query<DraftRow>('SELECT id, body, status, created_by, created_at, approved_by, approved_at FROM dashboard_order_drafts ORDER BY id DESC LIMIT $1', [MAX_ORDERS]),
    docs.read(q),
  ]);
  const draftById = new Map(drafts.map((d) => [d.id, d]));
  const orders = new Map<string, OrderRow>();
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const add = (mo: ManufacturingOrder, status: OrderRow['status'], progress: Progress[]) => {
    if (orders.has(mo.id)) return;
    const d = draftById.get(mo.id);
    const from = [mo, status, progress, d?.created_by ?? null, iso(d?.created_at ?? null), d?.approved_by ?? null, iso(d?.approved_at ?? null)] as const;
    // The row as last built when built from the same (an unchanged row need not be serialised again: view-revisions.ts).
    const kept = docs.rows.get(mo.id);
    if (kept && kept.from.length === from.length && kept.from.every((x, i) => x === from[i])) {
      orders.set(mo.id, kept.row);
      return;
    }
    const row: OrderRow = { ...mo, status, createdBy: from[3], createdAt: from[4], approvedBy: from[5], approvedAt: from[6], progress: sortedProgress(mo, progress) };
    docs.rows.set(mo.id, { from, row });
    orders.set(mo.id, row);
  };
  released.forEach((m, i) => add(m, 'released', progress[i] ?? []));
  for (const d of drafts) {
    const mo = d.status === 'draft' ? ManufacturingOrder.safeParse(d.body) : null;
    if (mo?.success) add(mo.data, 'draft', []);
  }

  for (const id of docs.rows.keys()) if (!orders.has(id)) docs.rows.delete(id);
  // Drafts first (they wait for PPIC), then the newest MO first.
  return { orders: [...orders.values()].sort((a, b) => (a.status === b.status ? b.id.localeCompare(a.id) : a.status === 'draft' ? -1 : 1)) };
}
