/**
 * Ingest: N enrolled stations (each its own token, line and manufacturing order, so they do not contend on one
 * work order) push batches concurrently over real HTTP; events/s applied, against a bare multi-row INSERT of the
 * same rows into an `events`-shaped table (`LIKE events INCLUDING ALL`: same columns, keys, checks and indexes, no
 * triggers or foreign key) in the same PostgreSQL, same run, same row count, batch size and concurrency (one
 * autocommit INSERT per batch through a pool as large as the server's). Plus a contended variant: every station
 * outputs on ONE shared work order.
 */
import { performance } from 'node:perf_hooks';
import type { FloorEvent } from '../../../shared/events';
import { workOrderIdFor } from '../../../shared/master';
import { ARTICLE_BOMS, EventFactory, mo } from '../../../shared/testing/fixtures';
import { PushResponse } from '../../../shared/sync';
import type { BenchResult } from '../bench-format';
import type { Db } from '../../../sync-server/db/types';
import {
  BenchHttp,
  createOperators,
  createOrder,
  enrollStation,
  mapLimit,
  percentile,
  result,
  withBenchServer,
  type BenchStation,
} from './harness';

export interface IngestOptions {
  stations?: number;
  batches?: number;
  perBatch?: number;
  /** Batches per station in the contended variant (0 = skip). */
  contendedBatches?: number;
  log?: (msg: string) => void;
}

const OPERATOR = 'OP-CUT1';

