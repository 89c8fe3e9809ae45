/**
 * A batch for the reports' tests (server and browser), recorded through the real push route as the stations would:
 * an MO cut, sewn (inline QC: 2 reworked, then all passed) and finished (detector verified, 12 pieces through it,
 * physical QC 9 pass + 3 rework whose reason is a spreadsheet formula, 5 converted, the verification found overdue
 * (the 12 pieces on hold), one reject halting the line, released with a disposition, verified again, the hold released
 * after re-inspection), another MO's lot on the same line before and after it, and the
 * finishing operator's labour clock left running on the MO's finishing SPK.
 */
import type { FastifyInstance } from 'fastify';
import { makeSscc } from '../../shared/barcode/gs1';
import { newWorkOrderDoc, type WorkOrderDoc } from '../../shared/docs';
import { EVENT_SCHEMA_VERSION, type Action, type FloorEvent } from '../../shared/events';
import { formatHlc } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { fanOut, workOrderIdFor, type Department, type ManufacturingOrder } from '../../shared/master';
import type { PushResponse } from '../../shared/sync';
import { ARTICLE_BOMS, EventFactory, lineOf, mo, operatorOf, stationOf, supervisorOf, verificationRun } from '../../shared/testing/fixtures';
import { performance } from 'node:perf_hooks';
import { FLOOR_DOC_SCHEMAS } from '../../shared/docs';
import { PAYLOADS, type EventType } from '../../shared/events';
import type { CutPart } from '../../shared/master';
import { factoryDateTime } from '../../shared/reports/factory-time';
import { OUTPUT_EVENT_TYPES, outputPerBucket, outputRecords } from '../../shared/reports/output';
import { QC_EVENT_TYPES, qcRecords, qcSummary } from '../../shared/reports/qc-yield';
import type { Db, Queryable } from '../db/types';
import { rangeStart } from './reports';
import type { ChartRange, ChartsView } from './reports-contract';
import { enrollStation, pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

export const REPORT_DEPARTMENTS = ['cutting', 'sewing', 'finishing'] as const;
export const FORMULA_REASON = '=HYPERLINK("http://x","crooked ear")';
const FIN = lineOf('finishing');

export interface ReportFloor {
  push(d: Department, actions: Action[], operator?: string | null): Promise<FloorEvent[]>;
}

/** Stations (cutting, sewing, finishing), their operators, the finishing supervisor and the MOs, with the admin token. */
export async function reportFloor(app: FastifyInstance, orders: readonly ManufacturingOrder[]): Promise<ReportFloor> {
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const stations = new Map<string, EnrolledStation>();
  const post = async (url: string, payload: object) => {
    const res = await app.inject({ method: 'POST', url, headers: admin, payload });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  };
  for (const d of REPORT_DEPARTMENTS) {
    stations.set(stationOf(d), await enrollStation(app, stationOf(d), d));
    await post('/api/operators', { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' });
  }
  await post('/api/operators', { id: supervisorOf('finishing'), name: 'Finishing sup', roles: ['supervisor'], departments: ['finishing'], pin: '246802' });
  for (const order of orders) await post('/api/manufacturing-orders', order);
  const f = new EventFactory(() => Date.now());
  return {
    async push(d, actions, operator = operatorOf(d)) {
      const events = actions.map((a) => f.event(stationOf(d), operator, a));
      const res = await pushAs(app, stations.get(stationOf(d)), events);
      const results = res.statusCode === 200 ? res.json<PushResponse>().results : [];
      const refused = results.filter((r) => r.status !== 'applied');
      if (res.statusCode !== 200 || results.length !== events.length || refused.length > 0) throw new Error(`push from ${d}: ${res.statusCode} ${res.body}`);
      return events;
    },
  };
}

function handover(order: ManufacturingOrder, from: Department, to: Department, quantity: number): { lock: Action; accept: Action } {
  const ids = { transferId: uuidv7(), workOrderId: workOrderIdFor(order.id, from), toWorkOrderId: workOrderIdFor(order.id, to) };
  return {
    lock: { type: 'transfer.created', payload: { ...ids, articleCode: order.articleCode, quantity, from, to, lineId: lineOf(from) } },
    accept: { type: 'transfer.accepted', payload: { ...ids, countedQty: quantity, lineId: lineOf(to) } },
  };
}

/** Cut, sew (2 reworked at inline QC, then all passed), hand to finishing and stuff, close and groom. */
async function toFinishing(floor: ReportFloor, order: ManufacturingOrder): Promise<void> {
  const n = order.quantity;
  const W = (d: Department) => workOrderIdFor(order.id, d);
  const cut = handover(order, 'cutting', 'sewing', n);
  await floor.push('cutting', [{ type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: n } }, cut.lock]);
  const sew = (stage: 'assembly' | 'labelling' | 'back_loop'): Action => ({ type: 'sewing.stage', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage, goodQty: n, destinationLabel: order.destination } });
  const fin = handover(order, 'sewing', 'finishing', n);
  await floor.push('sewing', [
    cut.accept,
    sew('assembly'),
    { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'rework', qty: 2, defectReason: 'open seam' } },
    { type: 'qc.inline', payload: { workOrderId: W('sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: 'pass', qty: n } },
    sew('labelling'),
    sew('back_loop'),
    fin.lock,
  ]);
  const step = (s: 'stuffing' | 'closing' | 'grooming'): Action => ({ type: 'finishing.step', payload: { workOrderId: W('finishing'), lineId: FIN, step: s, qty: n } });
  await floor.push('finishing', [fin.accept, step('stuffing'), step('closing'), step('grooming')]);
}

const pass = (order: ManufacturingOrder, count: number): Action => ({ type: 'md.pass', payload: { lineId: FIN, workOrderId: workOrderIdFor(order.id, 'finishing'), deviceId: 'MD01', count } });

/** The batch (see the header); both MOs of at least 12 pieces. Returns the reject's event id (the halt's id). */
export async function recordBatch(floor: ReportFloor, order: ManufacturingOrder, other: ManufacturingOrder): Promise<{ rejectId: string; holdId: string }> {
  const fin = workOrderIdFor(order.id, 'finishing');
  // The other MO's lot first, verified; then ours (a new lot: verified again), bracketed by verifications.
  await toFinishing(floor, other);
  await floor.push('finishing', [verificationRun(FIN), pass(other, 6)], null);
  await toFinishing(floor, order);
  await floor.push('finishing', [verificationRun(FIN), pass(order, 12)], null);
  await floor.push('finishing', [
    { type: 'finishing.physicalQc', payload: { workOrderId: fin, lineId: FIN, result: 'pass', qty: 9 } },
    { type: 'finishing.physicalQc', payload: { workOrderId: fin, lineId: FIN, result: 'rework', qty: 3, defectReason: FORMULA_REASON } },
    { type: 'fg.converted', payload: { workOrderId: fin, lineId: FIN, qty: 5, fgArticleCode: order.articleCode } },
  ]);
  // The hourly check found the verification overdue: the 12 pieces since the last pass go on hold.
  const [overdue] = await floor.push('finishing', [{ type: 'md.verificationOverdue', payload: { lineId: FIN, deviceId: 'MD01', dueAtMs: Date.now() - 1_000 } }], null);
  const holdId = overdue?.id ?? '';
  const [reject] = await floor.push('finishing', [{ type: 'md.detection', payload: { lineId: FIN, workOrderId: fin, deviceId: 'MD01', metal: 'fe' } }], null);
  const rejectId = reject?.id ?? '';
  await floor.push(
    'finishing',
    [{ type: 'line.released', payload: { lineId: FIN, haltId: rejectId, supervisorId: supervisorOf('finishing'), disposition: 'metal_found', correctiveAction: 'needle tip found in the piece; piece destroyed' } }],
    supervisorOf('finishing'),
  );
  await floor.push('finishing', [verificationRun(FIN)], null);
  // Re-inspected, the held pieces pass: the supervisor releases the hold.
  await floor.push('finishing', [{ type: 'hold.released', payload: { holdId, supervisorId: supervisorOf('finishing'), results: [{ workOrderId: fin, passedQty: 12, rejectedQty: 0 }] } }], supervisorOf('finishing'));
  // After our closing verification: the other MO again (not ours), and labour clocked on our finishing SPK.
  await floor.push('finishing', [pass(other, 4), { type: 'labour.started', payload: { workOrderId: fin } }]);
  return { rejectId, holdId };
}

/**
 * A floor's worth of report events written straight into `events` (and the cutting SPKs' documents, for their bills),
 * for measuring and comparing the reports at volume: `mos` orders spread over the `days` before `nowMs`, each cut part
 * by part (BEAR-30's or BUNNY-25's bill), embroidered (Route 1), sewn stage by stage with inline QC after each stage
 * (about 6 % reworked and passed later, 1 % scrapped), finished (steps, detector passes, physical QC, conversion) and
 * packed, in batches of a few to a few dozen pieces; logins and detector passes as noise, a few refused events; and
 * stations offline for hours at a time (their events arrive late: server order is not time order). Deterministic for a
 * `seed`. Every payload parses by its type's schema (the caller may check: `rows`).
 */
export interface SeededEvent {
  id: string;
  station_id: string;
  seq: number;
  hlc: string;
  operator_id: string | null;
  type: string;
  payload: Record<string, unknown>;
  v: number;
  server_seq: number;
  status: 'applied' | 'refused';
  refusal: Record<string, unknown> | null;
}

export interface SeedOptions {
  nowMs: number;
  days: number;
  mos: number;
  seed?: number;
  /** Events placed exactly on these instants (and a millisecond either side), e.g. midnights and hour starts. */
  boundaries?: readonly number[];
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function reportEvents(opts: SeedOptions): { events: SeededEvent[]; workOrders: WorkOrderDoc[]; orders: ManufacturingOrder[] } {
  const rnd = prng(opts.seed ?? 1);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const span = opts.days * 86_400_000;
  const start = opts.nowMs - span;
  type Draft = { stationId: string; atMs: number; type: string; payload: Record<string, unknown>; operatorId: string | null; refused?: boolean };
  const drafts: Draft[] = [];
  const workOrders: WorkOrderDoc[] = [];
  const orders: ManufacturingOrder[] = [];
  const station = (d: Department, n: number) => stationOf(d, 1 + (n % 3));
  const line = (d: Department, n: number) => lineOf(d, 1 + (n % 3));
  let serial = 1;
  for (let i = 0; i < opts.mos; i++) {
    const route = i % 3 === 0 ? 'R1' : 'R2';
    const articleCode = i % 2 === 0 ? 'BEAR-30' : 'BUNNY-25';
    const order = mo(1000 + i, { route, quantity: int(120, 600), articleCode, cutParts: [...ARTICLE_BOMS[articleCode]] });
    orders.push(order);
    for (const wo of fanOut(order)) if (wo.place === 'cutting') workOrders.push(newWorkOrderDoc(wo));
    // Each MO moves through its departments over about two days, starting anywhere in the span (some before it).
    let t = start - 86_400_000 + rnd() * (span + 86_400_000);
    const step = () => (t += int(20_000, 900_000));
    const W = (d: Department) => workOrderIdFor(order.id, d);
    const add = (d: Department, type: string, payload: Record<string, unknown>, operatorId: string | null = operatorOf(d)) =>
      drafts.push({ stationId: station(d, i), atMs: Math.floor(step()), type, payload, operatorId, refused: rnd() < 0.004 });
    for (const { part, qtyPerSet } of order.cutParts) {
      for (let left = order.quantity * qtyPerSet; left > 0; ) {
        const goodQty = Math.min(left, int(10, 60));
        left -= goodQty;
        add('cutting', 'cutting.output', { workOrderId: W('cutting'), lineId: line('cutting', i), size: 'M', part, goodQty });
      }
    }
    if (route === 'R1') {
      for (let left = order.quantity; left > 0; ) {
        const goodQty = Math.min(left, int(5, 40));
        left -= goodQty;
        add('embroidery', 'embroidery.output', { workOrderId: W('embroidery'), lineId: line('embroidery', i), goodQty, defectQty: rnd() < 0.2 ? int(0, 2) : 0 });
      }
    }
    for (const stage of ['assembly', 'labelling', 'back_loop'] as const) {
      let rework = 0;
      for (let left = order.quantity; left > 0; ) {
        const goodQty = Math.min(left, int(5, 30));
        left -= goodQty;
        add('sewing', 'sewing.stage', { workOrderId: W('sewing'), lineId: line('sewing', i), stage, goodQty, destinationLabel: order.destination });
        const bad = rnd() < 0.3 ? int(1, Math.min(3, goodQty)) : 0;
        const scrap = bad > 0 && rnd() < 0.15 ? 1 : 0;
        const qc = (result: string, qty: number) =>
          qty > 0 && add('sewing', 'qc.inline', { workOrderId: W('sewing'), lineId: line('sewing', i), stage, result, qty, ...(result === 'pass' ? {} : { defectReason: 'open seam' }) });
        qc('pass', goodQty - bad);
        qc('rework', bad - scrap);
        qc('scrap', scrap);
        rework += bad - scrap;
        if (rework > 0 && rnd() < 0.5) {
          qc('pass', rework);
          rework = 0;
        }
      }
      if (rework > 0) add('sewing', 'qc.inline', { workOrderId: W('sewing'), lineId: line('sewing', i), stage, result: 'pass', qty: rework });
    }
    for (let left = order.quantity; left > 0; ) {
      const qty = Math.min(left, int(6, 24));
      left -= qty;
      for (const s of ['stuffing', 'closing', 'grooming']) add('finishing', 'finishing.step', { workOrderId: W('finishing'), lineId: line('finishing', i), step: s, qty });
      add('finishing', 'md.pass', { lineId: line('finishing', i), workOrderId: W('finishing'), deviceId: 'MD01', count: qty }, null);
      const rw = qty > 1 && rnd() < 0.1 ? 1 : 0;
      add('finishing', 'finishing.physicalQc', { workOrderId: W('finishing'), lineId: line('finishing', i), result: 'pass', qty: qty - rw });
      if (rw) {
        add('finishing', 'finishing.physicalQc', { workOrderId: W('finishing'), lineId: line('finishing', i), result: 'rework', qty: rw, defectReason: 'crooked ear' });
        add('finishing', 'qc.inline', { workOrderId: W('finishing'), lineId: line('finishing', i), stage: 'final', result: 'pass', qty: rw });
      }
      add('finishing', 'fg.converted', { workOrderId: W('finishing'), lineId: line('finishing', i), qty, fgArticleCode: articleCode });
    }
    for (let left = order.quantity; left > 0; ) {
      const qty = Math.min(left, 24);
      left -= qty;
      add('packing', 'packing.carton', { workOrderId: W('packing'), lineId: line('packing', i), sscc: makeSscc(0, '8991234', serial++), destination: order.destination, shipWeek: order.shipWeek, qty });
    }
    if (i % 4 === 0) add('sewing', 'operator.login', { method: 'badge_pin' });
  }
  // Records exactly on the boundaries asked for, and a millisecond either side.
  for (const [n, b] of (opts.boundaries ?? []).entries()) {
    for (const at of [b - 1, b, b + 1]) {
      const wo = workOrderIdFor(mo(1000 + (n % Math.max(1, opts.mos))).id, 'sewing');
      drafts.push({ stationId: stationOf('sewing', 3), atMs: at, type: 'sewing.stage', payload: { workOrderId: wo, lineId: lineOf('sewing', 3), stage: 'back_loop', goodQty: 1 + (n % 5) }, operatorId: operatorOf('sewing') });
      drafts.push({ stationId: stationOf('sewing', 3), atMs: at, type: 'qc.inline', payload: { workOrderId: wo, lineId: lineOf('sewing', 3), stage: 'back_loop', result: n % 2 ? 'rework' : 'pass', qty: 1 }, operatorId: operatorOf('sewing') });
    }
  }
  drafts.sort((a, b) => a.atMs - b.atMs);
  // Stations offline for hours: what they record in such a window reaches the server when it ends.
  const arrival = (d: Draft) => {
    const window = Math.floor(d.atMs / (6 * 3_600_000));
    const offline = prng(window * 31 + d.stationId.length + d.stationId.charCodeAt(3) + Number(d.stationId.slice(-1)))() < 0.08;
    return offline ? (window + 1) * 6 * 3_600_000 : d.atMs;
  };
  const seqs = new Map<string, number>();
  const lastWall = new Map<string, number>();
  const events = drafts.map((d) => {
    const seq = (seqs.get(d.stationId) ?? 0) + 1;
    seqs.set(d.stationId, seq);
    const last = lastWall.get(d.stationId) ?? -1;
    const counter = d.atMs <= last ? seq : 0;
    lastWall.set(d.stationId, Math.max(last, d.atMs));
    return { d, arrives: arrival(d), seq, hlc: formatHlc({ wallMs: d.atMs, counter, nodeId: d.stationId }) };
  });
  events.sort((a, b) => a.arrives - b.arrives || a.d.atMs - b.d.atMs);
  return {
    workOrders,
    orders,
    events: events.map(({ d, seq, hlc }, n) => ({
      id: uuidv7(() => d.atMs),
      station_id: d.stationId,
      seq,
      hlc,
      operator_id: d.operatorId,
      type: d.type,
      payload: d.payload,
      v: EVENT_SCHEMA_VERSION,
      server_seq: n + 1,
      status: d.refused ? 'refused' : 'applied',
      refusal: d.refused ? { code: 'wip_exceeded', message: 'seeded refusal' } : null,
    })),
  };
}

/** Writes `reportEvents(opts)` into the database (stations, the cutting SPKs' documents, the events). */
export async function seedReportEvents(db: Db, opts: SeedOptions): Promise<number> {
  const { events, workOrders, orders } = reportEvents(opts);
  const stations = [...new Set(events.map((e) => e.station_id))];
  await db.query(
    `INSERT INTO stations (id, department, name, public_key) SELECT s, 'cutting', s, 'seed' FROM unnest($1::text[]) AS s ON CONFLICT DO NOTHING`,
    [stations],
  );
  await db.query(
    `INSERT INTO documents (kind, id, body, scope, version) SELECT x.kind, x.id, x.body, ARRAY['all'], 1 FROM jsonb_to_recordset($1::jsonb) AS x(kind text, id text, body jsonb)
     ON CONFLICT (kind, id) DO NOTHING`,
    [JSON.stringify([...workOrders.map((w) => ({ kind: 'workOrder', id: w.id, body: w })), ...orders.map((o) => ({ kind: 'manufacturingOrder', id: o.id, body: o }))])],
  );
  for (let i = 0; i < events.length; i += 5_000) {
    await db.query(
      `INSERT INTO events (id, station_id, seq, hlc, operator_id, type, payload, v, server_seq, status, refusal)
       SELECT id, station_id, seq, hlc, operator_id, type, payload, v, server_seq, status, refusal
         FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, station_id text, seq bigint, hlc text, operator_id text, type text, payload jsonb, v int, server_seq bigint, status text, refusal jsonb)`,
      [JSON.stringify(events.slice(i, i + 5_000))],
    );
  }
  return events.length;
}

/**
 * The charts as computed before issue 14 (every output and QC event read whole, parsed, and aggregated here), kept
 * verbatim as the reference the faster `loadCharts` is compared with (reports-equivalence.test.ts) and measured against
 * (tests/bench/reports.bench.ts). `phases` receives its time split: SQL (with the driver's JSON parse), schema parse,
 * aggregation.
 */
export async function loadChartsReference(q: Queryable, range: ChartRange, nowMs: number, tz: string, phases?: (p: { sqlMs: number; parseMs: number; aggregateMs: number; rows: number }) => void): Promise<ChartsView> {
  type EventRow = { id: string; station_id: string; seq: number; hlc: string; operator_id: string | null; type: string; payload: unknown; v: number };
  const isEventType = (type: string): type is EventType => Object.hasOwn(PAYLOADS, type);
  const events = (rows: readonly EventRow[]): FloorEvent[] =>
    rows.flatMap((r) => {
      if (!isEventType(r.type) || r.v !== EVENT_SCHEMA_VERSION) return [];
      const payload = PAYLOADS[r.type].safeParse(r.payload);
      if (!payload.success) return [];
      const event = { id: r.id, stationId: r.station_id, seq: Number(r.seq), hlc: r.hlc, operatorId: r.operator_id, v: EVENT_SCHEMA_VERSION, type: r.type, payload: payload.data };
      return [event as FloorEvent];
    });
  const t0 = performance.now();
  const from = rangeStart(range, nowMs, tz);
  const types = [...OUTPUT_EVENT_TYPES, ...QC_EVENT_TYPES];
  const history = ['cutting.output', ...QC_EVENT_TYPES];
  const rows = await q.query<EventRow>(
    `SELECT id::text, station_id, seq, hlc, operator_id, type, payload, v FROM events
      WHERE status = 'applied' AND type = ANY($1::text[])
        AND (hlc >= $2 OR (type = ANY($3::text[]) AND payload->>'workOrderId' IN (
              SELECT payload->>'workOrderId' FROM events WHERE status = 'applied' AND type = ANY($3::text[]) AND hlc >= $2)))
      ORDER BY server_seq`,
    [types, String(from).padStart(13, '0'), history],
  );
  const t1 = performance.now();
  const all = events(rows);
  const t2 = performance.now();
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
  for (let t = from; t < nowMs; t += 3_600_000) starts.push(t);
  const view: ChartsView = {
    range,
    timeZone: tz,
    from: new Date(from).toISOString(),
    to: new Date(nowMs).toISOString(),
    buckets: starts.map((s) => ({ start: new Date(s).toISOString(), local: factoryDateTime(s, tz).slice(0, 16) })),
    output: outputPerBucket(outputRecords(all, (wo) => boms.get(wo)), starts, nowMs),
    qc: qcSummary(qcRecords(all), from, nowMs),
  };
  phases?.({ sqlMs: t1 - t0, parseMs: t2 - t1, aggregateMs: performance.now() - t2, rows: rows.length });
  return view;
}
