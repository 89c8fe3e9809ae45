/**
 * The reports' read models: the data the shared report functions (shared/reports) need, read from the events table
 * (applied events only: a refused event is no record) and the documents. Read-only.
 */
import { FLOOR_DOC_SCHEMAS, type HoldDoc } from '../../shared/docs';
import { EVENT_SCHEMA_VERSION, PAYLOADS, type EventType, type FloorEvent } from '../../shared/events';
import { fanOut, ManufacturingOrder, Operator, type CutPart } from '../../shared/master';
import { COMPLIANCE_EVENT_TYPES, complianceReport } from '../../shared/reports/compliance';
import { factoryDateTime, factoryDayStart } from '../../shared/reports/factory-time';
import { OUTPUT_EVENT_TYPES, outputPerBucket, outputRecords } from '../../shared/reports/output';
import { QC_EVENT_TYPES, qcRecords, qcSummary } from '../../shared/reports/qc-yield';
import type { Queryable } from '../db/types';
import { HttpError } from '../http/route';
import type { ChartRange, ChartsView, ComplianceView, RosterBadges } from './reports-contract';

const HOUR = 3_600_000;
const EVENT_COLUMNS = 'id::text, station_id, seq, hlc, operator_id, type, payload, v';

type EventRow = { id: string; station_id: string; seq: number; hlc: string; operator_id: string | null; type: string; payload: unknown; v: number; server_seq?: number };

const isEventType = (type: string): type is EventType => Object.hasOwn(PAYLOADS, type);

/**
 * Rows as events. The envelope is the server's own (checked when the event was pushed, stored by the push path); the
 * payload is parsed again by its type's shared schema, and a row it does not read is left out, as the Floor view does.
 * (Parsing the payload alone is a third of the cost of the whole event: a chart reads tens of thousands of them.)
 */
function events(rows: readonly EventRow[]): FloorEvent[] {
  return rows.flatMap((r) => {
    if (!isEventType(r.type) || r.v !== EVENT_SCHEMA_VERSION) return [];
    const payload = PAYLOADS[r.type].safeParse(r.payload);
    if (!payload.success) return [];
    const event = { id: r.id, stationId: r.station_id, seq: Number(r.seq), hlc: r.hlc, operatorId: r.operator_id, v: EVENT_SCHEMA_VERSION, type: r.type, payload: payload.data };
    return [event as FloorEvent];
  });
}

/** HLC strings sort as their wall time (13 fixed digits first): the first HLC at or after `ms`. */
const hlcFrom = (ms: number) => String(ms).padStart(13, '0');

/** Where a range starts: the factory's midnight today, or six midnights before it. */
export function rangeStart(range: ChartRange, nowMs: number, tz: string): number {
  let start = factoryDayStart(nowMs, tz);
  if (range === 'week') for (let i = 0; i < 6; i++) start = factoryDayStart(start - 1, tz);
  return start;
}

