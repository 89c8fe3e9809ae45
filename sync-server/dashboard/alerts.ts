/**
 * The Alerts view and what a person may do to an alert from the dashboard: acknowledge, investigate, close.
 *
 * An alert is a floor document, changed by the shared rules (shared/rules/alerts.ts). A dashboard step is the office's
 * floor event decided by those same rules (shared/rules/office-alerts.ts: the lifecycle's order, nothing on a closed
 * alert, a halt's alert not closed while its line is halted), and the server writes the documents it changes as any
 * office write (changes.ts, like an approved order's SPKs), so the stations pull the step and the station's own later
 * step is decided against it. Each step is also audited with the person (dashboard_audit). A halt is never released
 * here: that is the station's `line.released` with a supervisor's badge + PIN, disposition and corrective action,
 * which closes the halt's alert by itself.
 */
import { FLOOR_DOC_SCHEMAS, emptyState, stateReader, withChanges, type AlertDoc, type Doc, type DocReader, type LineDoc, type WorkOrderDoc } from '../../shared/docs';
import { formatHlc, hlcWallTime } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { Department } from '../../shared/master';
import { decideOfficeAlertStep, officeAccountOf, OFFICE_ALERT_ACTIONS, OFFICE_STATION_ID, type OfficeAlertStep, type OfficeSigner } from '../../shared/rules/office-alerts';
import { floorDocScope } from '../../shared/sync';
import { writeDocuments } from '../changes';
import type { Db, Queryable } from '../db/types';
import { DocOverlay } from '../floor/doc-overlay';
import { keyOf } from '../floor/likely-keys';
import { lockAndReadDocuments } from '../floor/push-repository';
import type { DocKey } from '../../shared/reducer';
import { HttpError } from '../http/route';
import { audit } from './audit';
import { dashboardWriteTx } from './write-tx';
import type { Account, AlertAction, AlertRow, AlertsView } from './contract';
import { isoOfHlc } from './time';

/** Closed alerts stay in the list this long (the shift can see what was closed and why). */
const CLOSED_SHOWN_HOURS = 24;
const MAX_ALERTS = 500;
/** An investigation or a close says what is done (as the station's events do: at least 3 characters). */
const NOTE_NEEDED: ReadonlySet<AlertAction> = new Set(['investigate', 'close']);

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

/** The documents an alert's step reads besides the alert: its line, or (no line) its work order. */
const placeKeys = (a: AlertDoc): DocKey[] => (a.lineId ? [{ kind: 'line', id: a.lineId }] : a.workOrderId ? [{ kind: 'workOrder', id: a.workOrderId }] : []);

/** An alert's department: its line's, or its work order's place (null: neither known, or the vendor's). */
function departmentOf(a: AlertDoc, place: readonly Doc[]): Department | null {
  const doc = place.find((d) => (d.kind === 'line' && d.id === a.lineId) || (d.kind === 'workOrder' && d.id === a.workOrderId && !a.lineId));
  const dept = Department.safeParse(doc?.kind === 'line' ? doc.department : doc?.kind === 'workOrder' ? doc.place : null);
  return dept.success ? dept.data : null;
}

const signerOf = (who: Account): OfficeSigner | null => (who.role === 'ppic' ? null : { accountId: who.id, role: who.role });

/** An alert with the documents of its place, as the rules read them. */
interface AlertPlace {
  alert: AlertDoc;
  place: Doc[];
  department: Department | null;
}

/** What the rules say of `action` on this alert by this person (null: they may not act on it), read through `reader`. */
function decideStep(reader: DocReader, p: AlertPlace, who: Account, action: AlertAction, note: string, eventId: string, hlc: string) {
  const signer = signerOf(who);
  if (!signer || p.department === null || !mayAct(who, p.department)) return null;
  const step: OfficeAlertStep = { alert: p.alert, department: p.department, action, signer, note, eventId, hlc };
  return decideOfficeAlertStep(reader, step);
}

