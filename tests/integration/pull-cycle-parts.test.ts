/**
 * A pull cycle larger than `maxCycleDocuments` (here 3) is fetched in parts, and still lands on the station whole:
 * nothing of it is on disk or in local state before the part that reaches the server's head.
 *
 * - A station stopped between parts (its core closed after the first part was fetched and handed to it, the next
 *   request failing) reopens with exactly the documents of its last complete cycle, not one of the next, and counts
 *   each own event once; it then finishes the cycle and holds what the server has.
 * - The same when the station's process is killed (SIGKILL) while it holds a part: nothing is closed or flushed.
 * - While a cycle is being fetched in parts, the documents collection is not touched; the whole cycle is written in
 *   one write, by the core (RxDB's replication is never handed a part to write itself).
 *
 * Real server on PostgreSQL (TEST_DATABASE_URL) or PGlite, real station core on a SQLite file, the real sync client.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { PullResponse } from '../../shared/sync';
import { mo } from '../../shared/testing/fixtures';
import { PULL_WRITE_CONTEXT } from '../../electron/core/pulled-documents';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type SyncOptions } from '../../electron/sync';
import { readToken } from '../../electron/sync/enroll';
import { pullGate, watchDocumentWrites } from '../../electron/sync/testing';
import { startTestServer, type ListeningTestServer } from '../../sync-server/testing';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
// After each test: the next one opens a station of the same id in this process.
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Batches of one document, parts of three: every catch-up below is several parts. */
const SYNC: SyncOptions = { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 200 }, pullBatchSize: 1, pushBatchSize: 1, maxCycleDocuments: 3 };

/** What a station has stored: every live document's key and body, sorted by key. */
async function storedDocuments(core: StationCore): Promise<[string, unknown][]> {
  const docs = await core.replicationCollections().documents.find().exec();
  return docs.map((d): [string, unknown] => [d.key, d.toJSON().body]).sort(([a], [b]) => a.localeCompare(b));
}

/** What the server has for the station (a pull from nothing, with its own token), as `storedDocuments` shows it. */
async function serverDocuments(base: string, dataDir: string, stationId: string): Promise<[string, unknown][]> {
  const token = readToken(dataDir, stationId)?.token;
  if (!token) throw new Error('station not enrolled');
  const res = await fetch(`${base}/api/pull?limit=1000`, { headers: { authorization: `Bearer ${token}` } });
  const answer = PullResponse.parse(await res.json());
  if (answer.documents.length >= 1000) throw new Error('more than one batch: not what this test expects');
  const latest = new Map<string, { body: unknown; deleted: boolean }>();
  for (const d of answer.documents) latest.set(`${d.kind}:${d.id}`, { body: d.body, deleted: d.deleted });
  return [...latest]
    .filter(([, d]) => !d.deleted)
    .map(([k, d]): [string, unknown] => [k, d.body])
    .sort(([a], [b]) => a.localeCompare(b));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * A cutting station in sync with two work orders; then, its pulls cut off, it records 10 pieces on each (pushed and
 * applied by the server) while the office releases six more orders: the next cycle is several parts. Each part the
 * core is handed to keep aside is counted (`held`), so a test knows it stopped the station between parts.
 */
async function stationBehindByParts() {
  const server: ListeningTestServer = await startTestServer();
  cleanups.push(() => server.close());
  const post = server.adminPost;
  await post('/api/operators', { id: 'OP-CUT1', name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  const orders = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => mo(n, { quantity: 100 }));
  const [W1, W2, ...later] = orders.map((m) => workOrderIdFor(m.id, 'cutting')) as [string, string, ...string[]];
  for (const m of orders.slice(0, 2)) await post('/api/manufacturing-orders', m);
  const { code } = await post('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });

  // Pulls (and the live stream) can be held off while pushes go through, or cut after so many answers.
  const { gate, fetch: gated } = pullGate();
  const tmp = tempDir('qsf-pullparts-');
  cleanups.push(tmp.cleanup);
  const config = stationConfig('cutting', tmp.dir, { serverUrl: server.base, enrollmentCode: String(code) });
  const core = await StationCore.open(config);
  cleanups.push(() => core.close());
  const held = countHeldParts(core);
  const sync = startSync(core, { ...SYNC, fetch: gated });
  cleanups.push(() => sync.stop());
  await sync.awaitInSync(30_000);

  gate.pullsBlocked = true;
  await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
  for (const w of [W1, W2]) {
    await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: w, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 10 } } });
  }
  await until('the server to apply the pushes', async () => {
    const [row] = await server.db.db.query<{ last_applied_seq: number }>("SELECT last_applied_seq FROM station_progress WHERE station_id = 'ST-CUT-1'");
    return Number(row?.last_applied_seq ?? 0) >= 3;
  });
  for (const m of orders.slice(2)) await post('/api/manufacturing-orders', m);
  gate.pullsAnswered = 0;
  gate.pullsRefused = 0;
  held.count = 0;
  return { server, core, sync, gate, gated, config, W1, W2, later, held };
}

