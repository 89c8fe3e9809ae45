/**
 * Station core benchmarks (issue: Station core):
 *   - command latency: 10,000 "record output" commands end to end (parse, rules, durable commit, state updated,
 *     subscribers told), p50/p99, against a bare durable single-row better-sqlite3 insert measured in the same run;
 *   - start-up: a station database holding 200,000 events opens and answers its first query.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { openStationDb } from '../../electron/store/station-db';
import { TEST_PIN, badgeOf, orderDocuments, rosterDocuments, stationConfig, tempDir } from '../../electron/core/testing';
import { makeEvent } from '../../shared/events';
import { createHlc } from '../../shared/hlc';
import { uuidv7 } from '../../shared/ids';
import { meetsGoal, printBench, type BenchResult } from './bench-format';

const M = mo(9001, { route: 'R2', quantity: 1_000_000 });
const WO = workOrderIdFor(M.id, 'cutting');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function result(metric: string, value: number, unit: string, goal: string): BenchResult {
  return { metric, value: Math.round(value * 1000) / 1000, unit, goal, met: meetsGoal(value, goal) };
}

async function seededCore(dir: string): Promise<StationCore> {
  const core = await StationCore.open(stationConfig('cutting', dir));
  await core.seedDocuments([...(await rosterDocuments()), ...orderDocuments([M])]);
  return core;
}

/** The reference: one durable (WAL, synchronous=FULL) single-row insert of an event-sized JSON row. */
function bareInserter(dir: string): { insert(): number; close(): void } {
  const db = new Database(join(dir, 'bare.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE ev (id TEXT PRIMARY KEY, seq INTEGER, data TEXT)');
  const ins = db.prepare('INSERT INTO ev (id, seq, data) VALUES (?, ?, ?)');
  const payload = JSON.stringify({ type: 'cutting.output', payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } });
  let seq = 0;
  return {
    insert() {
      const t0 = performance.now();
      ins.run(uuidv7(), ++seq, payload);
      return performance.now() - t0;
    },
    close: () => db.close(),
  };
}

export async function runCommandLatency(n = 10_000): Promise<BenchResult[]> {
  const t = tempDir('qsf-bench-cmd-');
  try {
    const core = await seededCore(t.dir);
    let told = 0;
    core.onCommit(() => told++);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const action = { type: 'cutting.output' as const, payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } };
    const bare = bareInserter(t.dir);
    for (let i = 0; i < 200; i++) {
      await core.call('action.record', { action }); // warm-up
      bare.insert();
    }
    // Interleaved, so load spikes on this shared machine hit both the same way.
    const lat: number[] = [];
    const ref: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await core.call('action.record', { action });
      lat.push(performance.now() - t0);
      ref.push(bare.insert());
    }
    bare.close();
    if (told < n) throw new Error('subscribers were not told of every commit');
    if (core.state.workOrder[WO]?.stageQty.cut !== n + 200) throw new Error('state does not reflect every command');
    await core.close();
    lat.sort((a, b) => a - b);
    ref.sort((a, b) => a - b);
    const p99 = percentile(lat, 99);
    const bareP99 = percentile(ref, 99);
    console.error(`command latency ms: p50 ${percentile(lat, 50).toFixed(3)} p90 ${percentile(lat, 90).toFixed(3)} p99 ${p99.toFixed(3)} p99.9 ${percentile(lat, 99.9).toFixed(3)} max ${lat[lat.length - 1]?.toFixed(3)}; bare insert p50 ${percentile(ref, 50).toFixed(3)} p99 ${bareP99.toFixed(3)}`);
    return [
      result('command p50', percentile(lat, 50), 'ms', '< 2'),
      result('command p99', p99, 'ms', '< 2'),
      result(`command p99 / bare durable insert p99 (${bareP99.toFixed(2)} ms)`, p99 / bareP99, 'x', '<= 3'),
    ];
  } finally {
    t.cleanup();
  }
}

/**
 * Writes `total` events straight into the station's database (a long-running station's log, far faster than as
 * commands), `pending` of them not yet applied by the server.
 */
export async function buildLargeStation(dir: string, total: number, pending: number): Promise<void> {
  await (await seededCore(dir)).close();
  const { rx } = await openStationDb({ dataDir: dir, stationId: 'ST-CUT-1' });
  try {
    const clock = createHlc('ST-CUT-1');
    const batch = 5000;
    for (let start = 1; start <= total; start += batch) {
      const rows = [];
      for (let seq = start; seq < Math.min(total + 1, start + batch); seq++) {
        rows.push(
          makeEvent(
            { id: uuidv7(), stationId: 'ST-CUT-1', seq, hlc: clock.send(), operatorId: 'OP-CUT1', v: 1 },
            { type: 'cutting.output', payload: { workOrderId: WO, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } },
          ),
        );
      }
      await rx.events.bulkInsert(rows);
    }
  } finally {
    await rx.close();
  }
  // The server has applied all but the last `pending` events (its documents carry their effect).
  const core = await StationCore.open(stationConfig('cutting', dir));
  const applied = total - pending;
  // Sets are counted from parts (the MO's bill: one body per set), so the document carries both, as the server's would.
  const wo = { ...(orderDocuments([M]).find((d) => d.id === WO)?.body ?? {}), stageQty: { cut: applied }, partsCut: { body: applied } };
  await core.seedDocuments([
    { kind: 'workOrder', id: WO, body: wo },
    { kind: 'stationProgress', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', lastAppliedSeq: applied } },
  ]);
  await core.close();
}

export async function runStartup(total = 200_000): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [label, pending] of [['synced station (500 pending)', 500], ['a whole shift offline (20,000 pending)', 20_000]] as const) {
    const t = tempDir('qsf-bench-open-');
    try {
      await buildLargeStation(t.dir, total, pending);
      const t0 = performance.now();
      const core = await StationCore.open(stationConfig('cutting', t.dir));
      const view = await core.call('view.get', {});
      const ms = performance.now() - t0;
      if (view.lastSeq !== total || core.state.workOrder[WO]?.stageQty.cut !== total) throw new Error('opened state is wrong');
      await core.close();
      out.push(result(`open ${total} events + first query, ${label}`, ms, 'ms', '< 1500'));
    } finally {
      t.cleanup();
    }
  }
  return out;
}

export async function runStationBench(): Promise<BenchResult[]> {
  return [...(await runCommandLatency()), ...(await runStartup())];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  printBench('station', await runStationBench());
}
