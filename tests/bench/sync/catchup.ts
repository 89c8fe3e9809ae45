/**
 * Catch-up: a station back from a shift offline, with its own events to push and the server's documents to pull.
 * Real StationCore + the real sync client (electron/sync, default batch sizes: push 500, pull 200). The station
 * syncs once, its sync client stops (network gone), it records the shift's events through its commands (durably,
 * as an operator would), while the office writes documents in its department's scope on the server (work orders,
 * written straight into PostgreSQL in many small transactions, as a day of office changes would be). The clock runs
 * from starting the sync client again to `awaitInSync()` (everything pushed, the server's answer pulled and applied,
 * backlog 0); then it checks the station holds every document and the server every event.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { newWorkOrderDoc } from '../../../shared/docs';
import { fanOut, workOrderIdFor } from '../../../shared/master';
import { mo } from '../../../shared/testing/fixtures';
import { floorDocScope } from '../../../shared/sync';
import { writeDocuments, writeTx } from '../../../sync-server/changes';
import type { SyncOptions } from '../../../electron/sync';
import type { BenchResult } from '../bench-format';
import { createOperators, createOrder, mapLimit, processCpuMs, result, withBenchServer } from './harness';
import { login, openRealStation, recordCut } from './stations';

export interface CatchUpOptions {
  events?: number;
  documents?: number;
  /** Documents per server transaction while the station is away. */
  docsPerTx?: number;
  /** Sync client options for the timed reconnect (defaults = the client's own). */
  syncOptions?: SyncOptions;
  /** Appended to the metric name (variants). */
  label?: string;
  log?: (msg: string) => void;
}

export async function runCatchUp(opts: CatchUpOptions = {}): Promise<BenchResult[]> {
  const nEvents = opts.events ?? 5_000;
  const nDocs = opts.documents ?? 20_000;
  const perTx = opts.docsPerTx ?? 20;
  const log = opts.log ?? (() => undefined);
  return withBenchServer(async ({ bdb, server }) => {
    const M = mo(7001, { route: 'R2', quantity: 1_000_000 });
    const WO = workOrderIdFor(M.id, 'cutting');
    const st = await openRealStation(server.baseUrl, 'cutting', 1);
    try {
      await createOperators(server.baseUrl, ['cutting']);
      await createOrder(server.baseUrl, M);
      st.startSync();
      await st.sync?.awaitInSync(60_000);
      await login(st, 'cutting');
      await st.sync?.awaitInSync(60_000);
      await st.sync?.stop();

      log(`catch-up: station offline records ${nEvents} events; office writes ${nDocs} documents`);
      for (let i = 0; i < nEvents; i++) await recordCut(st, WO, 1);
      if (st.core.pendingCount !== nEvents) throw new Error(`expected ${nEvents} pending, got ${st.core.pendingCount}`);
      const txs = Array.from({ length: Math.ceil(nDocs / perTx) }, (_, t) => t);
      await mapLimit(txs, 4, (t) =>
        writeTx(bdb.db, (q) =>
          writeDocuments(
            q,
            Array.from({ length: Math.min(perTx, nDocs - t * perTx) }, (_, k) => {
              const m = mo(100_000 + t * perTx + k, { route: 'R2', quantity: 500 });
              const wo = newWorkOrderDoc(fanOut(m)[0]!);
              return { kind: wo.kind, id: wo.id, body: wo, scope: floorDocScope(wo) };
            }),
          ),
        ),
      );

      log('catch-up: network back, syncing');
      const profile = await startProfile();
      const t0 = performance.now();
      const cpu0 = { server: processCpuMs(server.pid), bench: process.cpuUsage() };
      st.startSync(opts.syncOptions);
      await st.sync?.awaitInSync(120_000);
      const ms = performance.now() - t0;
      await profile?.(`catchup${(opts.label ?? '').replace(/\W+/g, '-')}`, log);
      const serverCpu = processCpuMs(server.pid);
      const benchCpu = process.cpuUsage(cpu0.bench);
      log(
        `catch-up: ${Math.round(ms)} ms; CPU: server ${serverCpu === undefined || cpu0.server === undefined ? '?' : serverCpu - cpu0.server} ms, ` +
          `station (bench process) ${Math.round((benchCpu.user + benchCpu.system) / 1000)} ms`,
      );

      const wos = Object.keys(st.core.state.workOrder).length;
      const [stored] = await bdb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE status = 'applied' AND type = 'cutting.output'");
      if (wos < nDocs + 1) throw new Error(`station holds ${wos} work orders, expected ${nDocs + 1}`);
      if (stored?.n !== nEvents) throw new Error(`server applied ${stored?.n} of ${nEvents} events`);
      if (st.core.state.workOrder[WO]?.stageQty.cut !== nEvents) throw new Error('station count does not match the server');
      return [result(`catch-up (real sync client): ${nEvents} events up + ${nDocs} documents down, to in sync${opts.label ?? ''}`, ms / 1000, 's', '< 5')];
    } finally {
      await st.close().catch(() => undefined);
    }
  });
}

/**
 * CATCHUP_CPU_PROFILE=<dir>: a V8 CPU profile of the bench process (the station: its core and sync client) over the
 * timed window only, written as <dir>/<name>.cpuprofile (open in Chrome DevTools); CATCHUP_HEAP_PROFILE=<dir>: a
 * sampling heap profile (what allocated) over the same window, <dir>/<name>.heapprofile. Off by default (both slow).
 */
async function startProfile(): Promise<((name: string, log: (msg: string) => void) => Promise<void>) | undefined> {
  const cpuDir = process.env.CATCHUP_CPU_PROFILE;
  const heapDir = process.env.CATCHUP_HEAP_PROFILE;
  if (!cpuDir && !heapDir) return undefined;
  const session = new Session();
  session.connect();
  if (cpuDir) {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  if (heapDir) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  return async (name, log) => {
    const written: string[] = [];
    if (cpuDir) {
      const { profile } = await session.post('Profiler.stop');
      written.push(join(cpuDir, `${name}.cpuprofile`));
      writeFileSync(written[written.length - 1]!, JSON.stringify(profile));
    }
    if (heapDir) {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      written.push(join(heapDir, `${name}.heapprofile`));
      writeFileSync(written[written.length - 1]!, JSON.stringify(profile));
    }
    session.disconnect();
    log(`catch-up: profile of the station side written to ${written.join(', ')}`);
  };
}