/** How many parts of a cycle (`hold`) the core was handed. */
function countHeldParts(core: StationCore) {
  const held = { count: 0 };
  const original = core.applyPulled.bind(core);
  core.applyPulled = (...args: Parameters<StationCore['applyPulled']>) => {
    if (args[0].hold) held.count++;
    return original(...args);
  };
  return held;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs the station of `config` in a child process (pull-parts-station.ts) until its core holds the first part of a
 * cycle, then kills it with SIGKILL; resolves when it is gone.
 */
async function killBetweenParts(config: { stationId: string; department: string; lineId: string; dataDir: string; serverUrl?: string | undefined }): Promise<void> {
  const env = { QSF_STATION_ID: config.stationId, QSF_DEPARTMENT: config.department, QSF_LINE_ID: config.lineId, QSF_DATA_DIR: config.dataDir, QSF_SERVER_URL: config.serverUrl ?? '', QSF_TEST_MAX_CYCLE: '3' };
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/integration/pull-parts-station.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the station never held a part: ${stderr.join('')}`)), 30_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line === 'HELD') {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`the station exited before holding a part: ${stderr.join('')}`)));
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const cuts = (core: StationCore, ...ws: string[]) => ws.map((w) => core.state.workOrder[w]?.stageQty.cut);

/**
 * The stopped station opened again: its documents are exactly `lastComplete`, each own event counted once; with
 * pulls answered again it finishes the cycle, still counting each event once, and holds what the server has.
 */
async function reopensOnLastCompleteThenFinishes(station: Awaited<ReturnType<typeof stationBehindByParts>>, lastComplete: [string, unknown][]): Promise<void> {
  const { server, gate, gated, config, W1, W2, later } = station;
  const reopened = await StationCore.open(config);
  cleanups.push(() => reopened.close());
  expect(await storedDocuments(reopened)).toEqual(lastComplete);
  expect(cuts(reopened, W1, W2)).toEqual([10, 10]);
  for (const w of later) expect(reopened.state.workOrder[w]).toBeUndefined();

  gate.pullsAllowed = Infinity;
  gate.pullsBlocked = false;
  const resumed = startSync(reopened, { ...SYNC, fetch: gated });
  cleanups.push(() => resumed.stop());
  await resumed.awaitInSync(30_000);
  expect(cuts(reopened, W1, W2)).toEqual([10, 10]);
  for (const w of later) expect(reopened.state.workOrder[w]?.plannedQty).toBe(100);
  expect(reopened.pendingCount).toBe(0);
  expect(await storedDocuments(reopened)).toEqual(await serverDocuments(server.base, config.dataDir, config.stationId));
}

describe('a pull cycle in parts', () => {
  it('a station stopped between parts reopens with exactly its last complete cycle, then finishes the next', async () => {
    const station = await stationBehindByParts();
    const { core, sync, gate, later, held } = station;
    const lastComplete = await storedDocuments(core);
    for (const w of later) expect(lastComplete.map(([k]) => k)).not.toContain(`workOrder:${w}`);

    // The first part (three batches of one) is fetched and handed over, the part after it is started, then every
    // pull fails; the station is stopped there.
    gate.pullsAllowed = 4;
    gate.pullsBlocked = false;
    await until('the cut-off pulls', () => gate.pullsRefused >= 2);
    expect(gate.pullsAnswered).toBe(4);
    expect(held.count).toBeGreaterThan(0); // stopped between parts, not before the first
    // Running, it shows nothing of the unfinished cycle: the documents are the last complete cycle's.
    expect(await storedDocuments(core)).toEqual(lastComplete);
    await sync.stop();
    await core.close();

    await reopensOnLastCompleteThenFinishes(station, lastComplete);
  }, 90_000);

  it('a station killed (SIGKILL) while it holds a part reopens with exactly its last complete cycle, then finishes the next', async () => {
    const station = await stationBehindByParts();
    const { core, sync } = station;
    const lastComplete = await storedDocuments(core);
    await sync.stop();
    await core.close();

    await killBetweenParts(station.config);
    await reopensOnLastCompleteThenFinishes(station, lastComplete);
  }, 90_000);

  it('nothing of a cycle is written before its last part: the whole cycle is one write, by the core', async () => {
    const { server, core, sync, gate, config, W1, W2, later, held } = await stationBehindByParts();
    const { writes } = watchDocumentWrites(core);
    const lastComplete = await storedDocuments(core);

    gate.pullsAllowed = 4;
    gate.pullsBlocked = false;
    await until('the cut-off pulls', () => gate.pullsRefused >= 2);
    expect(held.count).toBeGreaterThan(0);
    expect(writes).toEqual([]);
    expect(await storedDocuments(core)).toEqual(lastComplete);
    expect(cuts(core, W1, W2)).toEqual([10, 10]);

    gate.pullsAllowed = Infinity;
    await sync.awaitInSync(30_000);
    expect(writes.map((w) => w.context)).toEqual([PULL_WRITE_CONTEXT]);
    expect(writes[0]?.keys).toEqual(expect.arrayContaining([`workOrder:${W1}`, `workOrder:${W2}`, ...later.map((w) => `workOrder:${w}`), 'stationProgress:ST-CUT-1']));
    expect(cuts(core, W1, W2)).toEqual([10, 10]);
    expect(await storedDocuments(core)).toEqual(await serverDocuments(server.base, config.dataDir, config.stationId));
  }, 90_000);
});
