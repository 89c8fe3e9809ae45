/**
 * Sync server benchmarks (issue: Sync server), against a real PostgreSQL (SYNC_BENCH_DATABASE_URL, else
 * TEST_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; each phase creates and drops its own
 * `qsf_bench_*` database) and the server in a child process on 127.0.0.1, driven over real HTTP:
 *   - ingest: 50 enrolled stations pushing 40 batches x 50 events concurrently, events/s applied, and its ratio to a
 *     bare multi-row INSERT of the same rows (same batch size, same concurrency); a contended variant on one MO;
 *   - catch-up: a station back from a shift offline (5,000 events to push, 20,000 documents to pull) is in sync;
 *   - fan-out: an event recorded at station A is in station B's state (B on the live SSE stream), p95;
 *   - scale: 200 stations with open streams, 1 event/s each (SYNC_BENCH_SCALE_SECONDS, default 120): push ack p99,
 *     errors, server heap/RSS growth from the reference point to the end.
 * SYNC_BENCH_ONLY=ingest,catchup,fanout,scale runs a subset.
 */
import { printBench, type BenchResult } from './bench-format';
import { runCatchUp } from './sync/catchup';
import { runFanOut } from './sync/fanout';
import { runIngest } from './sync/ingest';
import { runScale } from './sync/scale';

const log = (msg: string) => console.error(`[sync bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

export async function runSyncBench(): Promise<BenchResult[]> {
  const only = new Set((process.env.SYNC_BENCH_ONLY ?? 'ingest,catchup,fanout,scale').split(',').map((s) => s.trim()));
  const out: BenchResult[] = [];
  if (only.has('ingest')) out.push(...(await runIngest({ log })));
  if (only.has('catchup')) {
    out.push(...(await runCatchUp({ log })));
    // The same with the client pulling 1,000 documents per request instead of its default 200 (a tuning candidate).
    out.push(...(await runCatchUp({ log, syncOptions: { pullBatchSize: 1000 }, label: ' (client pullBatchSize 1000)' })));
  }
  if (only.has('fanout')) out.push(...(await runFanOut({ log })));
  if (only.has('scale')) out.push(...(await runScale({ log })));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBench('sync', await runSyncBench());
}
