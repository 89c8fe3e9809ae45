/**
 * RxDB's own storage benchmark (`runPerformanceTests` from rxdb/plugins/test-utils) on our sqlite storage and on
 * RxDB's memory storage in the same process, reported as sqlite/memory time ratios against the goals of issue #3.
 *
 *   npx tsx tests/bench/store-rxdb.bench.ts          (BENCH_RUNS, BENCH_WAIT_MS override runs / pause between steps)
 *
 * rxdb/plugins/test-utils imports two of RxDB's dev dependencies (`clone`, `async-test-util`) that npm does not
 * install with rxdb. When that import fails we run `portedRunPerformanceTests` below: RxDB 17.6's performance.ts
 * with the same schema, data generator, steps and averaging, minus those two imports. The output says which ran.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createRxDatabase,
  randomNumber,
  randomToken,
  requestIdlePromise,
  type RxCollection,
  type RxJsonSchema,
  type RxStorage,
} from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { getRxStorageSqlite } from '../../electron/store/rxdb-sqlite';
import { meetsGoal, printBench, type BenchResult } from './bench-format';

type PerfConfig = { runs: number; waitBetweenTests: number; log: boolean };
type PerfResult = Record<string, number | string>;
type RunPerformanceTests = (storage: RxStorage<unknown, unknown>, description: string, config: PerfConfig) => Promise<PerfResult>;

/** RxDB metric key -> our metric name and goal (max ratio to memory storage). */
const GOALS: { key: string; metric: string; goal: string }[] = [
  { key: 'insert-documents-500', metric: 'bulk insert 500', goal: '<= 28' },
  { key: 'find-by-ids-3000', metric: 'find 3000 by id', goal: '<= 4.9' },
  { key: 'serial-inserts-50', metric: '50 serial inserts', goal: '<= 7' },
  { key: 'serial-find-by-id-50', metric: '50 serial finds by id', goal: '<= 4.9' },
  { key: 'find-by-query', metric: 'query 3050 sorted', goal: '<= 7' },
  { key: '4x-count', metric: '4x count', goal: '<= 7' },
];