/**
 * The dashboard actions the rules allow this person now: a dry run of each over the alert and its place, nothing
 * written (the line's other alerts are not read: they change only the line's list, not whether the step passes).
 */
function actionsLeft(p: AlertPlace, who: Account): AlertAction[] {
  const hlc = officeHlc();
  const reader = stateReader(withChanges(emptyState(), [p.alert, ...p.place]), true);
  return OFFICE_ALERT_ACTIONS.filter((action) => decideStep(reader, p, who, action, 'dry run', p.alert.id, hlc)?.ok === true);
}

const officeHlc = () => formatHlc({ wallMs: Date.now(), counter: 0, nodeId: OFFICE_STATION_ID });

const parseDocs = (rows: readonly { body: unknown }[]): Doc[] =>
  rows.flatMap((r) => {
    const kind = (r.body as { kind?: unknown } | null)?.kind;
    const p = kind === 'line' ? FLOOR_DOC_SCHEMAS.line.safeParse(r.body) : kind === 'workOrder' ? FLOOR_DOC_SCHEMAS.workOrder.safeParse(r.body) : null;
    return p?.success ? [p.data as LineDoc | WorkOrderDoc] : [];
  });

async function placesOf(q: Queryable, alerts: readonly AlertDoc[]): Promise<Doc[]> {
  const lineIds = [...new Set(alerts.flatMap((a) => (a.lineId ? [a.lineId] : [])))];
  const woIds = [...new Set(alerts.flatMap((a) => (a.workOrderId && !a.lineId ? [a.workOrderId] : [])))];
  // No alert with a place (a quiet floor, computed 4 times a second while dashboards are open): nothing to read.
  if (lineIds.length === 0 && woIds.length === 0) return [];
  const rows = await q.query<{ body: unknown }>(
    "SELECT body FROM documents WHERE NOT deleted AND ((kind = 'line' AND id = ANY($1::text[])) OR (kind = 'workOrder' AND id = ANY($2::text[])))",
    [lineIds, woIds],
  );
  return parseDocs(rows);
}

/** An alert as every viewer sees it, with its place (what a viewer may do is added per viewer). */
export interface LoadedAlert {
  row: Omit<AlertRow, 'actions'>;
  place: AlertPlace;
}

