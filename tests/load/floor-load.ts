/**
 * Sustained load on the sync server (issue 16, "Load"): `stations` enrolled stations (spread over the five
 * departments), each with its live stream (GET /api/stream, SSE) open for the whole run and pushing one event per
 * second on its own schedule (phases spread over the second), while `dashboards` supervisors have the dashboard open:
 * each reads the views once (GET /api/dashboard/views) and holds the live channel opened from the revisions it brought
 * (GET /api/dashboard/live?<those revisions>), which sends floor, alerts, conflicts, orders and fleet as what changed
 * since, as the screen does (renderer/dashboard/store.ts); the dashboards run in a process of their own
 * (load-dashboard.ts says why). The server runs in its own process
 * (tests/bench/sync/server-process.ts) on a throw-away PostgreSQL database.
 *
 * Measured: push acknowledgement latency (request sent → answer read), errors (non-200, network errors, events not
 * applied, streams that ended early, failed dashboard reads, live updates that said `failed` or did not fit the
 * revisions held), the server's heap after a full GC and its RSS every
 * `sampleEveryMs`, and the PostgreSQL connections the server holds (pg_stat_activity, by the server's
 * application_name). Afterwards the integrity check: per station, the events applied in PostgreSQL are exactly the
 * pushes it had acknowledged (none lost, none applied twice, nothing applied that was answered with an error).
 *
 * Used by the load test (tests/load/floor-load.test.ts, CI size) and the scale benchmark (tests/bench/sync/scale.ts).
 * Simulated stations speak HTTP directly: 200 RxDB cores in one process would measure the load generator.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Action } from '../../shared/events';
import { workOrderIdFor, type Department } from '../../shared/master';
import { EventFactory, mo } from '../../shared/testing/fixtures';
import { PushResponse } from '../../shared/sync';
import { epochNow, openDashboards, type OpenDashboards } from './load-dashboard';
import { makeAccount } from '../../sync-server/dashboard/testing';
import type { BenchResult } from '../bench/bench-format';
import {
  BenchHttp,
  CODE,
  createBenchDatabase,
  createOperators,
  type BenchDatabase,
  type ServerProcess,
  createOrder,
  enrollStation,
  mapLimit,
  percentile,
  pgBaseUrl,
  result,
  sleep,
  startServerProcess,
  type BenchStation,
} from '../bench/sync/harness';

export interface FloorLoadOptions {
  stations: number;
  seconds: number;
  /** Open dashboards (a read, then the live channel's updates). */
  dashboards: number;
  /** Memory and connection samples every this many ms (and one at the start and the end of the load). */
  sampleEveryMs?: number;
  log?: (msg: string) => void;
}

export interface Sample {
  /** ms since the load started. */
  at: number;
  heapUsed: number;
  rss: number;
  /** PostgreSQL connections held by the server process. */
  connections: number;
}

export interface FloorLoadFigures {
  stations: number;
  seconds: number;
  dashboards: number;
  /** Push acknowledgement latencies in ms, sorted (the pushes sent after the phase's lead-in). */
  latencies: number[];
  /** The lead-in's (LoadPhase.leadInSeconds), sorted: the phase's opening, kept apart. */
  leadInLatencies: number[];
  pushes: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Change messages delivered on the stations' streams. */
  streamChanges: number;
  /** Live updates (`views`) the open dashboards received, each fitting the revisions they held. */
  dashboardUpdates: number;
  samples: Sample[];
  /**
   * With `trace` (all times epoch ms, fractional): every acknowledged push (sent, acknowledged) and each dashboard's
   * live updates (`asOf`, the server's: it holds every commit before; received).
   */
  trace?: { pushes: { sent: number; acked: number }[]; dashboards: { asOf: number; received: number }[][] };
  /** The server's pool size (its connection ceiling). */
  poolMax: number;
  /** Events applied in PostgreSQL during the phase, pushes acknowledged, and the sum over stations of |applied − acknowledged|. */
  integrity: { applied: number; acknowledged: number; mismatched: number };
}

