/**
 * The Alerts view and what a person may do to an alert from the dashboard.
 *
 * An alert's floor status (raised → acknowledged → investigating → closed) changes only through station events decided
 * by the shared rules (shared/rules/alerts.ts): those need a station on the alert's line and the signer's own badge +
 * PIN, and a halt's alert closes only with the line's release (disposition and corrective action) at the station. The
 * dashboard is not a station, and writing the alert document from here would put a change in the floor's state that no
 * event explains (stations rebase on events; the rules would never see it). So the dashboard's own steps,
 * "acknowledged" (the office saw it) and "investigating" (a supervisor or QC inspector is on it), are recorded in the
 * append-only dashboard audit with the person and shown in the alert's timeline beside the floor's steps, and closing
 * stays at the station. Closing from the dashboard would need a server-side event kind the rules accept from an office
 * actor (not built: see README).
 */
import { FLOOR_DOC_SCHEMAS, type AlertDoc } from '../../shared/docs';
import { hlcWallTime } from '../../shared/hlc';
import type { Queryable } from '../db/types';
import { isoOfHlc } from './time';
import { HttpError } from '../http/route';
import { audit } from './audit';
import type { Account, AlertAction, AlertRow, AlertsView } from './contract';

/** Closed alerts stay in the list this long (the shift can see what was closed and why). */
const CLOSED_SHOWN_HOURS = 24;
const MAX_ALERTS = 500;

interface DashboardStep extends Record<string, unknown> {
  target: string;
  action: string;
  account_id: string;
  at: Date;
  note: string;
}

const ACTION_STATUS: Readonly<Record<AlertAction, string>> = { acknowledge: 'acknowledged', investigate: 'investigating' };

/** May this person act on alerts of `department` (null: an alert with neither line nor work order)? */
export function mayAct(account: Account, department: string | null): boolean {
  switch (account.role) {
    case 'admin':
      return true;
    case 'supervisor':
      return department !== null && account.department === department;
    case 'qc':
      return account.department === null || account.department === department;
    case 'ppic':
      return false;
  }
}


/** Which dashboard actions are left on an alert, given its floor status and the dashboard's own steps. */
function actionsLeft(a: AlertDoc, steps: readonly DashboardStep[], may: boolean): AlertAction[] {
  if (!may || a.status === 'closed') return [];
  const done = new Set(steps.map((s) => s.action));
  const out: AlertAction[] = [];
  if (!done.has('alert.acknowledge')) out.push('acknowledge');
  if (!done.has('alert.investigate') && a.status !== 'investigating') out.push('investigate');
  return out;
}

async function departmentsOf(q: Queryable, alerts: readonly AlertDoc[]): Promise<Map<string, string>> {
  const lineIds = [...new Set(alerts.flatMap((a) => (a.lineId ? [a.lineId] : [])))];
  const woIds = [...new Set(alerts.flatMap((a) => (a.workOrderId && !a.lineId ? [a.workOrderId] : [])))];
  const rows = await q.query<{ kind: string; id: string; dept: string | null }>(
    `SELECT kind, id, CASE WHEN kind = 'line' THEN body->>'department' ELSE body->>'place' END AS dept
       FROM documents WHERE (kind = 'line' AND id = ANY($1::text[])) OR (kind = 'workOrder' AND id = ANY($2::text[]))`,
    [lineIds, woIds],
  );
  return new Map(rows.flatMap((r) => (r.dept ? [[`${r.kind}/${r.id}`, r.dept] as const] : [])));
}

const departmentOf = (a: AlertDoc, depts: Map<string, string>): string | null =>
  (a.lineId ? depts.get(`line/${a.lineId}`) : a.workOrderId ? depts.get(`workOrder/${a.workOrderId}`) : undefined) ?? null;

async function haltingIds(q: Queryable, alerts: readonly AlertDoc[]): Promise<Set<string>> {
  const lineIds = [...new Set(alerts.flatMap((a) => (a.lineId && a.status !== 'closed' ? [a.lineId] : [])))];
  if (lineIds.length === 0) return new Set();
  const rows = await q.query<{ halt_id: string | null }>(
    "SELECT body->'halt'->>'haltId' AS halt_id FROM documents WHERE kind = 'line' AND id = ANY($1::text[])",
    [lineIds],
  );
  return new Set(rows.flatMap((r) => (r.halt_id ? [r.halt_id] : [])));
}

/** An alert as every viewer sees it, with the dashboard's own steps (what a viewer may do is added per viewer). */
export interface LoadedAlert {
  row: Omit<AlertRow, 'actions'>;
  doc: AlertDoc;
  steps: DashboardStep[];
}

