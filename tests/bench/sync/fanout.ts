/**
 * Fan-out: an event recorded at station A is in station B's state. Both are real StationCores with the real sync
 * client, online, B on the live SSE stream. Per sample: A records a cutting output on a work order of its
 * department (the operator's command returns), the client pushes it, the server applies it and commits, NOTIFY →
 * SSE `change` → B's client pulls → RxDB writes → B's core applies the documents; the clock stops when B's state shows
 * the new count (polled every 1 ms). Samples are sequential, 20 ms apart.
 */
import { performance } from 'node:perf_hooks';
import { workOrderIdFor } from '../../../shared/master';
import { mo } from '../../../shared/testing/fixtures';
import type { BenchResult } from '../bench-format';
import { createOperators, createOrder, percentile, result, sleep, withBenchServer } from './harness';
import { login, openRealStation, recordCut, until, type RealStation } from './stations';

export interface FanOutOptions {
  samples?: number;
  warmup?: number;
  log?: (msg: string) => void;
}

export async function runFanOut(opts: FanOutOptions = {}): Promise<BenchResult[]> {
  const samples = opts.samples ?? 120;
  const warmup = opts.warmup ?? 10;
  const log = opts.log ?? (() => undefined);
  return withBenchServer(async ({ server }) => {
    const M = mo(7101, { route: 'R2', quantity: 1_000_000 });
    const WO = workOrderIdFor(M.id, 'cutting');
    const opened: RealStation[] = [];
    try {
      await createOperators(server.baseUrl, ['cutting']);
      await createOrder(server.baseUrl, M);
      const a = await openRealStation(server.baseUrl, 'cutting', 1);
      opened.push(a);
      const b = await openRealStation(server.baseUrl, 'cutting', 2);
      opened.push(b);
      for (const s of opened) s.startSync();
      await Promise.all(opened.map((s) => s.sync?.awaitInSync(60_000)));
      await until(() => b.sync?.status().state === 'online', 10_000, 10);
      await login(a, 'cutting');

      const seenAtB = () => b.core.state.workOrder[WO]?.stageQty.cut ?? 0;
      const lat: number[] = [];
      log(`fan-out: ${warmup} warm-up + ${samples} samples`);
      for (let i = 0; i < warmup + samples; i++) {
        const before = seenAtB();
        const t0 = performance.now();
        await recordCut(a, WO, 1);
        const t1 = await until(() => seenAtB() > before, 10_000);
        if (i >= warmup) lat.push(t1 - t0);
        await sleep(20);
      }
      lat.sort((x, y) => x - y);
      return [
        result(`fan-out A→B (real sync clients, B on SSE), p95 of ${samples} (p50 ${percentile(lat, 50).toFixed(1)} ms, max ${(lat[lat.length - 1] ?? NaN).toFixed(0)} ms)`, percentile(lat, 95), 'ms', '< 250'),
      ];
    } finally {
      for (const s of opened.reverse()) await s.close().catch(() => undefined);
    }
  });
}