/** A realistic cutting mix: login + SPK receipt first, then mostly output, a material allocation every 25th event. */
function stationEvents(f: EventFactory, s: BenchStation, workOrderId: string, count: number, first: boolean): FloorEvent[] {
  const out: FloorEvent[] = [];
  if (first) {
    out.push(f.event(s.id, OPERATOR, { type: 'operator.login', payload: { method: 'badge_pin' } }));
    out.push(f.event(s.id, OPERATOR, { type: 'spk.received', payload: { workOrderId } }));
  }
  for (let k = out.length; k < count; k++) {
    out.push(
      k % 25 === 24
        ? f.event(s.id, OPERATOR, { type: 'material.allocated', payload: { workOrderId, materials: [{ materialCode: 'PLUSH-BRN-600', qty: 2.5, unit: 'm' }] } })
        : f.event(s.id, OPERATOR, {
            type: 'cutting.output',
            payload: { workOrderId, lineId: s.lineId, size: ['S', 'M', 'L'][k % 3] as string, part: k % 2 ? 'body' : 'ear', goodQty: 1 + (k % 3) },
          }),
    );
  }
  return out;
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

interface PushRun {
  seconds: number;
  applied: number;
  errors: number;
  latencies: number[];
}

/** Every station pushes its batches in order (seq order is per station), all stations at once. */
async function pushAll(client: BenchHttp, stations: readonly BenchStation[], bodies: readonly string[][], expectPerBatch: number): Promise<PushRun> {
  let applied = 0;
  let errors = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    stations.map(async (s, i) => {
      for (const body of bodies[i] ?? []) {
        const b0 = performance.now();
        const { status, text } = await client.post('/api/push', s.auth, body);
        latencies.push(performance.now() - b0);
        if (status !== 200) {
          errors++;
          continue;
        }
        const r = PushResponse.parse(JSON.parse(text));
        const ok = r.results.filter((x) => x.status === 'applied').length;
        applied += ok;
        if (ok !== expectPerBatch) errors++;
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, applied, errors, latencies: latencies.sort((a, b) => a - b) };
}

const BARE_COLUMNS = ['id', 'station_id', 'seq', 'hlc', 'operator_id', 'type', 'payload', 'v', 'status'] as const;

/** The reference: one multi-row INSERT (autocommit) per batch, `concurrency` writers, through `db`'s pool. */
async function bareInsertAll(db: Db, table: string, batchesPerWriter: readonly FloorEvent[][][]): Promise<{ seconds: number; rows: number }> {
  let rows = 0;
  const t0 = performance.now();
  await Promise.all(
    batchesPerWriter.map(async (batches) => {
      for (const batch of batches) {
        const params: unknown[] = [];
        const values = batch.map((e, r) => {
          params.push(e.id, e.stationId, e.seq, e.hlc, e.operatorId, e.type, JSON.stringify(e.payload), e.v, 'applied');
          const base = r * BARE_COLUMNS.length;
          return `(${BARE_COLUMNS.map((_, c) => `$${base + c + 1}`).join(', ')})`;
        });
        const inserted = await db.query(`INSERT INTO ${table} (${BARE_COLUMNS.join(', ')}) VALUES ${values.join(', ')} RETURNING 1`, params);
        rows += inserted.length;
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, rows };
}

export async function runIngest(opts: IngestOptions = {}): Promise<BenchResult[]> {
  const nStations = opts.stations ?? 50;
  const nBatches = opts.batches ?? 40;
  const perBatch = opts.perBatch ?? 50;
  const contendedBatches = opts.contendedBatches ?? 10;
  const log = opts.log ?? (() => undefined);
  return withBenchServer(async ({ bdb, server }) => {
    // One keep-alive socket per station, as a station's sync client keeps its connection.
    const client = new BenchHttp(server.baseUrl, nStations);
    try {
      const { baseUrl } = server;
      await createOperators(baseUrl, ['cutting']);
      const stations = await mapLimit(
        Array.from({ length: nStations }, (_, i) => i + 1),
        8,
        (n) => enrollStation(baseUrl, 'cutting', n),
      );
      // The article's real bill of cut parts: the mix records bodies and ears, both on it (a one-part BOM refuses ears).
      const bom = { cutParts: [...ARTICLE_BOMS['BEAR-30']] };
      const orders = stations.map((_, i) => mo(2000 + i, { route: 'R2', quantity: 1_000_000, ...bom }));
      const shared = mo(2999, { route: 'R2', quantity: 1_000_000, ...bom });
      await mapLimit([...orders, shared], 8, (m) => createOrder(baseUrl, m));

      // Events for one warm-up batch + the timed batches per station, built and serialised before the clock starts.
      const f = new EventFactory(() => Date.now());
      const perStation = stations.map((s, i) =>
        chunk(stationEvents(f, s, workOrderIdFor((orders[i] ?? shared).id, 'cutting'), (nBatches + 1) * perBatch, true), perBatch),
      );
      const warm = perStation.map((b) => b.slice(0, 1));
      const timed = perStation.map((b) => b.slice(1));
      const bodies = (bs: FloorEvent[][][]) => bs.map((batches) => batches.map((events) => JSON.stringify({ events })));

      // Bare reference tables: the events table's shape, filled with the very same rows.
      for (const t of ['bench_bare_a', 'bench_bare_b']) await bdb.db.exec(`CREATE TABLE ${t} (LIKE events INCLUDING ALL)`);
      await bareInsertAll(bdb.db, 'bench_bare_a', warm);

      log(`ingest: bare insert (before) ${nStations} writers x ${nBatches} x ${perBatch}`);
      const bareBefore = await bareInsertAll(bdb.db, 'bench_bare_a', timed);

      log('ingest: push warm-up');
      const w = await pushAll(client, stations, bodies(warm), perBatch);
      if (w.errors) throw new Error(`warm-up push had ${w.errors} errors`);
      log(`ingest: push ${nStations} stations x ${nBatches} batches x ${perBatch} events`);
      const run = await pushAll(client, stations, bodies(timed), perBatch);

      log('ingest: bare insert (after)');
      const bareAfter = await bareInsertAll(bdb.db, 'bench_bare_b', timed);

      const expected = nStations * nBatches * perBatch;
      const [stored] = await bdb.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE status = 'applied'");
      if (run.errors || run.applied !== expected || stored?.n !== expected + nStations * perBatch) {
        throw new Error(`ingest: ${run.errors} errors, ${run.applied}/${expected} applied, ${stored?.n} stored`);
      }
      if (bareBefore.rows !== expected || bareAfter.rows !== expected) throw new Error('bare insert lost rows');
      const eps = expected / run.seconds;
      // The reference is the mean of one bare run before and one after the pushes (load on the machine drifts).
      const bareEps = (expected / bareBefore.seconds + expected / bareAfter.seconds) / 2;
      log(`ingest: push ${eps.toFixed(0)} ev/s; bare ${(expected / bareBefore.seconds).toFixed(0)} / ${(expected / bareAfter.seconds).toFixed(0)} ev/s`);

      const out: BenchResult[] = [
        result(`ingest: ${nStations} stations x ${nBatches} batches x ${perBatch} events, own MO each`, eps, 'events/s', '> 0'),
        result(`ingest push batch (${perBatch} events) round trip p99 (p50 ${percentile(run.latencies, 50).toFixed(1)} ms)`, percentile(run.latencies, 99), 'ms', '> 0'),
        result(`ingest / bare multi-row INSERT (${bareEps.toFixed(0)} rows/s, same rows/batch/concurrency)`, eps / bareEps, 'x', '>= 0.5'),
      ];

      if (contendedBatches > 0) {
        const wo = workOrderIdFor(shared.id, 'cutting');
        const cont = stations.map((s) => chunk(stationEvents(f, s, wo, contendedBatches * perBatch, false), perBatch));
        log(`ingest: contended, ${nStations} stations x ${contendedBatches} batches on one work order`);
        const c = await pushAll(client, stations, bodies(cont), perBatch);
        if (c.errors) throw new Error(`contended push had ${c.errors} errors`);
        out.push(
          result(
            `ingest contended: ${nStations} stations x ${contendedBatches} x ${perBatch} on ONE work order (p99 batch ${percentile(c.latencies, 99).toFixed(0)} ms)`,
            c.applied / c.seconds,
            'events/s',
            '> 0',
          ),
        );
      }
      return out;
    } finally {
      client.close();
    }
  });
}