export async function runRxdbStoreBench(): Promise<BenchResult[]> {
  const runs = Number(process.env.BENCH_RUNS ?? 20);
  const waitBetweenTests = Number(process.env.BENCH_WAIT_MS ?? 50);
  const { run, source } = await loadRunPerformanceTests();
  const dir = mkdtempSync(join(tmpdir(), 'rxdb-sqlite-bench-'));
  try {
    const config: PerfConfig = { runs, waitBetweenTests, log: false };
    console.log(`runPerformanceTests from ${source}; runs=${runs}; sqlite files in ${dir}`);
    const memory = await run(getRxStorageMemory() as RxStorage<unknown, unknown>, 'memory', config);
    const sqlite = await run(
      getRxStorageSqlite({ databaseDirectory: dir }) as RxStorage<unknown, unknown>,
      'sqlite',
      config,
    );
    const results: BenchResult[] = [];
    console.log('metric                    memory ms   sqlite ms');
    for (const g of GOALS) {
      const m = Number(memory[g.key]);
      const s = Number(sqlite[g.key]);
      console.log(`${g.metric.padEnd(24)} ${m.toFixed(2).padStart(10)}  ${s.toFixed(2).padStart(10)}`);
      const ratio = Math.round((s / m) * 100) / 100;
      results.push({ metric: g.metric, value: ratio, unit: 'x memory', goal: g.goal, met: meetsGoal(ratio, g.goal) });
    }
    for (const g of GOALS) {
      results.push({
        metric: g.metric + ' (sqlite)',
        value: Number(sqlite[g.key]),
        unit: 'ms',
        goal: '>= 0', // absolute time, informational
        met: true,
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadRunPerformanceTests(): Promise<{ run: RunPerformanceTests; source: string }> {
  try {
    const mod = await import('rxdb/plugins/test-utils');
    return { run: mod.runPerformanceTests as RunPerformanceTests, source: 'rxdb/plugins/test-utils' };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { run: portedRunPerformanceTests, source: `the port of RxDB 17.6 performance.ts (test-utils: ${reason})` };
  }
}

// ---- port of rxdb/src/plugins/test-utils/{performance,schemas,schema-objects}.ts (RxDB 17.6.0) ----

type AverageDoc = {
  id: string;
  var1: string;
  var2: number;
  deep: { deep1: string; deep2: string; deeper: { deepNr: number } };
  list: { deep1: string; deep2: string }[];
};

function averageSchema(): RxJsonSchema<AverageDoc> {
  return {
    title: 'averageSchema_' + randomToken(5),
    version: 0,
    primaryKey: 'id',
    type: 'object',
    keyCompression: false,
    properties: {
      id: { type: 'string', maxLength: 12 },
      var1: { type: 'string', maxLength: 12 },
      var2: { type: 'number', minimum: 0, maximum: 50000, multipleOf: 1 },
      deep: {
        type: 'object',
        properties: { deep1: { type: 'string', maxLength: 10 }, deep2: { type: 'string', maxLength: 10 } },
      },
      list: {
        type: 'array',
        items: { type: 'object', properties: { deep1: { type: 'string' }, deep2: { type: 'string' } } },
      },
    },
    required: ['id', 'var1', 'var2'],
    indexes: ['var1', 'var2', 'deep.deep1', ['var2', 'var1']],
  };
}

const BASE_CHARS = "0987654321ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzäöüÖÄßÜ[]{}'".split('');
const ALL_CHARS = [...BASE_CHARS, '😊', '💩', '👵', '🍌', '🏳️‍🌈', '😃'];

function randomStringWithSpecialChars(minLength: number, maxLength: number): string {
  const length = randomNumber(minLength, maxLength);
  let text = '';
  while (text.length < length) {
    const chars = text.length === 0 ? BASE_CHARS : ALL_CHARS;
    text += chars[Math.floor(Math.random() * chars.length)];
  }
  return text.length > length ? randomStringWithSpecialChars(minLength, maxLength) : text;
}

function averageSchemaData(partial: Partial<AverageDoc> = {}): AverageDoc {
  return {
    id: randomStringWithSpecialChars(11, 12),
    var1: randomStringWithSpecialChars(9, 12),
    var2: randomNumber(100, 50000),
    deep: {
      deep1: randomStringWithSpecialChars(7, 10),
      deep2: randomStringWithSpecialChars(7, 10),
      deeper: { deepNr: randomNumber(0, 10) },
    },
    list: new Array(5).fill(0).map(() => ({
      deep1: randomStringWithSpecialChars(2, 5),
      deep2: randomStringWithSpecialChars(5, 8),
    })),
    ...partial,
  };
}

function check(ok: boolean, message: string): void {
  if (!ok) {
    throw new Error('performance test check failed: ' + message);
  }
}

async function awaitBetweenTest(waitMs: number): Promise<void> {
  await requestIdlePromise();
  if (waitMs > 0) {
    await new Promise((r) => setTimeout(r, waitMs));
  }
  await requestIdlePromise();
  await requestIdlePromise();
}

/** RxDB's averaging: drop the highest 95% of the samples, average the rest. */
function averageOfTimeValues(times: number[], stripHighestPercent: number): number {
  const sorted = times.slice().sort((a, b) => a - b);
  const use = sorted.slice(0, sorted.length - Math.floor(sorted.length * stripHighestPercent * 0.01));
  return use.reduce((a, b) => a + b, 0) / use.length;
}

const portedRunPerformanceTests: RunPerformanceTests = async (storage, description, config) => {
  const collectionsAmount = 4;
  const docsAmount = 3000;
  const serialDocsAmount = 50;
  const parallelQueryAmount = 4;
  const insertBatches = 6;
  const { runs, waitBetweenTests } = config;
  const totalTimes: Record<string, number[]> = {};
  const dbName = 'test-db-performance-' + randomToken(10);

  for (let runsDone = 0; runsDone < runs; runsDone++) {
    let time = performance.now();
    const updateTime = (flag?: string) => {
      if (flag) {
        (totalTimes[flag] ??= []).push(performance.now() - time);
      }
      time = performance.now();
    };
    await awaitBetweenTest(waitBetweenTests);
    updateTime();

    const schema = averageSchema();
    let collection: RxCollection<AverageDoc> | undefined;
    const createDbWithCollections = async (): Promise<RxCollection<AverageDoc>> => {
      if (collection) {
        await collection.database.close();
      }
      const db = await createRxDatabase<Record<string, RxCollection<AverageDoc>>>({
        name: dbName,
        eventReduce: true,
        multiInstance: false,
        storage,
      });
      const names = Array.from({ length: collectionsAmount }, (_v, i) => dbName + '_col_' + i);
      const collections = await db.addCollections(Object.fromEntries(names.map((n) => [n, { schema, statics: {} }])));
      await (collections[names[1] as string] as RxCollection<AverageDoc>).insert(averageSchemaData());
      return collections[names[0] as string] as RxCollection<AverageDoc>;
    };
    collection = await createDbWithCollections();
    updateTime('time-to-first-insert');
    await awaitBetweenTest(waitBetweenTests);

    const docIds: string[] = [];
    const docsPerBatch = docsAmount / insertBatches;
    for (let i = 0; i < insertBatches; i++) {
      const docsData = Array.from({ length: docsPerBatch }, (_v, idx) => {
        const data = averageSchemaData({ var1: (idx % 2) + '', var2: idx % parallelQueryAmount });
        docIds.push(data.id);
        return data;
      });
      updateTime();
      await collection.bulkInsert(docsData);
      updateTime('insert-documents-' + docsPerBatch);
      await awaitBetweenTest(waitBetweenTests);
    }

    collection = await createDbWithCollections();
    await awaitBetweenTest(waitBetweenTests);
    updateTime();
    const idsResult = await collection.findByIds(docIds).exec();
    updateTime('find-by-ids-' + docsAmount);
    check(idsResult.size === docsAmount, 'find-by-id amount');
    await awaitBetweenTest(waitBetweenTests);

    updateTime();
    const serialIds: string[] = [];
    for (let c = 0; c < serialDocsAmount; c++) {
      const data = averageSchemaData({ var2: 1000 });
      serialIds.push(data.id);
      await collection.insert(data);
    }
    updateTime('serial-inserts-' + serialDocsAmount);

    collection = await createDbWithCollections();
    await awaitBetweenTest(waitBetweenTests);
    updateTime();
    for (const id of serialIds) {
      await collection.findByIds([id]).exec();
    }
    updateTime('serial-find-by-id-' + serialDocsAmount);
    await awaitBetweenTest(waitBetweenTests);

    updateTime();
    const queryResult = await collection.find({ selector: {}, sort: [{ var2: 'asc' }, { var1: 'asc' }] }).exec();
    updateTime('find-by-query');
    check(queryResult.length === docsAmount + serialDocsAmount, 'find-by-query');

    collection = await createDbWithCollections();
    await awaitBetweenTest(waitBetweenTests);
    updateTime();
    const parallel = await Promise.all(
      Array.from({ length: parallelQueryAmount }, (_v, idx) => collection!.find({ selector: { var2: idx } }).exec()),
    );
    updateTime('find-by-query-parallel-' + parallelQueryAmount);
    check(parallel.reduce((sum, r) => sum + r.length, 0) === docsAmount, 'parallelSum');
    await awaitBetweenTest(waitBetweenTests);

    updateTime();
    for (let t = 0; t < parallelQueryAmount; t++) {
      const count = await collection.count({ selector: { var2: { $eq: t } } }).exec();
      check(count >= docsAmount / insertBatches - 5 && count < docsAmount * 0.8, 'count ' + count);
    }
    updateTime('4x-count');
    await awaitBetweenTest(waitBetweenTests);

    updateTime();
    let sum = 0;
    for (const doc of queryResult) {
      sum += doc.deep.deeper.deepNr;
      sum += doc.deep.deeper.deepNr;
    }
    updateTime('property-access');
    check(sum > 10, 'property access');

    await collection.database.remove();
  }

  const result: PerfResult = { description, collectionsAmount, docsAmount };
  for (const [key, times] of Object.entries(totalTimes)) {
    result[key] = Math.round(averageOfTimeValues(times, 95) * 100) / 100;
  }
  return result;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runRxdbStoreBench()
    .then((results) => {
      printBench('store-rxdb', results);
      // Let the process end even if RxDB left timers (idle-queue, cleanup plugin) behind.
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