/** Output per hour and QC per department over the range, up to `nowMs`. */
export async function loadCharts(q: Queryable, range: ChartRange, nowMs: number, tz: string): Promise<ChartsView> {
  const from = rangeStart(range, nowMs, tz);
  const types = [...OUTPUT_EVENT_TYPES, ...QC_EVENT_TYPES];
  // Cutting's sets and QC's re-inspections need the whole history of an SPK seen in the range.
  const history = ['cutting.output', ...QC_EVENT_TYPES];
  const rows = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events
      WHERE status = 'applied' AND type = ANY($1::text[])
        AND (hlc >= $2 OR (type = ANY($3::text[]) AND payload->>'workOrderId' IN (
              SELECT payload->>'workOrderId' FROM events WHERE status = 'applied' AND type = ANY($3::text[]) AND hlc >= $2)))
      ORDER BY server_seq`,
    [types, hlcFrom(from), history],
  );
  const all = events(rows);
  const cutting = [...new Set(all.flatMap((e) => (e.type === 'cutting.output' ? [e.payload.workOrderId] : [])))];
  const boms = new Map<string, CutPart[]>();
  if (cutting.length > 0) {
    const docs = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'workOrder' AND id = ANY($1::text[])", [cutting]);
    for (const d of docs) {
      const wo = FLOOR_DOC_SCHEMAS.workOrder.safeParse(d.body);
      if (wo.success && wo.data.cutParts) boms.set(wo.data.id, wo.data.cutParts);
    }
  }
  const starts: number[] = [];
  for (let t = from; t < nowMs; t += HOUR) starts.push(t);
  return {
    range,
    timeZone: tz,
    from: new Date(from).toISOString(),
    to: new Date(nowMs).toISOString(),
    buckets: starts.map((s) => ({ start: new Date(s).toISOString(), local: factoryDateTime(s, tz).slice(0, 16) })),
    output: outputPerBucket(outputRecords(all, (wo) => boms.get(wo)), starts, nowMs),
    qc: qcSummary(qcRecords(all), from, nowMs),
  };
}

/** The MO as released (404 while it is a draft or unknown). */
async function releasedOrder(q: Queryable, moId: string): Promise<ManufacturingOrder> {
  const [row] = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'manufacturingOrder' AND id = $1 AND NOT deleted", [moId]);
  const mo = row ? ManufacturingOrder.safeParse(row.body) : null;
  if (!mo?.success) throw new HttpError(404, 'not_found', `no released manufacturing order ${moId}`);
  return mo.data;
}

/** The batch compliance report of one MO (shared/reports/compliance.ts says what belongs to it). */
export async function loadCompliance(q: Queryable, moId: string, nowMs: number, tz: string): Promise<ComplianceView> {
  const mo = await releasedOrder(q, moId);
  const spks = fanOut(mo).map((wo) => wo.id);
  const own = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS}, server_seq FROM events
      WHERE status = 'applied' AND type = ANY($1::text[]) AND payload->>'workOrderId' = ANY($2::text[]) ORDER BY server_seq`,
    [COMPLIANCE_EVENT_TYPES, spks],
  );
  const lines = [...new Set(events(own).flatMap((e) => (e.type === 'md.pass' || e.type === 'md.detection' ? [e.payload.lineId] : [])))];
  const around = await q.query<EventRow>(
    `SELECT ${EVENT_COLUMNS}, server_seq FROM events
      WHERE status = 'applied' AND ((type = ANY($1::text[]) AND payload->>'lineId' = ANY($2::text[])) OR type = 'hold.released')`,
    [COMPLIANCE_EVENT_TYPES, lines],
  );
  const byId = new Map<string, EventRow>();
  for (const r of [...own, ...around]) byId.set(r.id, r);
  const ordered = [...byId.values()].sort((a, b) => Number(a.server_seq ?? 0) - Number(b.server_seq ?? 0));
  const holdRows = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'hold' AND NOT deleted AND body->'items' ?| $1::text[]", [spks]);
  const holds: HoldDoc[] = holdRows.flatMap((r) => {
    const h = FLOOR_DOC_SCHEMAS.hold.safeParse(r.body);
    return h.success ? [h.data] : [];
  });
  const report = complianceReport(spks, events(ordered), holds);
  const local = (ms: number) => factoryDateTime(ms, tz);
  return {
    mo: { id: mo.id, articleCode: mo.articleCode, quantity: mo.quantity, route: mo.route, destination: mo.destination, shipWeek: mo.shipWeek },
    timeZone: tz,
    generatedLocal: local(nowMs),
    spks: report.spks,
    verifications: report.verifications,
    halts: report.halts.map((h) => ({
      haltId: h.haltId,
      lineId: h.lineId,
      local: local(h.atMs),
      cause: h.cause,
      detections: h.detections,
      disposition: h.disposition,
      correctiveAction: h.correctiveAction,
      releasedBy: h.releasedBy,
      releasedLocal: h.releasedAtMs === null ? null : local(h.releasedAtMs),
    })),
    records: report.records.map(({ atMs, ...r }) => ({ ...r, at: new Date(atMs).toISOString(), local: local(atMs) })),
  };
}

/** The compliance report as CSV rows (the header names the factory's time zone). */
export function complianceCsvRows(view: ComplianceView): { header: string[]; rows: (string | number | null)[][] } {
  return {
    header: [`time (${view.timeZone})`, 'time (UTC)', 'record', 'SPK', 'line', 'station', 'operator', 'result', 'quantity', 'detail', 'event'],
    rows: view.records.map((r) => [r.local, r.at, r.kind, r.workOrderId, r.lineId, r.stationId, r.operatorId, r.result, r.qty, r.detail, r.eventId]),
  };
}

/** Everyone on the roster, for badges: id, name, departments, active. The PIN hash never leaves this function. */
export async function loadRosterBadges(q: Queryable): Promise<RosterBadges> {
  const rows = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'operator' AND NOT deleted ORDER BY id");
  return {
    operators: rows.flatMap((r) => {
      const op = Operator.safeParse(r.body);
      return op.success ? [{ id: op.data.id, name: op.data.name, departments: op.data.departments, active: op.data.active }] : [];
    }),
  };
}
