/**
 * bench:dashboard (issue 14): the supervisors' dashboard on a big floor. 200 stations (each with its MO), MOs up to
 * DASH_BENCH_ORDERS (2,000: 10,000 open work orders) and DASH_BENCH_EVENTS (1,000,000) historical events in
 * PostgreSQL (spread over 30 days, on the same stations, below their real seqs), the server in its own process.
 *
 *   1. Floor view first render: Chromium opens the dashboard (logged in) and the floor's WIP appears; worst of three
 *      cold loads (each after a change, so no cached view serves it), on a running floor: the server read the seeded
 *      floor once before (timed and logged on its own: the seeding's 9,000 work orders came in a minute). Goal < 1 s.
 *   2. Push → open dashboard: during the loaded phases with dashboards open (below), for every acknowledged push, the
 *      first live update (floor, alerts, conflicts, orders, fleet: what changed) the first dashboard received that the
 *      server computed after the push's acknowledgement was read here (its `asOf`, the same machine's clock: so it
 *      holds the event): received − the push's send. p95 over those phases' pushes, goal < 500 ms.
 *   3. 50 open dashboards add < 10 % to push-ack p99, side by side: the 200 stations push 1 event/s each, with no
 *      dashboard open for DASH_BENCH_LOAD_SECONDS (180) in all and with DASH_BENCH_DASHBOARDS (50) open (each, as the
 *      screen, holding the live channel that sends what changed since the revisions it holds; in a process of their
 *      own at nice 19, tests/load/load-dashboard.ts says why; on the stations' server, or with
 *      DASH_BENCH_DASHBOARD_INSTANCE=own on a server instance of their own at nice 10, README's "Deploying the
 *      dashboard") as long. First a warm-up phase, not
 *      measured (DASH_BENCH_WARMUP_SECONDS, 15 s, dashboards open: straight after the seeding the database is busy
 *      with its own work, autovacuum and checkpoints, and caches are cold); then DASH_BENCH_ROUNDS (12) phases per
 *      side of DASH_BENCH_LOAD_SECONDS / DASH_BENCH_ROUNDS each (15 s), in counterbalanced order (none, dashboards,
 *      dashboards, none; then the same again), so a drift of the shared machine's load over the run falls on both
 *      sides alike (a steady drift cancels exactly; in plain alternation the no-dashboard phases run on average one
 *      phase earlier); many short phases rather than a few long ones, as the machine's pace wanders by the minute
 *      (phases of one side 35–75 ms apart in one run), and each starts vacuumed (`vacuum`). Twelve per side since the
 *      slow pushes were traced to stalls outside the server's event loop (PostgreSQL's or the disk's: BENCH_STALL_TRACE_FILE) that
 *      fall a few per phase on either side: the p99 of six phases per side swung the ratio 0.82–1.24 in one afternoon. The ratio is p99 of the pooled latencies with dashboards ÷ p99 of the pooled ones without;
 *      each phase's p99 is logged and named in the row, so the drift shows. Every push of a phase counts, its opening
 *      included. (DASH_BENCH_LEAD_IN_SECONDS > 0 leaves each phase's first seconds out on both sides, their p99 logged
 *      and named in the row apart. It was 2 s while opening 50 dashboards under load held the pushes up for a second:
 *      their first live round caught up with the ~3,000 changes made while none was open; since the server keeps the
 *      first views current with no dashboard open (live.ts keep), the openings are no slower than the rest.)
 * Needs PostgreSQL (TEST_DATABASE_URL or SYNC_BENCH_DATABASE_URL) and Chromium (CHROMIUM_PATH or /usr/bin/chromium).
 * Each load phase logs the CPU time the server process (all its threads), the dashboards' instance, PostgreSQL, this
 * process (the stations) and the simulated dashboards' process used while its stations pushed: on 2 shared cores the push-ack ratio alone does not say where
 * the time went.
 * DASH_BENCH_TRACE_DIR: each load phase's pushes (sent, acknowledged; epoch ms) and, with dashboards, the first
 * dashboard's live updates (the server's asOf, received) as <phase>.json there, to see when the slow pushes fell,
 * and the stations' server's event-loop stalls and garbage collections as server-stalls.jsonl (server-process.ts).
 * DASH_BENCH_PROFILE_DIR: the server's CPU profile of each load phase (warm-up.cpuprofile, quiet-1.cpuprofile,
 * watched-1.cpuprofile, …) there, and the page's of each cold load (first-render-1.cpuprofile, …).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { mo } from '../../shared/testing/fixtures';
import { ensureDashboardScreen } from '../../renderer/build';
import { SessionInfo } from '../../sync-server/dashboard/contract';
import { TEST_PASSWORD, makeAccount } from '../../sync-server/dashboard/testing';
import { launchChromium } from '../browser/testing';
import { CODE, createOrder, mapLimit, percentile, processCpuMs, result, sleep } from './sync/harness';
import { printBench, type BenchResult } from './bench-format';
import { loadResults, runLoadPhase, withLoadFloor, type FloorLoadFigures, type LoadFloor, type LoadPhase } from '../load/floor-load';

const env = z
  .object({
    DASH_BENCH_ORDERS: z.coerce.number().int().min(200).max(20_000).default(2_000),
    DASH_BENCH_EVENTS: z.coerce.number().int().min(0).max(10_000_000).default(1_000_000),
    DASH_BENCH_LOAD_SECONDS: z.coerce.number().int().min(5).max(3600).default(180),
    DASH_BENCH_WARMUP_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
    DASH_BENCH_ROUNDS: z.coerce.number().int().min(1).max(60).default(12),
    DASH_BENCH_DASHBOARDS: z.coerce.number().int().min(1).max(500).default(50),
    DASH_BENCH_PROFILE_DIR: z.string().optional(),
    DASH_BENCH_TRACE_DIR: z.string().optional(),
    DASH_BENCH_LEAD_IN_SECONDS: z.coerce.number().min(0).max(60).default(0),
    DASH_BENCH_DASHBOARD_INSTANCE: z.enum(['own', 'shared']).default('shared'),
    DASH_BENCH_DASHBOARD_NICE: z.coerce.number().int().min(0).max(19).default(10),
  })
  .parse(process.env);
// Made here, so a trace or profile is not lost after minutes of seeding for want of its folder.
for (const dir of [env.DASH_BENCH_PROFILE_DIR, env.DASH_BENCH_TRACE_DIR]) if (dir) mkdirSync(dir, { recursive: true });
// With the traces, the server's own stalls (event loop held, garbage collections) beside them (server-process.ts).
if (env.DASH_BENCH_TRACE_DIR) process.env.BENCH_STALL_TRACE_FILE = join(env.DASH_BENCH_TRACE_DIR, 'server-stalls.jsonl');
const STATIONS = 200;
const log = (m: string) => console.error(`[bench:dashboard] ${m}`);

/** The extra MOs and the historical events, straight into PostgreSQL (the events) and through the office API (MOs). */
async function seed(floor: LoadFloor): Promise<void> {
  const { baseUrl } = floor.server;
  const extra = Array.from({ length: env.DASH_BENCH_ORDERS - STATIONS }, (_, i) => mo(6000 + i, { route: 'R1', quantity: 1_000 }));
  log(`seeding ${extra.length} more MOs (${env.DASH_BENCH_ORDERS * 5} work orders in all)`);
  await mapLimit(extra, 8, (m) => createOrder(baseUrl, m));
  const ids = floor.stations.map((s) => s.id);
  const departments = floor.stations.map((s) => s.department);
  const lines = floor.stations.map((s) => s.lineId);
  const workOrders = floor.stations.map((s) => floor.workOrderOf.get(s.id)!);
  const chunk = 100_000;
  for (let from = 1; from <= env.DASH_BENCH_EVENTS; from += chunk) {
    const to = Math.min(env.DASH_BENCH_EVENTS, from + chunk - 1);
    log(`seeding events ${from}..${to}`);
    // Below every real seq and server_seq (negative), so the stations' own pushes go on from 1 as enrolled.
    await floor.bdb.db.query(
      `INSERT INTO events (id, station_id, seq, hlc, operator_id, type, payload, v, received_at, server_seq, status)
       SELECT gen_random_uuid(), x.station, -g, lpad((floor(extract(epoch FROM x.at) * 1000))::bigint::text, 13, '0') || '-00000-' || x.station,
              'OP-' || x.code || '1', x.type, x.payload, 1, x.at, -g, 'applied'
       FROM generate_series($1::int, $2::int) g,
       LATERAL (SELECT ($3::text[])[1 + g % 200] AS station, ($4::text[])[1 + g % 200] AS dept, ($5::text[])[1 + g % 200] AS line,
                       ($6::text[])[1 + g % 200] AS wo, now() - make_interval(secs => g % 2592000) AS at) s,
       LATERAL (SELECT s.station, s.at, upper(substr(s.dept, 1, 3)) AS code,
                       CASE WHEN s.dept = 'cutting' THEN 'cutting.output' ELSE 'material.allocated' END AS type,
                       CASE WHEN s.dept = 'cutting'
                            THEN jsonb_build_object('workOrderId', s.wo, 'lineId', s.line, 'size', 'M', 'part', 'body', 'goodQty', 1)
                            ELSE jsonb_build_object('workOrderId', s.wo, 'materials', jsonb_build_array(jsonb_build_object('materialCode', 'MAT-X', 'qty', 1, 'unit', 'pcs'))) END AS payload) x`,
      [from, to, ids, departments, lines, workOrders],
    );
  }
  // A factory's 1,000,000 events were written over 30 days and long since vacuumed and checkpointed; seeded in
  // seconds they are not: their pages' first reads set hint bits (writes), and the checkpoints the seeding's WAL
  // brings on ran through the first measured phases (push-ack p99 falling 82 → 46 ms over one run, on a machine
  // whose PostgreSQL has autovacuum off). Settled here, before anything is measured, for both sides alike.
  log('settling the seeded database: VACUUM (ANALYZE), CHECKPOINT');
  await vacuum(floor, 'the checkpoint');
  try {
    await floor.bdb.db.query('CHECKPOINT');
  } catch (err) {
    // CHECKPOINT needs a superuser or pg_checkpoint: without, the phases' order (counterbalanced) is what is left.
    log(`CHECKPOINT refused (${err instanceof Error ? err.message : String(err)}): the seeding's checkpoints may fall in the first phases`);
  }
}

