/**
 * The reports' read models: the data the shared report functions (shared/reports) need, read from the events table
 * (applied events only: a refused event is no record) and the documents. Read-only.
 */
import { FLOOR_DOC_SCHEMAS, type HoldDoc } from '../../shared/docs';
import { EVENT_SCHEMA_VERSION, FinishingStep, PAYLOADS, SewingStage, type EventType, type FloorEvent } from '../../shared/events';
import { fanOut, ManufacturingOrder, Operator, WorkOrderId, type CutPart } from '../../shared/master';
import { COMPLIANCE_EVENT_TYPES, complianceReport } from '../../shared/reports/compliance';
import { factoryDateTime, factoryDayStart } from '../../shared/reports/factory-time';
import { outputPerBucket, setsCompleted, type OutputRecord } from '../../shared/reports/output';
import { qcSummary, type QcRecord } from '../../shared/reports/qc-yield';
import { placeOfSpk } from '../../shared/reports/spk';
import { PIPELINE } from '../../shared/rules/pipeline';
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

/**
 * The charts' reads (issue 14: a week's charts read ~80,000 output and QC events whole, 0.9 s of which half was moving
 * and parsing them). Now two passes, each sending only what the rest needs:
 * - one over the range (BRIN on `hlc`): output of embroidery, sewing (back loop), finishing (conversion) and packing
 *   summed per SPK and hour in SQL, and the SPKs cut or inspected in the range;
 * - one over those SPKs' whole cutting and QC history, in server order, a few columns per
 *   event (SPK, time, part or stage, result, pieces): cutting's sets replayed against the SPK's bill (`setsCompleted`,
 *   as `outputRecords` does) and QC's pass rate and first-pass yield by the same `qcSummary` (a rework earlier makes a
 *   later pass a re-inspection, so both need the history, not a sum).
 * Applied events were parsed by these same schemas when pushed (one that does not parse is stored refused), so the
 * SQL reads the fields it needs without parsing the rest; a field of the wrong type or range is left out, as a payload
 * the schema did not read was before. reports-equivalence.test.ts compares this with the computation it replaced
 * (reports-testing.ts `loadChartsReference`) on the same seeded floor, day and hour boundaries included.
 * Index: a BRIN on `hlc` (migration 0016; events arrive roughly in time order, and a BRIN costs the push path next to
 * nothing). The history pass still scans the table: an index on the events' SPK cost pushes more than the 10 % allowed
 * (migration 0018 dropped it), so that pass grows with the table; a summary kept by the push path would end that.
 */
const OUTPUT_SUMMED = "'embroidery.output', 'sewing.stage', 'fg.converted', 'packing.carton'";
/** Whose history the charts replay: cutting's sets and QC's re-inspections run across an SPK's whole life. */
const HISTORY_TYPES = "'cutting.output', 'qc.inline', 'finishing.physicalQc'";

/** A JSON number that is a whole number in [1, 1,000,000] (Quantity), else NULL (the cast only after the check). */
const wholeIn = (field: string) => `CASE WHEN jsonb_typeof(${field}) = 'number' AND (${field})::text ~ '^([1-9][0-9]{0,5}|1000000)$' THEN (${field})::text::int END`;

const QC_RESULTS: ReadonlySet<string> = new Set(['pass', 'rework', 'scrap']);
const isQcResult = (r: string): r is QcRecord['result'] => QC_RESULTS.has(r);
/** The stages a `qc.inline` may name (its schema: a sewing stage, a finishing step or `final`). */
const QC_STAGES: ReadonlySet<string> = new Set([...SewingStage.options, ...FinishingStep.options, 'final']);

type HistoryRow = { wo: string; at: number; type: string; stage: string | null; result: string | null; part: string | null; qty: number | null };