function rowOf(p: AlertPlace): Omit<AlertRow, 'actions'> {
  const a = p.alert;
  const line = p.place.find((d): d is LineDoc => d.kind === 'line' && d.id === a.lineId);
  const timeline = [
    { source: 'floor' as const, status: 'raised', by: null, at: isoOfHlc(a.raisedAt), note: a.message },
    ...(a.steps ?? []).map((s) => {
      const account = officeAccountOf(s.by);
      return { source: account === null ? ('floor' as const) : ('dashboard' as const), status: s.status, by: account ?? s.by, at: isoOfHlc(s.at), note: s.note };
    }),
  ];
  return {
    id: a.id,
    severity: a.severity,
    type: a.type,
    message: a.message,
    lineId: a.lineId,
    workOrderId: a.workOrderId,
    department: p.department,
    status: a.status,
    closedBecause: a.closedBecause ?? null,
    raisedAt: isoOfHlc(a.raisedAt),
    haltsLine: a.status !== 'closed' && line?.halt?.haltId === a.id,
    timeline,
  };
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
  const places = await placesOf(q, shown);
  const severityRank = (s: string) => Number(s.slice(1)) || 9;
  const out: LoadedAlert[] = shown.map((alert) => {
    const keys = new Set(placeKeys(alert).map(keyOf));
    const place = places.filter((d) => keys.has(`${d.kind}:${d.id}`));
    const p = { alert, place, department: departmentOf(alert, place) };
    return { row: rowOf(p), place: p };
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
  return { alerts: loaded.map(({ row, place }) => ({ ...row, actions: actionsLeft(place, viewer) })) };
}

function lastStepMs(a: AlertDoc): number {
  const last = a.steps?.[a.steps.length - 1]?.at ?? a.raisedAt;
  try {
    return hlcWallTime(last);
  } catch {
    return 0;
  }
}

/** Rounds of loading before a decision is given up (the push path's rules ask for a few documents at most). */
const MAX_LOADS = 5;

/**
 * Records a dashboard step on an alert, decided by the floor's rules (see the header): 400 an investigation or close
 * without a note, 404 unknown alert, 403 not this person's department or role, 409 what the rules refuse (out of order,
 * closed, a halt's alert while its line is halted), with the rules' code and sentence. Documents are locked and read as
 * the push path does (floor/doc-overlay.ts), so two people, or a person and a station, acting on one alert are decided
 * one after the other, and the second is told.
 */
export async function recordAlertAction(db: Db, who: Account, alertId: string, action: AlertAction, note: string): Promise<void> {
  if (NOTE_NEEDED.has(action) && note.length < 3) {
    throw new HttpError(400, 'bad_request', `body.note: say why (${action}: at least 3 characters)`, [{ path: 'body.note', message: 'at least 3 characters' }]);
  }
  await dashboardWriteTx(db, async (q) => {
    const overlay = new DocOverlay();
    const load = async (keys: readonly DocKey[]) => {
      const missing = overlay.missing(keys);
      if (missing.length > 0) overlay.prime(missing, await lockAndReadDocuments(q, missing));
    };
    const [seen] = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'alert' AND id = $1 AND NOT deleted", [alertId]);
    const first = seen ? FLOOR_DOC_SCHEMAS.alert.safeParse(seen.body) : null;
    if (!first?.success) throw new HttpError(404, 'unknown_alert', `alert ${alertId} is not known`);
    // What the step reads (the alert, its line or work order, the line's other open alerts, which the rules keep
    // listed on the line) is locked in ONE sorted round, as a push's first round is, so the two never wait on each
    // other in a cycle; should the line's list have changed meanwhile, the rules ask for the rest (below).
    const line = (await placesOf(q, [first.data])).find((d): d is LineDoc => d.kind === 'line');
    await load([{ kind: 'alert', id: alertId }, ...placeKeys(first.data), ...(line?.alerts ?? []).map((id) => ({ kind: 'alert' as const, id }))]);
    const alert = overlay.latest(`alert:${alertId}`);
    if (alert?.kind !== 'alert') throw new HttpError(404, 'unknown_alert', `alert ${alertId} is not known`);
    const place = placeKeys(alert).flatMap((k) => overlay.latest(keyOf(k)) ?? []);
    const p = { alert, place, department: departmentOf(alert, place) };
    if (!mayAct(who, p.department) || signerOf(who) === null || p.department === null) {
      throw new HttpError(403, 'not_your_department', `alert ${alertId} is for ${p.department ?? 'no department'}; ${who.id} (${who.role}${who.department ? `, ${who.department}` : ''}) may not act on it`);
    }
    const eventId = uuidv7();
    const hlc = officeHlc();
    let decision = decideStep(overlay, p, who, action, note, eventId, hlc);
    for (let n = 0; decision?.ok === 'need' && n < MAX_LOADS; n++) {
      await load(decision.keys);
      decision = decideStep(overlay, p, who, action, note, eventId, hlc);
    }
    if (!decision || decision.ok === 'need') throw new Error(`alert ${alertId}: ${action} still needs documents after ${MAX_LOADS} loads`);
    if (decision.ok === false) throw new HttpError(409, decision.refusal.code, decision.refusal.message);
    await writeDocuments(q, decision.changes.map((d) => ({ kind: d.kind, id: d.id, body: d, scope: floorDocScope(d) })));
    await audit(q, who, `alert.${action}`, alertId, { note, eventId, floorStatusBefore: alert.status, department: p.department }, true);
  });
}