/** A cold load's moments by the page's clock, ms from the navigation's start (-1: not found). */
const PageTimes = z.object({ html: z.number(), scripts: z.number(), session: z.number(), views: z.number(), inDom: z.number(), painted: z.number(), seen: z.number() });

/**
 * Installed in the page before its own scripts: notes (page clock) when the cutting WIP number first appears in the
 * document, and the frame after (its first paint), so the log can tell the screen's own time from the harness's
 * (Playwright's goto and its polling for the element).
 */
const WATCH_FLOOR = `(() => {
  const w = (window.__floorShown = { inDom: -1, painted: -1 });
  const seen = () => document.querySelector('[data-testid="wip-departments"] [data-testid="wip-cutting"]');
  new MutationObserver((_, obs) => {
    if (w.inDom >= 0 || !seen()) return;
    w.inDom = performance.now();
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => (w.painted = performance.now()), 0));
  }).observe(document, { childList: true, subtree: true });
})()`;

/** Worst of three cold loads of the dashboard in Chromium, logged in, until the floor's WIP is on screen (ms). */
async function firstRender(floor: LoadFloor): Promise<number> {
  const { baseUrl } = floor.dashboardServer;
  await makeAccount(floor.bdb.db, 'bench-render', 'admin');
  const res = await fetch(`${baseUrl}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench-render', password: TEST_PASSWORD }) });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  SessionInfo.parse(await res.json());
  const [name, value] = ((res.headers.get('set-cookie') ?? '').split(';')[0] ?? '').split('=');
  // The seeding's 9,000 work orders arrived within a minute, after the server computed its (empty) Floor at start: a
  // running server reads such changes as its screens ask, a few at a time; here its first read holds them all. Timed
  // on its own (the server's, no browser beside it), so the cold loads measure a screen opening on a running floor.
  const r0 = performance.now();
  const first = await fetch(`${baseUrl}/api/dashboard/views?show=open&views=floor`, { headers: { cookie: `${name}=${value}` } });
  if (first.status !== 200) throw new Error(`views: ${first.status}`);
  const firstBytes = (await first.arrayBuffer()).byteLength;
  log(`the server's first read of the seeded floor: ${(performance.now() - r0).toFixed(0)} ms (${firstBytes} bytes)`);
  const browser = await launchChromium();
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      // A change first (a station's push), then past the views' age bound (5 s): a view cached for a screen could not
      // answer. With no dashboard open the server keeps the first views current (live.ts keep): computed after the
      // push and again as they age, so the screen is answered with those, as a supervisor opening it on a quiet floor
      // is. (On a busy floor the change keys move all the time: a cold load waits for the next computation.)
      const s = floor.stations[i]!;
      const received = floor.events.event(s.id, `OP-${CODE[s.department]}1`, { type: 'spk.received', payload: { workOrderId: floor.workOrderOf.get(s.id)! } });
      const pushed = await floor.http.post('/api/push', s.auth, JSON.stringify({ events: [received] }));
      if (pushed.status !== 200) throw new Error(`push: ${pushed.status} ${pushed.text}`);
      floor.received.add(s.id);
      await sleep(5_100);
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      await context.addCookies([{ name: name!, value: value!, url: baseUrl }]);
      await context.addInitScript(WATCH_FLOOR);
      const page = await context.newPage();
      const slow: string[] = [];
      const e0 = Date.now();
      page.on('requestfinished', (r) => {
        const t = r.timing();
        if (t.responseEnd > 100) slow.push(`${new URL(r.url()).pathname} @${(t.startTime - e0).toFixed(0)}+${t.responseEnd.toFixed(0)} ms`);
      });
      // DASH_BENCH_PROFILE_DIR: the page's CPU profile of each cold load (first-render-1.cpuprofile, …) there.
      const cdp = env.DASH_BENCH_PROFILE_DIR ? await context.newCDPSession(page) : null;
      if (cdp) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.start');
      }
      const t0 = performance.now();
      await page.goto(`${baseUrl}/`);
      // A department's WIP number on screen: the views read and shown. (Waiting for the section alone measured less:
      // the Floor rendered its sections empty before the first read answered; it now says it is loading.)
      await page.getByTestId('wip-departments').getByTestId('wip-cutting').waitFor({ state: 'visible', timeout: 60_000 });
      times.push(performance.now() - t0);
      if (cdp && env.DASH_BENCH_PROFILE_DIR) {
        const { profile } = await cdp.send('Profiler.stop');
        writeFileSync(join(env.DASH_BENCH_PROFILE_DIR, `first-render-${i + 1}.cpuprofile`), JSON.stringify(profile));
      }
      // Where the time went, by the page's own clock (from the navigation's start): the page's HTML, its scripts run
      // (DOMContentLoaded), the session and views answered, and now (just after the floor's WIP was seen).
      // As text: tsx names the functions it compiles with a helper the page does not have.
      const at = PageTimes.parse(
        await page.evaluate(`(() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const end = (path) => performance.getEntriesByType('resource').find((r) => new URL(r.name).pathname === path)?.responseEnd ?? -1;
          return { html: nav ? nav.responseEnd : -1, scripts: nav ? nav.domContentLoadedEventEnd : -1, session: end('/api/dashboard/session'), views: end('/api/dashboard/views'), ...window.__floorShown, seen: performance.now() };
        })()`),
      );
      const ms = (x: number) => `${x.toFixed(0)} ms`;
      log(
        `cold load ${i + 1}: ${times[i]!.toFixed(0)} ms; in the page: HTML ${ms(at.html)}, scripts run ${ms(at.scripts)}, session answered ${ms(at.session)}, ` +
          `views answered ${ms(at.views)}, WIP in the document ${ms(at.inDom)}, painted ${ms(at.painted)}, seen by the harness by ${ms(at.seen)}; ` +
          `requests over 100 ms: ${slow.join(', ') || 'none'}`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
  }
  log(`first render: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
  return Math.max(...times);
}

/**
 * CPU time (ms) each PostgreSQL backend on `database` has used so far, by pid, from /proc (Linux; else undefined).
 * Other databases' backends (other tests on the same PostgreSQL) are not counted.
 */
function postgresCpuMs(database: string): Map<number, number> | undefined {
  try {
    const out = new Map<number, number>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)) continue;
        out.set(Number(pid), processCpuMs(Number(pid)) ?? 0);
      } catch {
        // gone meanwhile
      }
    }
    return out;
  } catch {
    return undefined;
  }
}

/** What the backends alive at the end used since `start` (a backend that ended meanwhile is not counted). */
function postgresUsed(start: Map<number, number> | undefined, end: Map<number, number> | undefined): number {
  if (!start || !end) return NaN;
  let ms = 0;
  for (const [pid, cpu] of end) ms += cpu - (start.get(pid) ?? 0);
  return ms / 1000;
}

interface CpuMark {
  at: number;
  server: number | undefined;
  /** The dashboards' own server instance (DASH_BENCH_DASHBOARD_INSTANCE=own), else undefined. */
  dashboardInstance: number | undefined;
  /** The simulated dashboards' process (tests/load/dashboards-process.ts), while dashboards are open. */
  simulatedDashboards: number | undefined;
  postgres: Map<number, number> | undefined;
  bench: NodeJS.CpuUsage;
}
const cpuMark = (floor: LoadFloor, dashboardsPid: number | null): CpuMark => ({
  at: performance.now(),
  server: processCpuMs(floor.server.pid),
  dashboardInstance: floor.dashboardServer === floor.server ? undefined : processCpuMs(floor.dashboardServer.pid),
  simulatedDashboards: dashboardsPid === null ? undefined : processCpuMs(dashboardsPid),
  postgres: postgresCpuMs(floor.bdb.name),
  bench: process.cpuUsage(),
});
/**
 * What a production PostgreSQL's autovacuum does, before each phase: every push rewrites its work order's documents
 * (never a HOT update: their change number is indexed), so without vacuum their dead versions pile up (here 115,000
 * beside 12,600 live ones after 4 minutes of pushes) and every later read wades through more of them. This machine's
 * PostgreSQL runs with autovacuum off: the phases then got slower one after another (the database's CPU per phase
 * 10 → 22 s in one run), a drift the counterbalanced order cancels only where it is linear. Each phase starts from
 * the same state.
 */
async function vacuum(floor: LoadFloor, before: string): Promise<void> {
  const t0 = performance.now();
  await floor.bdb.db.query('VACUUM (ANALYZE)');
  log(`VACUUM (ANALYZE) before ${before}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * A load phase, with the CPU each side used from its first push to its last push's answer (the set-up before, logins
 * and streams, and the checks after, left out: PostgreSQL backends the pool closes as idle after the pushes would take
 * their CPU out of the count), and the server's profile of the whole phase with DASH_BENCH_PROFILE_DIR.
 */
async function phase(floor: LoadFloor, name: string, run: (pushing: LoadPhase['pushing']) => Promise<FloorLoadFigures>): Promise<FloorLoadFigures> {
  const { server } = floor;
  await vacuum(floor, name);
  if (env.DASH_BENCH_PROFILE_DIR) await server.profile(join(env.DASH_BENCH_PROFILE_DIR, `${name}.cpuprofile`));
  const marks: { started?: CpuMark; done?: CpuMark } = {};
  const figures = await run((state, dashboardsPid) => {
    marks[state] = cpuMark(floor, dashboardsPid);
  });
  const { started: a, done: b } = marks;
  if (a && b) {
    const wall = (b.at - a.at) / 1000;
    const s = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? NaN : (a - b) / 1000);
    const parts = {
      server: s(b.server, a.server),
      dashboardInstance: floor.dashboardServer === server ? 0 : s(b.dashboardInstance, a.dashboardInstance),
      postgres: postgresUsed(a.postgres, b.postgres),
      bench: (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1e6,
      simulatedDashboards: a.simulatedDashboards === undefined ? 0 : s(b.simulatedDashboards, a.simulatedDashboards),
    };
    const sum = parts.server + parts.dashboardInstance + parts.postgres + parts.bench + parts.simulatedDashboards;
    log(
      `${name} phase, CPU over its ${wall.toFixed(1)} s of pushes: server ${parts.server.toFixed(1)} s, ${floor.dashboardServer === server ? '' : `the dashboards' instance ${parts.dashboardInstance.toFixed(1)} s, `}PostgreSQL (its backends alive at the end) ${parts.postgres.toFixed(1)} s, ` +
        `bench (stations) ${parts.bench.toFixed(1)} s, the simulated dashboards ${parts.simulatedDashboards.toFixed(1)} s; together ${sum.toFixed(1)} s = ${((sum / wall / 2) * 100).toFixed(0)} % of 2 cores; ` +
        `push-ack p50 ${percentile(figures.latencies, 50).toFixed(1)} ms, p99 ${percentile(figures.latencies, 99).toFixed(1)} ms`,
    );
  }
  if (env.DASH_BENCH_PROFILE_DIR) await server.profile(null);
  return figures;
}

/**
 * For each acknowledged push: the first live update of dashboard 1 computed after its acknowledgement was read here
 * (`asOf` ≥ acknowledged, so it holds the event), received − push sent.
 */
function pushToDashboard(x: FloorLoadFigures): number[] {
  const updates = x.trace?.dashboards[0] ?? [];
  const out: number[] = [];
  for (const p of x.trace?.pushes ?? []) {
    let lo = 0;
    let hi = updates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (updates[mid]!.asOf < p.acked) lo = mid + 1;
      else hi = mid;
    }
    const u = updates[lo];
    if (u) out.push(u.received - p.sent);
  }
  return out.sort((a, b) => a - b);
}

