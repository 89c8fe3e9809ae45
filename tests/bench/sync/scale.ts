/**
 * Scale: 200 enrolled stations (40 per department), each with an open live stream (GET /api/stream, SSE) for the
 * whole run, each pushing 1 event per second for SYNC_BENCH_SCALE_SECONDS (default 120), with
 * SYNC_BENCH_SCALE_DASHBOARDS (default 0) dashboards open. The run itself is the load suite's
 * (tests/load/floor-load.ts): push acknowledgement p95/p99, errors, every acknowledged event applied once, the
 * server's heap after GC and RSS (reference point 60 s in, or half the run, against the end), connections held.
 */
import type { BenchResult } from '../bench-format';
import { loadResults, runFloorLoad } from '../../load/floor-load';

export interface ScaleOptions {
  stations?: number;
  seconds?: number;
  dashboards?: number;
  log?: (msg: string) => void;
}

export async function runScale(opts: ScaleOptions = {}): Promise<BenchResult[]> {
  const seconds = opts.seconds ?? Number(process.env.SYNC_BENCH_SCALE_SECONDS ?? 120);
  if (!Number.isFinite(seconds) || seconds < 2 || seconds > 3600) throw new Error('SYNC_BENCH_SCALE_SECONDS must be 2..3600');
  const dashboards = opts.dashboards ?? Number(process.env.SYNC_BENCH_SCALE_DASHBOARDS ?? 0);
  if (!Number.isInteger(dashboards) || dashboards < 0 || dashboards > 200) throw new Error('SYNC_BENCH_SCALE_DASHBOARDS must be 0..200');
  const figures = await runFloorLoad({ stations: opts.stations ?? 200, seconds, dashboards, log: opts.log });
  return loadResults(figures);
}
