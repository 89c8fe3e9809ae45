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
import { writeDocuments, writeTx } from '../changes';
import type { Db, Queryable } from '../db/types';
import { HttpError } from '../http/route';
import { audit } from './audit';
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
  await db.tx(async (q) => {
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
  const { result } = await writeTx(db, async (q) => {
    const [draft] = await q.query<{ body: unknown; status: string }>('SELECT body, status FROM dashboard_order_drafts WHERE id = $1 FOR UPDATE', [id]);
    if (!draft) throw new HttpError(404, 'not_found', `no draft manufacturing order ${id}`);
    if (draft.status !== 'draft') throw new HttpError(409, 'already_approved', `manufacturing order ${id} is approved already`);
    const workOrders = await releaseOrder(q, ManufacturingOrder.parse(draft.body));
    if (!workOrders) throw exists(id);
    await q.query("UPDATE dashboard_order_drafts SET status = 'approved', approved_by = $2, approved_at = now() WHERE id = $1", [id, by.id]);
    await audit(q, by, 'order.approved', id, { workOrders }, true);
    return workOrders;
  });
  return result;
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

export async function loadOrdersView(q: Queryable): Promise<OrdersView> {
  const [drafts, released] = await Promise.all([
    q.query<DraftRow>('SELECT id, body, status, created_by, created_at, approved_by, approved_at FROM dashboard_order_drafts ORDER BY id DESC LIMIT $1', [MAX_ORDERS]),
    q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'manufacturingOrder' AND NOT deleted ORDER BY id DESC LIMIT $1", [MAX_ORDERS]),
  ]);
  const draftById = new Map(drafts.map((d) => [d.id, d]));
  const orders = new Map<string, OrderRow>();
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const add = (body: unknown, status: OrderRow['status']) => {
    const mo = ManufacturingOrder.safeParse(body);
    if (!mo.success || orders.has(mo.data.id)) return;
    const d = draftById.get(mo.data.id);
    orders.set(mo.data.id, {
      ...mo.data,
      status,
      createdBy: d?.created_by ?? null,
      createdAt: iso(d?.created_at ?? null),
      approvedBy: d?.approved_by ?? null,
      approvedAt: iso(d?.approved_at ?? null),
      progress: [],
    });
  };
  for (const r of released) add(r.body, 'released');
  for (const d of drafts) if (d.status === 'draft') add(d.body, 'draft');

  const releasedIds = [...orders.values()].filter((o) => o.status === 'released').map((o) => o.id);
  const woRows = releasedIds.length
    ? await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'workOrder' AND NOT deleted AND body->>'moId' = ANY($1::text[])", [releasedIds])
    : [];
  for (const r of woRows) {
    const wo = FLOOR_DOC_SCHEMAS.workOrder.safeParse(r.body);
    if (!wo.success) continue;
    orders.get(wo.data.moId)?.progress.push({
      place: wo.data.place,
      workOrderId: wo.data.id,
      status: wo.data.status,
      planned: wo.data.plannedQty,
      done: done(wo.data),
      wip: Math.max(0, piecesAt(wo.data)),
    });
  }
  for (const o of orders.values()) {
    const route: readonly string[] = ROUTES[o.route as keyof typeof ROUTES] ?? [];
    o.progress.sort((a, b) => route.indexOf(a.place as Place) - route.indexOf(b.place as Place));
  }
  // Drafts first (they wait for PPIC), then the newest MO first.
  return { orders: [...orders.values()].sort((a, b) => (a.status === b.status ? b.id.localeCompare(a.id) : a.status === 'draft' ? -1 : 1)) };
}
