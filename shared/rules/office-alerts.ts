/**
 * An alert step taken at the office (the supervisors' dashboard), decided by the floor's own rules.
 *
 * WHY through `decide`: an alert's lifecycle (raised → acknowledged → investigating → closed, a halt's alert never
 * closed by hand while its line is halted, nothing on a closed alert) lives in rules/alerts.ts as the handlers of the
 * station events `alert.acknowledged` / `alert.investigating` / `alert.closed`. The office takes the same step as the
 * same event, decided by the same handlers (and `settleAlerts`, which keeps the line's list of open alerts), so no
 * second copy of the lifecycle exists. The event is the office's: it comes from the "office desk" standing at the
 * alert's place (its line, or the department of its work order), signed by the dashboard account, whose role was
 * checked by the dashboard before (a supervisor of that department, a QC inspector, an admin): that role stands in
 * for the roster's, since dashboard accounts are not on the floor roster (their credential is a password, not a
 * badge + PIN). The server writes the documents it changes like any office write, so stations pull the step.
 *
 * A metal-detector halt is never released here: releasing a line is `line.released` at the station, with the
 * supervisor's badge + PIN, a disposition and a corrective action (DOMAIN.md). The office may acknowledge and
 * investigate a halt's alert; closing it by hand is refused while the line is halted (`alert_cause_active`), and the
 * station's release closes it (`line_released`).
 */
import type { AlertDoc, DocReader } from '../docs';
import { EVENT_SCHEMA_VERSION, type FloorEvent } from '../events';
import { masterData, type Department, type Operator, type Role } from '../master';
import { decide, type Decision } from '../reducer';

export type OfficeAlertAction = 'acknowledge' | 'investigate' | 'close';
export const OFFICE_ALERT_ACTIONS: readonly OfficeAlertAction[] = ['acknowledge', 'investigate', 'close'];

/** Who signs at the office: a dashboard account and its dashboard role. */
export interface OfficeSigner {
  accountId: string;
  role: 'admin' | 'supervisor' | 'qc';
}

/** The office desk's station id and the prefix of an office signer's id in an alert's steps (`office:sari`). */
export const OFFICE_STATION_ID = 'office';
export const OFFICE_SIGNER_PREFIX = 'office:';

export const officeSignerId = (accountId: string): string => `${OFFICE_SIGNER_PREFIX}${accountId}`;

/** The dashboard account of an office step's signer, or null for a station's operator (or the rules). */
export function officeAccountOf(by: string | null): string | null {
  return by !== null && by.startsWith(OFFICE_SIGNER_PREFIX) ? by.slice(OFFICE_SIGNER_PREFIX.length) : null;
}

const FLOOR_ROLE: Readonly<Record<OfficeSigner['role'], Role>> = { admin: 'admin', supervisor: 'supervisor', qc: 'qc_inspector' };

export interface OfficeAlertStep {
  alert: AlertDoc;
  /** The alert's department: its line's, or its work order's place. */
  department: Department;
  action: OfficeAlertAction;
  signer: OfficeSigner;
  note: string;
  /** The step's event id (a fresh UUIDv7) and HLC time (the server's clock). */
  eventId: string;
  hlc: string;
}

/** The office's event for `step` (never pushed by a station: the server decides and records it). */
export function officeAlertEvent(step: OfficeAlertStep): FloorEvent {
  const by = officeSignerId(step.signer.accountId);
  const envelope = { id: step.eventId, stationId: OFFICE_STATION_ID, seq: 1, hlc: step.hlc, operatorId: by, v: EVENT_SCHEMA_VERSION } as const;
  const alertId = step.alert.id;
  switch (step.action) {
    case 'acknowledge':
      return { ...envelope, type: 'alert.acknowledged', payload: { alertId, note: step.note } };
    case 'investigate':
      return { ...envelope, type: 'alert.investigating', payload: { alertId, signedBy: by, note: step.note } };
    case 'close':
      return { ...envelope, type: 'alert.closed', payload: { alertId, signedBy: by, note: step.note } };
  }
}

/**
 * Decides an office step with the floor's rules: the documents it changes (the alert, and its line's list of open
 * alerts), a refusal (`alert_out_of_order`, `alert_closed`, `alert_cause_active`, …), or the documents still to load.
 */
export function decideOfficeAlertStep(reader: DocReader, step: OfficeAlertStep): Decision {
  const signer: Operator = {
    id: officeSignerId(step.signer.accountId),
    name: step.signer.accountId,
    roles: [FLOOR_ROLE[step.signer.role]],
    departments: [step.department],
    pinHash: 'none: a dashboard account signs with its password',
    active: true,
  };
  const desk = { id: OFFICE_STATION_ID, department: step.department, name: 'office (dashboard)', lineId: step.alert.lineId ?? OFFICE_STATION_ID };
  return decide(reader, officeAlertEvent(step), masterData({ operators: [signer], stations: [desk] }));
}