/** What the Alerts view shows of each alert; `alertsFor` adds what one viewer may do. */
export async function loadAlerts(q: Queryable): Promise<LoadedAlert[]> {
  const rows = await q.query<{ body: unknown }>(
    // Open alerts first, then the most recently changed closed ones (filtered to the last day below).
    `SELECT body FROM documents WHERE kind = 'alert' AND NOT deleted
      ORDER BY (body->>'status' = 'closed'), version DESC LIMIT $1`,
    [MAX_ALERTS],
  );
  const alerts = rows.flatMap((r) => {
    const p = FLOOR_DOC_SCHEMAS.alert.safeParse(r.body);
    return p.success ? [p.data] : [];
  });
  const cutoff = Date.now() - CLOSED_SHOWN_HOURS * 3600_000;
  const shown = alerts.filter((a) => a.status !== 'closed' || lastStepMs(a) >= cutoff);
  const ids = shown.map((a) => a.id);
  const [depts, halting, dashSteps] = await Promise.all([
    departmentsOf(q, shown),
    haltingIds(q, shown),
    q.query<DashboardStep>(
      `SELECT target, action, account_id, at, coalesce(detail->>'note', '') AS note
         FROM dashboard_audit WHERE target = ANY($1::text[]) AND action LIKE 'alert.%' ORDER BY id`,
      [ids],
    ),
  ]);
  const stepsOf = new Map<string, DashboardStep[]>();
  for (const s of dashSteps) stepsOf.set(s.target, [...(stepsOf.get(s.target) ?? []), s]);

  const severityRank = (s: string) => Number(s.slice(1)) || 9;
  const out: LoadedAlert[] = shown.map((a) => {
    const department = departmentOf(a, depts);
    const own = stepsOf.get(a.id) ?? [];
    const timeline = [
      { source: 'floor' as const, status: 'raised', by: null, at: isoOfHlc(a.raisedAt), note: a.message },
      ...(a.steps ?? []).map((s) => ({ source: 'floor' as const, status: s.status, by: s.by, at: isoOfHlc(s.at), note: s.note })),
      ...own.map((s) => ({
        source: 'dashboard' as const,
        status: ACTION_STATUS[s.action.slice('alert.'.length) as AlertAction] ?? s.action,
        by: s.account_id,
        at: new Date(s.at).toISOString(),
        note: s.note,
      })),
    ].sort((x, y) => x.at.localeCompare(y.at));
    const row = {
      id: a.id,
      severity: a.severity,
      type: a.type,
      message: a.message,
      lineId: a.lineId,
      workOrderId: a.workOrderId,
      department,
      status: a.status,
      closedBecause: a.closedBecause ?? null,
      raisedAt: isoOfHlc(a.raisedAt),
      haltsLine: halting.has(a.id),
      timeline,
    };
    return { row, doc: a, steps: own };
  });
  out.sort(
    (x, y) =>
      Number(x.row.status === 'closed') - Number(y.row.status === 'closed') ||
      severityRank(x.row.severity) - severityRank(y.row.severity) ||
      y.row.raisedAt.localeCompare(x.row.raisedAt),
  );
  return out;
}

export function alertsFor(viewer: Account, loaded: readonly LoadedAlert[]): AlertsView {
  return { alerts: loaded.map(({ row, doc, steps }) => ({ ...row, actions: actionsLeft(doc, steps, mayAct(viewer, row.department)) })) };
}

function lastStepMs(a: AlertDoc): number {
  const last = a.steps?.[a.steps.length - 1]?.at ?? a.raisedAt;
  try {
    return hlcWallTime(last);
  } catch {
    return 0;
  }
}

/**
 * Records a dashboard step on an alert (see the header): 404 unknown alert, 403 not this person's department or
 * role, 409 closed or already done, 400 an investigation without a note. One at a time per alert (advisory lock), so
 * two supervisors clicking together record one step, and the other is told.
 */
export async function recordAlertAction(db: { tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> }, who: Account, alertId: string, action: AlertAction, note: string): Promise<void> {
  if (action === 'investigate' && note.length < 3) {
    throw new HttpError(400, 'bad_request', 'body.note: say what is being investigated (at least 3 characters)', [{ path: 'body.note', message: 'at least 3 characters' }]);
  }
  await db.tx(async (q) => {
    await q.query("SELECT pg_advisory_xact_lock(hashtext('dashboard-alert:' || $1))", [alertId]);
    const [row] = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'alert' AND id = $1 AND NOT deleted", [alertId]);
    const parsed = row ? FLOOR_DOC_SCHEMAS.alert.safeParse(row.body) : null;
    if (!parsed?.success) throw new HttpError(404, 'unknown_alert', `alert ${alertId} is not known`);
    const alert = parsed.data;
    const department = departmentOf(alert, await departmentsOf(q, [alert]));
    if (!mayAct(who, department)) {
      throw new HttpError(403, 'not_your_department', `alert ${alertId} is for ${department ?? 'no department'}; ${who.id} (${who.role}${who.department ? `, ${who.department}` : ''}) may not act on it`);
    }
    const own = await q.query<DashboardStep>(
      "SELECT target, action, account_id, at, '' AS note FROM dashboard_audit WHERE target = $1 AND action LIKE 'alert.%'",
      [alertId],
    );
    if (!actionsLeft(alert, own, true).includes(action)) {
      throw new HttpError(409, 'alert_out_of_order', alert.status === 'closed' ? `alert ${alertId} is closed` : `alert ${alertId}: ${action} was already recorded`);
    }
    await audit(q, who, `alert.${action}`, alertId, { note, floorStatus: alert.status, department }, true);
  });
}
