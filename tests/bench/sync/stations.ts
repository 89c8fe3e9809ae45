/**
 * Real stations for the sync benchmarks: a StationCore on a temp dir (no dev-mode validation, as in production),
 * enrolled with a one-time code and synced by the real sync client (electron/sync: RxDB replications + SSE).
 */
import { performance } from 'node:perf_hooks';
import type { Department } from '../../../shared/master';
import { StationCore } from '../../../electron/core/station-core';
import { TEST_PIN, badgeOf, stationConfig, tempDir } from '../../../electron/core/testing';
import { startSync, type SyncClient, type SyncOptions } from '../../../electron/sync';
import { BENCH_PIN, issueCode } from './harness';

export interface RealStation {
  id: string;
  lineId: string;
  core: StationCore;
  sync: SyncClient | null;
  /** (Re)starts the sync client (a station whose network came back, or that just started). */
  startSync(opts?: SyncOptions): SyncClient;
  close(): Promise<void>;
}

if (TEST_PIN !== BENCH_PIN) throw new Error('bench roster PIN must match the station test PIN');

export async function openRealStation(baseUrl: string, department: Department, n: number): Promise<RealStation> {
  const { stationId, lineId, code } = await issueCode(baseUrl, department, n);
  const tmp = tempDir('qsf-bench-sync-');
  const core = await StationCore.open(stationConfig(department, tmp.dir, { stationId, lineId, serverUrl: baseUrl, enrollmentCode: code }));
  const st: RealStation = {
    id: stationId,
    lineId,
    core,
    sync: null,
    startSync(opts = {}) {
      st.sync = startSync(core, opts);
      return st.sync;
    },
    async close() {
      await st.sync?.stop();
      await core.close();
      tmp.cleanup();
    },
  };
  return st;
}

export async function login(st: RealStation, department: Department): Promise<void> {
  await st.core.call('session.login', { badge: badgeOf(department), pin: TEST_PIN });
}

export async function recordCut(st: RealStation, workOrderId: string, goodQty = 1): Promise<void> {
  await st.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId, lineId: st.lineId, size: 'M', part: 'body', goodQty } } });
}

/** Resolves when `check()` holds, polling every `everyMs`; rejects after `timeoutMs`. Returns when it held (ms). */
export async function until(check: () => boolean, timeoutMs: number, everyMs = 1): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return performance.now();
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
