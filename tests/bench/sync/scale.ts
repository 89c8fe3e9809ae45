/**
 * Scale: 200 enrolled stations (40 per department), each with an open live stream (GET /api/stream, SSE) for the
 * whole run, each pushing 1 event per second (its own schedule, phases spread over the second) for
 * SYNC_BENCH_SCALE_SECONDS (default 120). Cutting stations record output on their own work order (the change fans
 * out to the 40 cutting streams); the other departments' stations receive their SPK, then allocate material (applied
 * and stored; their change is their own progress document). Simulated stations speak HTTP directly (200 RxDB
 * cores in one process would measure the load generator); they do not pull on each change.
 *
 * Reported: push acknowledgement p99 (request sent → answer read), errors (non-200, network errors, refused events,
 * streams that ended early), and the server's memory growth: heapUsed after a forced full GC (and RSS) at the
 * reference point (60 s into the load, or half the run if shorter) against the end of the load, in %.
 */
import { performance } from 'node:perf_hooks';
import type { Action } from '../../../shared/events';
import { workOrderIdFor, type Department } from '../../../shared/master';
import { EventFactory, mo } from '../../../shared/testing/fixtures';
import { PushResponse } from '../../../shared/sync';
import type { BenchResult } from '../bench-format';
import {
  CODE,
  createOperators,
  createOrder,
  enrollStation,
  mapLimit,
  percentile,
  result,
  sleep,
  withBenchServer,
  type BenchStation,
} from './harness';

export interface ScaleOptions {
  stations?: number;
  seconds?: number;
  log?: (msg: string) => void;
}

const DEPARTMENTS: readonly Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];

interface Stream {
  changes: number;
  endedEarly: boolean;
  close(): void;
}

async function openStream(baseUrl: string, s: BenchStation): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/api/stream`, { headers: s.auth, signal: abort.signal });
  if (res.status !== 200 || !res.body) throw new Error(`stream ${s.id}: ${res.status}`);
  const st: Stream = { changes: 0, endedEarly: false, close: () => abort.abort() };
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        st.changes += value.split('"type":"change"').length - 1;
      }
      if (!abort.signal.aborted) st.endedEarly = true;
    } catch {
      if (!abort.signal.aborted) st.endedEarly = true;
    }
  })();
  return st;
}

export async function runScale(opts: ScaleOptions = {}): Promise<BenchResult[]> {
  const nStations = opts.stations ?? 200;
  const seconds = opts.seconds ?? Number(process.env.SYNC_BENCH_SCALE_SECONDS ?? 120);
  if (!Number.isFinite(seconds) || seconds < 2 || seconds > 3600) throw new Error('SYNC_BENCH_SCALE_SECONDS must be 2..3600');
  const log = opts.log ?? (() => undefined);
  return withBenchServer(async ({ server }) => {
    const streams: Stream[] = [];
    try {
      const { baseUrl } = server;
      await createOperators(baseUrl, DEPARTMENTS);
      const perDept = Math.ceil(nStations / DEPARTMENTS.length);
      const slots = Array.from({ length: nStations }, (_, i) => ({ department: DEPARTMENTS[i % DEPARTMENTS.length] as Department, n: Math.floor(i / DEPARTMENTS.length) + 1 }));
      log(`scale: enrolling ${nStations} stations (${perDept} per department), one MO each`);
      const stations = await mapLimit(slots, 8, (x) => enrollStation(baseUrl, x.department, x.n));
      const orders = stations.map((_, i) => mo(3000 + i, { route: 'R1', quantity: 1_000_000 }));
      await mapLimit(orders, 8, (m) => createOrder(baseUrl, m));
      streams.push(...(await mapLimit(stations, 20, (s) => openStream(baseUrl, s))));

      const f = new EventFactory(() => Date.now());
      const actionFor = (s: BenchStation, wo: string, k: number): Action => {
        if (k === 0) return { type: 'spk.received', payload: { workOrderId: wo } };
        if (s.department === 'cutting') return { type: 'cutting.output', payload: { workOrderId: wo, lineId: s.lineId, size: 'M', part: 'body', goodQty: 1 } };
        return { type: 'material.allocated', payload: { workOrderId: wo, materials: [{ materialCode: `MAT-${CODE[s.department]}`, qty: 1, unit: 'pcs' }] } };
      };

      const lat: number[] = [];
      let errors = 0;
      const errorKinds = new Map<string, number>();
      const fail = (kind: string) => {
        errors++;
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      };
      const refAt = Math.min(60, seconds / 2) * 1000;
      const mem: { at: number; heapUsed: number; rss: number }[] = [];
      const start = performance.now() + 200;
      const end = start + seconds * 1000;

      log(`scale: ${nStations} streams open; 1 event/s per station for ${seconds} s`);
      const probe = (async () => {
        await sleep(Math.max(0, start + refAt - performance.now()));
        mem.push({ at: performance.now() - start, ...(await server.mem()) });
      })();
      await Promise.all(
        stations.map(async (s, i) => {
          const wo = workOrderIdFor((orders[i] ?? orders[0])!.id, s.department);
          const phase = (i * 1000) / nStations;
          for (let k = 0; ; k++) {
            const due = start + phase + k * 1000;
            if (due >= end) return;
            await sleep(Math.max(0, due - performance.now()));
            const body = JSON.stringify({ events: [f.event(s.id, `OP-${CODE[s.department]}1`, actionFor(s, wo, k))] });
            const t0 = performance.now();
            try {
              const res = await fetch(`${baseUrl}/api/push`, { method: 'POST', headers: { ...s.auth, 'content-type': 'application/json' }, body });
              const text = await res.text();
              lat.push(performance.now() - t0);
              if (res.status !== 200) fail(`http ${res.status}`);
              else if (PushResponse.parse(JSON.parse(text)).results[0]?.status !== 'applied') fail('not applied');
            } catch {
              lat.push(performance.now() - t0);
              fail('network');
            }
          }
        }),
      );
      await probe;
      mem.push({ at: performance.now() - start, ...(await server.mem()) });
      for (const s of streams) if (s.endedEarly) fail('stream ended');
      const changes = streams.reduce((n, s) => n + s.changes, 0);
      lat.sort((a, b) => a - b);
      const [ref, last] = [mem[0], mem[mem.length - 1]];
      if (!ref || !last) throw new Error('no memory samples');
      const mb = (b: number) => (b / 1048576).toFixed(1);
      const heapGrowth = ((last.heapUsed - ref.heapUsed) / ref.heapUsed) * 100;
      const rssGrowth = ((last.rss - ref.rss) / ref.rss) * 100;
      log(`scale: ${lat.length} pushes, ${changes} change messages on streams, errors ${JSON.stringify([...errorKinds])}`);
      const refLabel = `${(ref.at / 1000).toFixed(0)} s`;
      return [
        result(`scale: ${nStations} stations on SSE, 1 ev/s each, ${seconds} s: push ack p99 (p50 ${percentile(lat, 50).toFixed(1)} ms, ${lat.length} pushes)`, percentile(lat, 99), 'ms', '< 200'),
        result(`scale: errors (non-200, network, refused, dropped streams; ${changes} live changes delivered)`, errors, 'count', '<= 0'),
        result(`scale: server heap growth after GC, ${refLabel} → end (${mb(ref.heapUsed)} → ${mb(last.heapUsed)} MB)`, heapGrowth, '%', '< 20'),
        result(`scale: server RSS growth, ${refLabel} → end (${mb(ref.rss)} → ${mb(last.rss)} MB)`, rssGrowth, '%', '< 20'),
      ];
    } finally {
      for (const s of streams) s.close();
    }
  });
}