/** Phases of one side pooled: latencies, errors and the dashboards' figures summed (for the rows kept from loadResults). */
function pooled(xs: readonly FloorLoadFigures[]): FloorLoadFigures {
  const first = xs[0]!;
  const errorKinds: Record<string, number> = {};
  for (const x of xs) for (const [k, n] of Object.entries(x.errorKinds)) errorKinds[k] = (errorKinds[k] ?? 0) + n;
  const sum = (pick: (x: FloorLoadFigures) => number) => xs.reduce((n, x) => n + pick(x), 0);
  return {
    ...first,
    seconds: sum((x) => x.seconds),
    latencies: xs.flatMap((x) => x.latencies).sort((a, b) => a - b),
    leadInLatencies: xs.flatMap((x) => x.leadInLatencies).sort((a, b) => a - b),
    pushes: sum((x) => x.pushes),
    errors: sum((x) => x.errors),
    errorKinds,
    streamChanges: sum((x) => x.streamChanges),
    dashboardUpdates: sum((x) => x.dashboardUpdates),
    samples: xs.flatMap((x) => x.samples),
    integrity: { applied: sum((x) => x.integrity.applied), acknowledged: sum((x) => x.integrity.acknowledged), mismatched: sum((x) => x.integrity.mismatched) },
  };
}

