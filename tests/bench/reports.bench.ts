/**
 * The reports at volume, on a real PostgreSQL (REPORTS_BENCH_DATABASE_URL, else TEST_DATABASE_URL, else
 * postgres://postgres@127.0.0.1:5432/test; a scratch `qsf_bench_*` database, dropped after): four weeks of a floor
 * written straight into `events` (sync-server/dashboard/reports-testing.ts `seedReportEvents`: REPORTS_BENCH_MOS orders,
 * default 900, which puts about 70,000 output and QC events in the last seven days), then the week's and today's
 * charts and one MO's batch compliance report, each computed REPORTS_BENCH_RUNS times (default 5), median.
 * Beside them, the charts as computed before issue 14 (`loadChartsReference`: every event read whole and parsed), with
 * its time split into SQL, schema parse and aggregation, so the two stay comparable on one machine.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_FACTORY_TIME_ZONE } from '../../shared/reports/factory-time';
import { mo } from '../../shared/testing/fixtures';
import { migrate } from '../../sync-server/db/migrate';
import { createPgDb } from '../../sync-server/db/pg';
import { createScratchDatabase } from '../../sync-server/db/testing';
import { loadCharts, loadCompliance } from '../../sync-server/dashboard/reports';
import { loadChartsReference, seedReportEvents } from '../../sync-server/dashboard/reports-testing';
import { printBench, type BenchResult } from './bench-format';

const log = (msg: string) => console.error(`[reports bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function timed<T>(runs: number, f: () => Promise<T>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export async function runReportsBench(): Promise<BenchResult[]> {
  const base = process.env.REPORTS_BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const mos = Number(process.env.REPORTS_BENCH_MOS ?? 900);
  const runs = Number(process.env.REPORTS_BENCH_RUNS ?? 5);
  const tz = DEFAULT_FACTORY_TIME_ZONE;
  const nowMs = Date.UTC(2026, 11, 5, 9, 30); // 16:30 WIB
  const scratch = await createScratchDatabase(base, 'qsf_bench');
  const db = createPgDb({ connectionString: scratch.url, max: 4 });
  try {
    await migrate(db);
    const t = performance.now();
    const total = await seedReportEvents(db, { nowMs, days: 28, mos });
    await db.query('VACUUM ANALYZE events');
    await db.query('VACUUM ANALYZE documents');
    const [week] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events WHERE status = 'applied' AND hlc >= $1 AND type = ANY($2::text[])`,
      [String(nowMs - 7 * 86_400_000).padStart(13, '0'), ['cutting.output', 'embroidery.output', 'sewing.stage', 'fg.converted', 'packing.carton', 'qc.inline', 'finishing.physicalQc']],
    );
    log(`seeded ${total} events (${week?.n} output and QC events in the last 7 days) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const phases: { sqlMs: number; parseMs: number; aggregateMs: number; rows: number }[] = [];
    const before = await timed(runs, () => loadChartsReference(db, 'week', nowMs, tz, (p) => phases.push(p)));
    const p = phases[phases.length - 1];
    const split = p ? `SQL ${median(phases.map((x) => x.sqlMs)).toFixed(0)} ms, parse ${median(phases.map((x) => x.parseMs)).toFixed(0)} ms, aggregate ${median(phases.map((x) => x.aggregateMs)).toFixed(0)} ms; ${p.rows} rows` : '';
    const weekMs = await timed(runs, () => loadCharts(db, 'week', nowMs, tz));
    const todayMs = await timed(runs, () => loadCharts(db, 'today', nowMs, tz));
    const compliance = await timed(runs, () => loadCompliance(db, mo(1000 + mos - 10).id, nowMs, tz));
    return [
      { metric: `charts, week, as before issue 14 (${split})`, value: before, unit: 'ms', goal: '> 0', met: true },
      { metric: `charts, week (${week?.n} output and QC events of ${total})`, value: weekMs, unit: 'ms', goal: '<= 300', met: weekMs <= 300 },
      { metric: 'charts, today', value: todayMs, unit: 'ms', goal: '<= 200', met: todayMs <= 200 },
      { metric: 'batch compliance report, one MO', value: compliance, unit: 'ms', goal: '<= 200', met: compliance <= 200 },
    ];
  } finally {
    await db.close();
    await scratch.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBench('reports', await runReportsBench());
}