const DEPARTMENTS: readonly Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];
const SERVER_APP_NAME = 'qsf-load-server';
const DASHBOARD_APP_NAME = 'qsf-load-dashboard';
const POOL_MAX = 10;

interface Stream {
  changes: number;
  endedEarly: boolean;
  close(): void;
}

/** Reads an SSE response, counting `"type":"change"` messages and calling `onChange` for each chunk holding any. */
async function openSse(url: string, headers: Record<string, string>, onChange: (n: number) => void = () => undefined): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream ${url}: ${res.status}`);
  const st: Stream = { changes: 0, endedEarly: false, close: () => abort.abort() };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const n = value.split('"type":"change"').length - 1;
        st.changes += n;
        if (n > 0) onChange(n);
      }
      if (!abort.signal.aborted) st.endedEarly = true;
    } catch {
      if (!abort.signal.aborted) st.endedEarly = true;
    }
  })();
  return st;
}

/** Connections held by the server process on `database` (by its application_name). */
async function serverConnections(admin: pg.Client, database: string): Promise<number> {
  const r = await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [database, SERVER_APP_NAME]);
  return Number(r.rows[0]?.n ?? 0);
}

/** A floor under load: the server process on its database, enrolled stations (each with its MO) and their streams. */
export interface LoadFloor {
  bdb: BenchDatabase;
  /** The server the stations push to and stream from. */
  server: ServerProcess;
  /**
   * The server the dashboards open: `server` itself, or (FloorSetup.dashboardInstance 'own') a second instance of the
   * same server on the same database, as a floor deploys the office's dashboard apart from the stations' server.
   */
  dashboardServer: ServerProcess;
  admin: pg.Client;
  stations: BenchStation[];
  /** Each station's work order (its MO's SPK for the station's department). */
  workOrderOf: Map<string, string>;
  /** Stations whose SPK receipt was pushed (the first event of the first phase). */
  received: Set<string>;
  http: BenchHttp;
  /** Every event pushed on this floor comes from here: each station's seqs run on across phases. */
  events: EventFactory;
  log: (msg: string) => void;
}

export interface FloorSetup {
  stations: number;
  /**
   * 'shared' (default): the dashboards open the stations' server. 'own': a second server process on the same database
   * serves them (its live views fed by the same LISTEN/NOTIFY as every instance's).
   */
  dashboardInstance?: 'shared' | 'own';
  /** With dashboardInstance 'own': that instance's CPU priority (nice, 0–19), as a deployment's systemd Nice= sets it. */
  dashboardNice?: number;
  /** Called with the floor before the streams open (bulk data for the dashboard benchmark). */
  seed?: (floor: LoadFloor) => Promise<void>;
  log?: (msg: string) => void;
}

/** Runs `run` on a new floor; afterwards (also after a failure) the server stops and the database is dropped. */
export async function withLoadFloor<T>(setup: FloorSetup, run: (floor: LoadFloor) => Promise<T>): Promise<T> {
  const log = setup.log ?? (() => undefined);
  const bdb = await createBenchDatabase();
  const admin = new pg.Client({ connectionString: pgBaseUrl() });
  await admin.connect();
  const urlAs = (applicationName: string) => {
    const url = new URL(bdb.url);
    url.searchParams.set('application_name', applicationName);
    return url.toString();
  };
  try {
    const server = await startServerProcess(urlAs(SERVER_APP_NAME), { poolMax: POOL_MAX });
    const http = new BenchHttp(server.baseUrl, setup.stations);
    let dashboardServer = server;
    try {
      if (setup.dashboardInstance === 'own') dashboardServer = await startServerProcess(urlAs(DASHBOARD_APP_NAME), { poolMax: POOL_MAX, nice: setup.dashboardNice });
      const { baseUrl } = server;
      await createOperators(baseUrl, DEPARTMENTS);
      const slots = Array.from({ length: setup.stations }, (_, i) => ({ department: DEPARTMENTS[i % DEPARTMENTS.length] as Department, n: Math.floor(i / DEPARTMENTS.length) + 1 }));
      log(`load: enrolling ${setup.stations} stations, one MO each`);
      const stations = await mapLimit(slots, 8, (x) => enrollStation(baseUrl, x.department, x.n));
      const orders = stations.map((_, i) => mo(3000 + i, { route: 'R1', quantity: 1_000_000 }));
      await mapLimit(orders, 8, (m) => createOrder(baseUrl, m));
      const workOrderOf = new Map(stations.map((s, i) => [s.id, workOrderIdFor((orders[i] ?? orders[0])!.id, s.department)]));
      const floor: LoadFloor = { bdb, server, dashboardServer, admin, stations, workOrderOf, received: new Set(), http, events: new EventFactory(() => Date.now()), log };
      await setup.seed?.(floor);
      return await run(floor);
    } finally {
      http.close();
      if (dashboardServer !== server) await dashboardServer.stop();
      await server.stop();
    }
  } finally {
    await admin.end().catch(() => undefined);
    await bdb.drop();
  }
}

export interface LoadPhase {
  seconds: number;
  /** Open dashboards (a read, then the live channel's updates). */
  dashboards: number;
  /** Memory and connection samples every this many ms (and one at the end of the load). */
  sampleEveryMs?: number;
  /**
   * False: no samples while the stations push, only the one after. A memory sample runs a full garbage collection in
   * the server first (server-process.ts), which stops its event loop for 10–25 ms: pushes arriving meanwhile wait.
   */
  sampleDuringLoad?: boolean;
  /** Keep each push's send and acknowledgement times and the dashboards' read logs (figures.trace). */
  trace?: boolean;
  /**
   * Seconds of pushes before `seconds` of measured ones (default 0): their latencies go to `leadInLatencies`. The
   * phase's opening (the stations' streams and the dashboards just opened, the dashboards' first live round catching up
   * with every change made while none was open) is not what it holds open.
   */
  leadInSeconds?: number;
  /**
   * Called as the stations start pushing and as their last push is answered (before the phase's checks), with the
   * simulated dashboards' process id (null without dashboards).
   */
  pushing?: (state: 'started' | 'done', dashboardsPid: number | null) => void;
}

let accounts = 0;

/** Every station pushes one event a second for `seconds`, with `dashboards` dashboards open; streams open throughout. */
export async function runLoadPhase(floor: LoadFloor, phase: LoadPhase): Promise<FloorLoadFigures> {
  const { server, bdb, admin, stations, log } = floor;
  const { baseUrl } = server;
  const { seconds, dashboards: nDashboards } = phase;
  const sampleEveryMs = phase.sampleEveryMs ?? 10_000;
  const streams: Stream[] = [];
  let dashboards: OpenDashboards | null = null;
  try {
    streams.push(...(await mapLimit(stations, 20, (s) => openSse(`${baseUrl}/api/stream`, s.auth))));
    const names = Array.from({ length: nDashboards }, () => `load-supervisor-${++accounts}`);
    for (const a of names) await makeAccount(bdb.db, a, 'admin');
    if (names.length > 0) dashboards = await openDashboards(floor.dashboardServer.baseUrl, names, phase.trace ?? false);
    const appliedBefore = await appliedPerStation(bdb, stations);

    const f = floor.events;
    const actionFor = (s: BenchStation, wo: string): Action => {
      if (!floor.received.has(s.id)) {
        floor.received.add(s.id);
        return { type: 'spk.received', payload: { workOrderId: wo } };
      }
      if (s.department === 'cutting') return { type: 'cutting.output', payload: { workOrderId: wo, lineId: s.lineId, size: 'M', part: 'body', goodQty: 1 } };
      return { type: 'material.allocated', payload: { workOrderId: wo, materials: [{ materialCode: `MAT-${CODE[s.department]}`, qty: 1, unit: 'pcs' }] } };
    };

    const latencies: number[] = [];
    const errorKinds: Record<string, number> = {};
    let errors = 0;
    const fail = (kind: string) => {
      errors++;
      errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    };
    const acknowledged = new Map<string, number>();
    const pushTimes: { sent: number; acked: number }[] = [];
    const samples: Sample[] = [];
    const start = performance.now() + 200;
    const measuredFrom = start + (phase.leadInSeconds ?? 0) * 1000;
    const end = measuredFrom + seconds * 1000;
    const leadInLatencies: number[] = [];
    const sample = async () => samples.push({ at: performance.now() - start, ...(await server.mem()), connections: await serverConnections(admin, bdb.name) });
    let loadDone = false;
    const sampler = (async () => {
      if (phase.sampleDuringLoad === false) return;
      for (let k = 0; !loadDone; k++) {
        await sleep(Math.max(0, start + k * sampleEveryMs - performance.now()));
        if (loadDone) return;
        await sample();
      }
    })();

    log(`load: ${stations.length} station streams and ${nDashboards} dashboards open; 1 event/s per station for ${seconds} s`);
    phase.pushing?.('started', dashboards?.pid ?? null);
    await Promise.all(
      stations.map(async (s, i) => {
        const wo = floor.workOrderOf.get(s.id)!;
        const phaseMs = (i * 1000) / stations.length;
        for (let k = 0; ; k++) {
          const due = start + phaseMs + k * 1000;
          if (due >= end) return;
          await sleep(Math.max(0, due - performance.now()));
          const body = JSON.stringify({ events: [f.event(s.id, `OP-${CODE[s.department]}1`, actionFor(s, wo))] });
          const t0 = performance.now();
          const into = t0 < measuredFrom ? leadInLatencies : latencies;
          try {
            const res = await floor.http.post('/api/push', s.auth, body);
            into.push(performance.now() - t0);
            if (res.status !== 200) fail(`http ${res.status}`);
            else if (PushResponse.parse(JSON.parse(res.text)).results[0]?.status !== 'applied') fail('not applied');
            else {
              acknowledged.set(s.id, (acknowledged.get(s.id) ?? 0) + 1);
              if (phase.trace) pushTimes.push({ sent: performance.timeOrigin + t0, acked: epochNow() });
            }
          } catch {
            into.push(performance.now() - t0);
            fail('network');
          }
        }
      }),
    );
    phase.pushing?.('done', dashboards?.pid ?? null);
    loadDone = true;
    await sampler;
    await sample();
    for (const st of streams) if (st.endedEarly) fail('station stream ended');
    const d = dashboards ? await dashboards.close() : { updates: 0, failed: 0, endedEarly: 0, logs: [] };
    dashboards = null;
    for (let i = 0; i < d.endedEarly; i++) fail('dashboard stream ended');
    for (let i = 0; i < d.failed; i++) fail('dashboard update failed');
    latencies.sort((a, b) => a - b);
    leadInLatencies.sort((a, b) => a - b);

    // Integrity: per station, the events applied during this phase are exactly the pushes it had acknowledged.
    const appliedAfter = await appliedPerStation(bdb, stations);
    const applied = (id: string) => (appliedAfter.get(id) ?? 0) - (appliedBefore.get(id) ?? 0);
    const mismatched = stations.reduce((n, s) => n + Math.abs(applied(s.id) - (acknowledged.get(s.id) ?? 0)), 0);
    return {
      stations: stations.length,
      seconds,
      dashboards: nDashboards,
      latencies,
      leadInLatencies,
      pushes: latencies.length + leadInLatencies.length,
      errors,
      errorKinds,
      streamChanges: streams.reduce((n, st) => n + st.changes, 0),
      dashboardUpdates: d.updates,
      samples,
      ...(phase.trace ? { trace: { pushes: pushTimes, dashboards: d.logs } } : {}),
      poolMax: POOL_MAX,
      integrity: {
        applied: stations.reduce((n, s) => n + applied(s.id), 0),
        acknowledged: [...acknowledged.values()].reduce((a, b) => a + b, 0),
        mismatched,
      },
    };
  } finally {
    for (const st of streams) st.close();
    await dashboards?.close();
  }
}

async function appliedPerStation(bdb: BenchDatabase, stations: readonly BenchStation[]): Promise<Map<string, number>> {
  const rows = await bdb.db.query<{ station_id: string; applied: string }>(
    "SELECT station_id, count(*) AS applied FROM events WHERE station_id = ANY($1) AND status = 'applied' GROUP BY station_id",
    [stations.map((s) => s.id)],
  );
  return new Map(rows.map((r) => [r.station_id, Number(r.applied)]));
}

/** A new floor of `stations`, one load phase on it. */
export async function runFloorLoad(opts: FloorLoadOptions): Promise<FloorLoadFigures> {
  return withLoadFloor({ stations: opts.stations, log: opts.log }, (floor) => runLoadPhase(floor, opts));
}

/** Least-squares slope of `y` over `x` (units of y per unit of x). */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** The figures as benchmark rows (the load test asserts every row met; the scale benchmark prints them). */
export function loadResults(x: FloorLoadFigures): BenchResult[] {
  const head = `${x.stations} stations, ${x.dashboards} dashboards, 1 ev/s each, ${x.seconds} s`;
  const refAt = Math.min(60_000, (x.seconds * 1000) / 2);
  const ref = x.samples.find((s) => s.at >= refAt) ?? x.samples[0];
  const last = x.samples[x.samples.length - 1];
  if (!ref || !last) throw new Error('no memory samples');
  const mb = (b: number) => b / 1048576;
  const after = x.samples.filter((s) => s.at >= ref.at);
  const perMinute = (pick: (s: Sample) => number) => slope(after.map((s) => ({ x: s.at / 60_000, y: mb(pick(s)) })));
  const refLabel = `${(ref.at / 1000).toFixed(0)} s`;
  const maxConnections = Math.max(...x.samples.map((s) => s.connections));
  return [
    result(`load (${head}): push ack p95 (p50 ${percentile(x.latencies, 50).toFixed(1)} ms, ${x.pushes} pushes)`, percentile(x.latencies, 95), 'ms', '< 200'),
    result(`load: push ack p99`, percentile(x.latencies, 99), 'ms', '< 200'),
    result(`load: error rate (non-200, network, not applied, dropped streams, failed dashboard updates: ${JSON.stringify(x.errorKinds)})`, x.pushes === 0 ? 100 : (x.errors / x.pushes) * 100, '%', '< 0.5'),
    result(`load: acknowledged events not applied exactly once (${x.integrity.acknowledged} acknowledged, ${x.integrity.applied} applied in PostgreSQL)`, x.integrity.mismatched, 'count', '<= 0'),
    result(`load: station stream changes delivered (live)`, x.streamChanges, 'count', '>= 1'),
    result(`load: dashboard live updates received, each from the revisions held`, x.dashboardUpdates, 'count', `>= ${x.dashboards}`),
    result(`load: server heap after GC, ${refLabel} → end (${mb(ref.heapUsed).toFixed(1)} → ${mb(last.heapUsed).toFixed(1)} MB; trend ${perMinute((s) => s.heapUsed).toFixed(2)} MB/min)`, ((last.heapUsed - ref.heapUsed) / ref.heapUsed) * 100, '%', '< 20'),
    result(`load: server RSS, ${refLabel} → end (${mb(ref.rss).toFixed(1)} → ${mb(last.rss).toFixed(1)} MB; trend ${perMinute((s) => s.rss).toFixed(2)} MB/min)`, ((last.rss - ref.rss) / ref.rss) * 100, '%', '< 20'),
    result(`load: PostgreSQL connections held by the server, most seen in ${x.samples.length} samples (pool max ${x.poolMax} + the one LISTEN connection)`, maxConnections, 'count', `<= ${x.poolMax + 1}`),
  ];
}