await ensureDashboardScreen(log);
const results: BenchResult[] = await withLoadFloor({ stations: STATIONS, seed, log, dashboardInstance: env.DASH_BENCH_DASHBOARD_INSTANCE, dashboardNice: env.DASH_BENCH_DASHBOARD_NICE }, async (floor) => {
  const render = await firstRender(floor);
  const dashboards = env.DASH_BENCH_DASHBOARDS;
  if (env.DASH_BENCH_WARMUP_SECONDS > 0) {
    // Not measured: the seeding's aftermath (autovacuum, checkpoints, cold caches) and both paths' first runs.
    await phase(floor, 'warm-up', (pushing) => runLoadPhase(floor, { seconds: env.DASH_BENCH_WARMUP_SECONDS, dashboards, pushing, sampleDuringLoad: false }));
  }
  const seconds = env.DASH_BENCH_LOAD_SECONDS / env.DASH_BENCH_ROUNDS;
  // Counterbalanced: none, dashboards | dashboards, none | none, dashboards | … (ABBA ABBA for an even number of rounds).
  type Side = 'quiet' | 'watched';
  const order = Array.from({ length: env.DASH_BENCH_ROUNDS }, (_, i): Side[] => (i % 2 === 0 ? ['quiet', 'watched'] : ['watched', 'quiet'])).flat();
  const done: { name: string; figures: FloorLoadFigures }[] = [];
  const count: Record<Side, number> = { quiet: 0, watched: 0 };
  for (const side of order) {
    const name = `${side}-${++count[side]}`;
    // No memory samples during the pushes (none is reported here): each one's full garbage collection stopped the
    // server for 10–25 ms every 10 s, on both sides, and the p99s measured those stops as much as the dashboards.
    const figures = await phase(floor, name, (pushing) =>
      runLoadPhase(floor, { seconds, leadInSeconds: env.DASH_BENCH_LEAD_IN_SECONDS, dashboards: side === 'quiet' ? 0 : dashboards, trace: true, pushing, sampleDuringLoad: false }),
    );
    if (env.DASH_BENCH_TRACE_DIR) {
      writeFileSync(join(env.DASH_BENCH_TRACE_DIR, `${name}.json`), JSON.stringify({ pushes: figures.trace?.pushes ?? [], updates: figures.trace?.dashboards[0] ?? [] }));
    }
    done.push({ name, figures });
  }
  const p99 = (x: FloorLoadFigures) => percentile(x.latencies, 99);
  const quiet = pooled(done.filter((d) => d.name.startsWith('quiet')).map((d) => d.figures));
  const watchedPhases = done.filter((d) => d.name.startsWith('watched')).map((d) => d.figures);
  const watched = pooled(watchedPhases);
  const reach = watchedPhases.flatMap(pushToDashboard).sort((a, b) => a - b);
  const perPhase = done.map((d) => `${d.name} ${p99(d.figures).toFixed(1)}`).join(', ');
  log(`push-ack p99 per phase (ms): ${perPhase}; pooled: with dashboards ${p99(watched).toFixed(1)}, without ${p99(quiet).toFixed(1)}`);
  const leadIn = (x: FloorLoadFigures) => percentile(x.leadInLatencies, 99).toFixed(1);
  const openings = `each phase's first ${env.DASH_BENCH_LEAD_IN_SECONDS} s left out, p99 over them ${leadIn(watched)} / ${leadIn(quiet)} ms`;
  if (env.DASH_BENCH_LEAD_IN_SECONDS > 0) log(`push-ack p99 of the phases' openings (lead-in, not in the ratio): ${done.map((d) => `${d.name} ${leadIn(d.figures)}`).join(', ')}`);
  const size = `${STATIONS} stations, ${env.DASH_BENCH_ORDERS * 5} work orders, ${env.DASH_BENCH_EVENTS} events`;
  const rows = [
    result(`dashboard (${size}): floor view first render in Chromium, worst of 3 cold loads`, render, 'ms', '< 1000'),
    result(`dashboard: push → open dashboard p95 (p50 ${percentile(reach, 50).toFixed(0)} ms, ${reach.length} pushes, ${dashboards} dashboards open under load)`, percentile(reach, 95), 'ms', '< 500'),
    result(
      `dashboard: push-ack p99 with ${dashboards} dashboards open ÷ with none, side by side, ${env.DASH_BENCH_ROUNDS} × ${seconds} s per side interleaved, ` +
        `${env.DASH_BENCH_DASHBOARD_INSTANCE === 'own' ? `the dashboards on their own server instance at nice ${env.DASH_BENCH_DASHBOARD_NICE}` : "the dashboards on the stations' server"} ` +
        `(pooled ${p99(watched).toFixed(1)} / ${p99(quiet).toFixed(1)} ms; per phase ${perPhase} ms${env.DASH_BENCH_LEAD_IN_SECONDS > 0 ? `; ${openings}` : ''})`,
      p99(watched) / p99(quiet),
      'ratio',
      '< 1.1',
    ),
    ...loadResults(watched).filter((r) => /error rate|not applied exactly once|dashboard live updates/.test(r.metric)),
  ];
  return rows;
});
printBench('dashboard', results);
process.exit(0);