/** Output per hour and QC per department over the range, up to `nowMs`. */
export async function loadCharts(q: Queryable, range: ChartRange, nowMs: number, tz: string): Promise<ChartsView> {
  const from = rangeStart(range, nowMs, tz);
  const [lo, hi, v] = [hlcFrom(from), hlcFrom(nowMs), EVENT_SCHEMA_VERSION];
  // One pass over the range (BRIN on hlc): output summed per SPK and hour, and the SPKs cut or inspected in it.
  const inRange = await q.query<{ wo: string; bucket: number | null; qty: number | null }>(
    `SELECT wo, bucket, sum(qty)::bigint AS qty FROM (
       SELECT payload->>'workOrderId' AS wo,
              CASE WHEN type IN (${OUTPUT_SUMMED}) THEN (left(hlc, 13)::bigint - $3) / ${HOUR} END AS bucket,
              CASE WHEN type IN (${OUTPUT_SUMMED}) AND v = $4 AND hlc < $2 AND (type <> 'sewing.stage' OR payload->>'stage' = 'back_loop')
                   THEN ${wholeIn("CASE WHEN type IN ('embroidery.output', 'sewing.stage') THEN payload->'goodQty' ELSE payload->'qty' END")} END AS qty
         FROM events
        WHERE status = 'applied' AND type IN (${OUTPUT_SUMMED}, ${HISTORY_TYPES}) AND hlc >= $1) e
      WHERE bucket IS NULL OR qty IS NOT NULL GROUP BY wo, bucket`,
    [lo, hi, from, v],
  );
  const summed = inRange.filter((r) => r.bucket !== null);
  // Their whole cutting and QC history, a few columns each, in server order.
  const spks = inRange.filter((r) => r.bucket === null).map((r) => r.wo);
  const history =
    spks.length === 0
      ? []
      : await q.query<HistoryRow>(
          `SELECT payload->>'workOrderId' AS wo, left(hlc, 13)::bigint AS at, type, payload->>'stage' AS stage, payload->>'result' AS result,
                  CASE WHEN jsonb_typeof(payload->'part') = 'string' THEN payload->>'part' END AS part,
                  ${wholeIn("CASE WHEN type = 'cutting.output' THEN payload->'goodQty' ELSE payload->'qty' END")} AS qty
             FROM events
            WHERE status = 'applied' AND type IN (${HISTORY_TYPES}) AND (payload->>'workOrderId') = ANY($1::text[]) AND v = $2 ORDER BY server_seq`,
          [spks, v],
        );
  const cut = history.filter((r) => r.type === 'cutting.output');
  const qc = history.filter((r) => r.type !== 'cutting.output');

  const starts: number[] = [];
  for (let t = from; t < nowMs; t += HOUR) starts.push(t);
  const records: OutputRecord[] = [];
  const placeOf = (wo: string) => (WorkOrderId.safeParse(wo).success ? placeOfSpk(wo) : undefined);
  for (const r of summed) {
    const department = placeOf(r.wo);
    if (department) records.push({ department, workOrderId: r.wo, atMs: from + Number(r.bucket) * HOUR, qty: Number(r.qty) });
  }
  const boms = await cuttingBoms(q, [...new Set(cut.map((r) => r.wo))]);
  const partsCut = new Map<string, Record<string, number>>();
  for (const r of cut) {
    const department = placeOf(r.wo);
    if (!department || r.qty === null || r.part === null || r.part.length < 1 || r.part.length > 40) continue;
    const sets = setsCompleted(partsCut, boms.get(r.wo), r.wo, r.part, Number(r.qty));
    const at = Number(r.at);
    if (sets > 0 && at >= from && at < nowMs) records.push({ department, workOrderId: r.wo, atMs: at, qty: sets });
  }
  const qcOf = (r: HistoryRow): QcRecord[] => {
    const department = placeOf(r.wo);
    if (!department || r.qty === null || r.result === null || !isQcResult(r.result)) return [];
    if (r.type === 'qc.inline' && (r.stage === null || !QC_STAGES.has(r.stage))) return [];
    const stage = r.type === 'finishing.physicalQc' || r.stage === null ? 'metal_detected' : r.stage === 'final' ? (PIPELINE[department].at(-1) ?? 'final') : r.stage;
    return [{ department, workOrderId: r.wo, stage, result: r.result, qty: Number(r.qty), atMs: Number(r.at) }];
  };
  return {
    range,
    timeZone: tz,
    from: new Date(from).toISOString(),
    to: new Date(nowMs).toISOString(),
    buckets: starts.map((s) => ({ start: new Date(s).toISOString(), local: factoryDateTime(s, tz).slice(0, 16) })),
    output: outputPerBucket(records, starts, nowMs),
    qc: qcSummary(qc.flatMap(qcOf), from, nowMs),
  };
}

/** The bills of cutting SPKs (from their documents; an SPK without one counts a piece as a set). */
async function cuttingBoms(q: Queryable, ids: readonly string[]): Promise<Map<string, CutPart[]>> {
  const boms = new Map<string, CutPart[]>();
  if (ids.length === 0) return boms;
  const docs = await q.query<{ body: unknown }>("SELECT body FROM documents WHERE kind = 'workOrder' AND id = ANY($1::text[])", [ids]);
  for (const d of docs) {
    const wo = FLOOR_DOC_SCHEMAS.workOrder.safeParse(d.body);
    if (wo.success && wo.data.cutParts) boms.set(wo.data.id, wo.data.cutParts);
  }
  return boms;
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
