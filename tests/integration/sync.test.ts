/**
 * Station ↔ server sync end to end: a real sync server (buildApp on 127.0.0.1, PGlite or TEST_DATABASE_URL) and
 * station cores on temp dirs, each enrolled with a code and filled only by what it pulls (roster, station keys, work
 * orders): nothing is seeded locally.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../shared/api';
import type { TransferDoc, WorkOrderDoc } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { PLACE_CODE, workOrderIdFor, type Department, type ManufacturingOrder } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { openStationDb } from '../../electron/store/station-db';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { ensureEnrolled, EnrollmentError, startSync, TOKEN_FILE, type SyncClient, type SyncOptions } from '../../electron/sync';
import { partitionableFetch, type PartitionableFetch } from '../../electron/sync/testing';
import { buildApp } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';

const DB_KIND = process.env.TEST_DATABASE_URL ? 'pg' : 'pglite';
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

let t: TestDb;
let app: FastifyInstance;
let port = 0;
let baseUrl = '';
const cleanups: (() => Promise<unknown> | unknown)[] = [];

async function startServer(): Promise<void> {
  app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  port = addr.port;
  baseUrl = `http://127.0.0.1:${port}`;
}

/**
 * A socket a client opened but never sent a request on counts as busy for server.close() until headersTimeout (60 s);
 * a fetch aborted between connect and request (a station stopped mid-start-up) leaves one in undici's pool.
 */
async function stopServer(): Promise<void> {
  if (!app) return;
  const closing = app.close();
  const kill = setInterval(() => app.server.closeAllConnections(), 200);
  try {
    await closing;
  } finally {
    clearInterval(kill);
  }
}

async function adminPost(url: string, payload: unknown): Promise<unknown> {
  const res = await fetch(`${baseUrl}${url}`, { method: 'POST', headers: admin, body: JSON.stringify(payload) });
  const body: unknown = await res.json();
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  t = await createTestDb();
  await startServer();
  // The office's roster: the same operator ids and PIN as the station test roster, created on the server only.
  for (const d of ['cutting', 'embroidery'] as const) {
    await adminPost('/api/operators', { id: `OP-${CODE[d]}1`, name: `${d} operator`, roles: ['operator'], departments: [d], pin: TEST_PIN });
  }
});

afterAll(async () => {
  await stopServer();
  await t?.cleanup();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let stationNo = 0;

interface TestStation {
  id: string;
  lineId: string;
  dir: string;
  core: StationCore;
  sync: SyncClient;
  statuses: SyncStatus[];
  net: PartitionableFetch;
}

const FAST: SyncOptions = { retryTimeMs: 150, reconnect: { initialMs: 50, maxMs: 500 }, streamIdleTimeoutMs: 5_000 };

/** A new station of `department` with its own id and line, enrolled with a fresh code, syncing. */
async function station(department: Department, over: SyncOptions = {}): Promise<TestStation> {
  const n = ++stationNo;
  const id = `ST-${CODE[department]}-${n}`;
  const lineId = `LN-${CODE[department]}-${n}`;
  const { code } = (await adminPost('/api/enrollment-codes', { stationId: id, department, lineId })) as { code: string };
  const tmp = tempDir('qsf-sync-');
  const core = await StationCore.open(stationConfig(department, tmp.dir, { stationId: id, lineId, serverUrl: baseUrl, enrollmentCode: code }), { devMode: true });
  const statuses: SyncStatus[] = [];
  core.subscribe('sync', (s) => statuses.push(s));
  const net = partitionableFetch();
  const sync = startSync(core, { ...FAST, fetch: net.fetch, ...over });
  cleanups.push(tmp.cleanup, () => core.close(), () => sync.stop());
  return { id, lineId, dir: tmp.dir, core, sync, statuses, net };
}

async function newOrder(n: number, quantity = 100): Promise<{ M: ManufacturingOrder; W: (d: Department) => string }> {
  const M = mo(n, { route: 'R1', quantity });
  await adminPost('/api/manufacturing-orders', M);
  return { M, W: (d) => workOrderIdFor(M.id, d) };
}

async function serverDoc<T>(kind: string, id: string): Promise<T | undefined> {
  const [row] = await t.db.query<{ body: T }>('SELECT body FROM documents WHERE kind = $1 AND id = $2 AND NOT deleted', [kind, id]);
  return row?.body;
}

async function login(s: TestStation): Promise<void> {
  await s.core.call('session.login', { badge: `B:OP-${CODE[s.core.station.department]}1`, pin: TEST_PIN });
}

async function eventually(check: () => void | Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const cutOutput = (s: TestStation, workOrderId: string, qty: number) =>
  s.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId, lineId: s.lineId, size: 'M', part: 'body', goodQty: qty } } });

describe(`station sync (${DB_KIND})`, () => {
  it('happy path: a transfer created at cutting reaches embroidery live, is accepted, and everyone agrees', async () => {
    const { W } = await newOrder(1);
    const cut = await station('cutting');
    const emb = await station('embroidery');
    await Promise.all([cut.sync.awaitInSync(), emb.sync.awaitInSync()]);
    // Everything the stations know came down from the server: roster, station keys, their departments' work orders.
    expect(cut.core.state.workOrder[W('cutting')]?.plannedQty).toBe(100);
    expect(emb.core.state.workOrder[W('embroidery')]?.status).toBe('open');
    expect(cut.core.state.workOrder[W('embroidery')]).toBeUndefined(); // not in cutting's scope

    await login(cut);
    await cutOutput(cut, W('cutting'), 60);
    const { transferId } = await cut.core.call('transfer.create', { workOrderId: W('cutting'), quantity: 60 });

    // No awaitInSync on either side: the push and the live stream bring it over by themselves.
    await eventually(() => expect(emb.core.view().incoming.map((x) => x.id)).toContain(transferId));
    await login(emb);
    await emb.core.call('transfer.accept', { transferId, countedQty: 60 });
    await Promise.all([cut.sync.awaitInSync(), emb.sync.awaitInSync()]);
    await cut.sync.awaitInSync(); // the acceptance (pushed by embroidery) reaches cutting too

    const transfer = await serverDoc<TransferDoc>('transfer', transferId);
    expect(transfer).toMatchObject({ status: 'accepted', quantity: 60, countedQty: 60, acceptedStationId: emb.id, fromStationId: cut.id });
    const woCut = await serverDoc<WorkOrderDoc>('workOrder', W('cutting'));
    const woEmb = await serverDoc<WorkOrderDoc>('workOrder', W('embroidery'));
    expect(woCut).toMatchObject({ sentQty: 60, stageQty: { cut: 60 } });
    expect(woEmb).toMatchObject({ receivedQty: 60, status: 'received' });
    for (const s of [cut, emb]) {
      expect(s.core.pendingCount).toBe(0);
      expect(s.core.state.transfer[transferId]).toEqual(transfer);
      expect(s.core.view().refused).toEqual([]);
      expect(s.sync.status()).toMatchObject({ state: 'online', backlog: 0, lastError: null });
      expect(s.statuses.at(-1)).toMatchObject({ state: 'online', backlog: 0 });
    }
    expect(cut.core.state.workOrder[W('cutting')]).toEqual(woCut);
    expect(emb.core.state.workOrder[W('embroidery')]).toEqual(woEmb);
  });

  it('offline: 50 commands while the server is down are pushed exactly once when it is back', async () => {
    const { W } = await newOrder(2);
    // Small push batches: RxDB splits one persist into concurrent slices, which must still reach the server in order.
    const cut = await station('cutting', { pushBatchSize: 7 });
    await cut.sync.awaitInSync();
    await stopServer();
    await eventually(() => expect(cut.sync.status().state).toBe('offline'));

    await login(cut);
    for (let i = 0; i < 50; i++) await cutOutput(cut, W('cutting'), 1);
    expect(cut.core.state.workOrder[W('cutting')]?.stageQty.cut).toBe(50);
    const last = cut.core.lastSequence; // login + 50
    expect(last).toBe(51);
    await eventually(() => expect(cut.sync.status()).toMatchObject({ state: 'offline', backlog: 51 }));
    expect(cut.statuses.some((s) => s.state === 'offline' && s.backlog === 51)).toBe(true);
    expect(cut.sync.status().lastError).toBeTruthy();

    // While the backlog drains, the station's count may never dip or jump: each pulled batch brings the server's
    // progress together with the documents that contain those events (rebase), never one without the other.
    const seen: number[] = [];
    const off = cut.core.subscribe('view', (v) => seen.push(v.workOrders.find((w) => w.id === W('cutting'))?.stageQty.cut ?? -1));
    cleanups.push(off);
    await startServer(); // same database, same port
    await cut.sync.awaitInSync(20_000);
    const [row] = await t.db.query<{ n: number; seqs: number; maxseq: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, max(seq)::int AS maxseq FROM events WHERE station_id = $1',
      [cut.id],
    );
    expect(row).toEqual({ n: last, seqs: last, maxseq: last });
    expect(cut.sync.pushStats).toMatchObject({ applied: last, refused: 0, seqGaps: 0 });
    if (process.env.QSF_SYNC_DEBUG) console.log(cut.sync.pushStats, cut.statuses.map((s) => `${s.state}/${s.backlog}`).join(' '));
    const wo = await serverDoc<WorkOrderDoc>('workOrder', W('cutting'));
    expect(wo?.stageQty.cut).toBe(50);
    expect(cut.core.state.workOrder[W('cutting')]).toEqual(wo);
    expect(cut.core.pendingCount).toBe(0);
    expect(cut.sync.status()).toMatchObject({ state: 'online', backlog: 0, lastError: null });
    expect(cut.statuses.at(-1)).toMatchObject({ state: 'online', backlog: 0 });
    expect(seen.length).toBeGreaterThan(2);
    expect(new Set(seen)).toEqual(new Set([50]));

    // A crash between a push and RxDB storing its checkpoint = a replication that starts from an empty checkpoint:
    // everything goes up again, the server answers duplicates and nothing changes.
    await cut.sync.stop();
    expect(cut.sync.status().state).toBe('disabled');
    const again = startSync(cut.core, { ...FAST, replicationSuffix: ':lost-checkpoint' });
    cleanups.push(() => again.stop());
    await again.awaitInSync();
    expect(again.pushStats).toMatchObject({ applied: 0, refused: 0 });
    expect((await serverDoc<WorkOrderDoc>('workOrder', W('cutting')))?.stageQty.cut).toBe(50);
    const [count] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE station_id = $1', [cut.id]);
    expect(count?.n).toBe(last);
    expect(cut.core.state.workOrder[W('cutting')]).toEqual(wo);
  });

  it('offline handover: the receiver accepts from the signed slip while the sender is offline; the server reconciles', async () => {
    const { W } = await newOrder(3);
    const cut = await station('cutting');
    const emb = await station('embroidery');
    await Promise.all([cut.sync.awaitInSync(), emb.sync.awaitInSync()]);

    cut.net.cut();
    await login(cut);
    await cutOutput(cut, W('cutting'), 40);
    const { transferId, slip } = await cut.core.call('transfer.create', { workOrderId: W('cutting'), quantity: 40 });
    await eventually(() => expect(cut.sync.status()).toMatchObject({ state: 'offline', backlog: 3 }));

    await login(emb);
    expect(emb.core.view().incoming).toEqual([]); // the transfer is not known here …
    const scanned = await emb.core.call('scan.submit', { data: slip }); // … but the slip is (the sender's key was pulled)
    expect(scanned).toMatchObject({ kind: 'transferSlip', verified: true, transferId, quantity: 40 });
    await emb.core.call('transfer.accept', { slip, countedQty: 40 });
    await emb.sync.awaitInSync();
    // The cut pieces have not reached the server yet: nothing is counted without the sender's LOCK (QT-09
    // conservation); the acceptance waits in a conflict document until cutting's events arrive.
    expect(await serverDoc<TransferDoc>('transfer', transferId)).toMatchObject({ status: 'awaiting_lock', createdEventId: null });
    expect(await serverDoc<WorkOrderDoc>('workOrder', W('embroidery'))).toMatchObject({ receivedQty: 0 });
    await eventually(() => expect(emb.core.view().conflicts.map((c) => [c.id, c.status])).toEqual([[transferId, 'waiting']]));

    cut.net.heal();
    await cut.sync.awaitInSync(20_000);
    await emb.sync.awaitInSync();
    const transfer = await serverDoc<TransferDoc>('transfer', transferId);
    expect(transfer).toMatchObject({ status: 'accepted', countedQty: 40, acceptedStationId: emb.id, fromStationId: cut.id });
    expect(transfer?.createdEventId).toBeTruthy();
    const woCut = await serverDoc<WorkOrderDoc>('workOrder', W('cutting'));
    const woEmb = await serverDoc<WorkOrderDoc>('workOrder', W('embroidery'));
    expect(woCut).toMatchObject({ sentQty: 40, stageQty: { cut: 40 } });
    expect(woEmb).toMatchObject({ receivedQty: 40 });
    const [refusals] = await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE status = 'refused' AND station_id = ANY($1::text[])", [[cut.id, emb.id]]);
    expect(refusals?.n).toBe(0);
    for (const s of [cut, emb]) {
      expect(s.core.pendingCount).toBe(0);
      expect(s.core.view().refused).toEqual([]);
      expect(s.core.state.transfer[transferId]).toEqual(transfer);
    }
    expect(cut.core.state.workOrder[W('cutting')]).toEqual(woCut);
    expect(emb.core.state.workOrder[W('embroidery')]).toEqual(woEmb);
    // The LOCK settled the waiting acceptance by itself: no supervisor needed.
    expect(await serverDoc('conflict', transferId)).toMatchObject({ status: 'resolved', resolution: { decision: 'locked', notReplayed: [] } });
    expect(emb.core.view().conflicts).toEqual([]);
  });

  it('two stations accept the same transfer while partitioned: one wins, the loser sees the refusal, counts never double', async () => {
    const { W } = await newOrder(4);
    const cut = await station('cutting');
    const a = await station('embroidery');
    const b = await station('embroidery');
    await cut.sync.awaitInSync(); // the roster comes down first
    await login(cut);
    await cutOutput(cut, W('cutting'), 30);
    const { transferId } = await cut.core.call('transfer.create', { workOrderId: W('cutting'), quantity: 30 });
    await cut.sync.awaitInSync();
    await Promise.all([a.sync.awaitInSync(), b.sync.awaitInSync()]);
    expect(a.core.view().incoming.map((x) => x.id)).toEqual([transferId]);
    expect(b.core.view().incoming.map((x) => x.id)).toEqual([transferId]);

    a.net.cut();
    b.net.cut();
    for (const s of [a, b]) {
      await login(s);
      await s.core.call('transfer.accept', { transferId, countedQty: 30 });
      // Each, on its own, believes it received the goods.
      expect(s.core.state.workOrder[W('embroidery')]?.receivedQty).toBe(30);
    }
    a.net.heal();
    await a.sync.awaitInSync(20_000);
    b.net.heal();
    await b.sync.awaitInSync(20_000);
    await a.sync.awaitInSync();

    const transfer = await serverDoc<TransferDoc>('transfer', transferId);
    expect(transfer).toMatchObject({ status: 'accepted', acceptedStationId: a.id });
    expect((await serverDoc<WorkOrderDoc>('workOrder', W('embroidery')))?.receivedQty).toBe(30);
    const refused = b.core.view().refused;
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ type: 'transfer.accepted', code: 'transfer_already_accepted' });
    expect(refused[0]?.message).toMatch(/already accepted/);
    expect(a.core.view().refused).toEqual([]);
    for (const s of [a, b]) {
      expect(s.core.pendingCount).toBe(0);
      expect(s.core.state.workOrder[W('embroidery')]?.receivedQty).toBe(30);
      expect(s.core.state.transfer[transferId]).toEqual(transfer);
    }
  });

  it('an own event nobody here can parse (a newer version wrote it) is refused and shown; the station keeps syncing', async () => {
    const { W } = await newOrder(6);
    const cut = await station('cutting');
    await cut.sync.awaitInSync();
    await login(cut);
    await cutOutput(cut, W('cutting'), 10);
    await cut.sync.awaitInSync();

    // A newer app version recorded an event type neither this station version nor the server knows (v 2), then the
    // station was rolled back: the event sits in its log, next in seq order.
    await cut.sync.stop();
    await cut.core.close();
    const opened = await openStationDb({ dataDir: cut.dir, stationId: cut.id, devMode: true });
    const newer = {
      id: uuidv7(),
      stationId: cut.id,
      seq: 3,
      hlc: `${String(Date.now() + 1).padStart(13, '0')}-00000-${cut.id}`,
      operatorId: 'OP-CUT1',
      type: 'cutting.paused',
      payload: { workOrderId: W('cutting'), minutes: 5 },
      v: 2,
    };
    await opened.rx.events.insert(newer as unknown as FloorEvent);
    await opened.rx.close();

    const core = await StationCore.open(stationConfig('cutting', cut.dir, { stationId: cut.id, lineId: cut.lineId, serverUrl: baseUrl }), { devMode: true });
    cleanups.push(() => core.close());
    expect(core.lastSequence).toBe(3);
    expect(core.pendingCount).toBe(1);
    expect(core.state.workOrder[W('cutting')]?.stageQty.cut).toBe(10);
    const sync = startSync(core, FAST);
    cleanups.push(() => sync.stop());
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: W('cutting'), lineId: cut.lineId, size: 'M', part: 'body', goodQty: 15 } } });
    await sync.awaitInSync();

    const rows = await t.db.query<{ seq: number; status: string; code: string | null }>(
      "SELECT seq::int AS seq, status, refusal->>'code' AS code FROM events WHERE station_id = $1 ORDER BY seq",
      [cut.id],
    );
    expect(rows).toEqual([
      { seq: 1, status: 'applied', code: null },
      { seq: 2, status: 'applied', code: null },
      { seq: 3, status: 'refused', code: 'invalid_event' },
      { seq: 4, status: 'applied', code: null },
      { seq: 5, status: 'applied', code: null },
    ]);
    const wo = await serverDoc<WorkOrderDoc>('workOrder', W('cutting'));
    expect(wo?.stageQty.cut).toBe(25);
    expect(core.state.workOrder[W('cutting')]).toEqual(wo);
    expect(core.view().refused).toEqual([
      { eventId: newer.id, seq: 3, type: 'cutting.paused', code: 'invalid_event', message: expect.stringMatching(/cutting\.paused/) },
    ]);
    expect(core.pendingCount).toBe(0);
    expect(sync.status()).toMatchObject({ state: 'online', backlog: 0, lastError: null });
    expect(sync.pushStats).toMatchObject({ refused: 1, applied: 2 });
  });

  it('a revoked station stops syncing and says so; it keeps working locally', async () => {
    const { W } = await newOrder(5);
    const cut = await station('cutting');
    await cut.sync.awaitInSync();
    expect(existsSync(join(cut.dir, TOKEN_FILE))).toBe(true);
    await adminPost(`/api/stations/${cut.id}/revoke`, {});
    await eventually(() => expect(cut.sync.status()).toMatchObject({ state: 'disabled' }));
    expect(cut.sync.status().lastError).toMatch(/not authorised|revoked/);
    expect(cut.statuses.at(-1)).toMatchObject({ state: 'disabled' });
    expect(existsSync(join(cut.dir, TOKEN_FILE))).toBe(false); // a dead token is moved aside: a new code can enroll
    await expect(cut.sync.awaitInSync(1_000)).rejects.toThrow(/stopped/);

    await login(cut);
    await cutOutput(cut, W('cutting'), 5);
    expect(cut.core.state.workOrder[W('cutting')]?.stageQty.cut).toBe(5);
    expect(cut.statuses.at(-1)).toMatchObject({ state: 'disabled', backlog: 2 });
  });

  it('a station revoked while it was offline finds out (401) when it reconnects', async () => {
    const cut = await station('cutting');
    await cut.sync.awaitInSync();
    cut.net.cut();
    await eventually(() => expect(cut.sync.status().state).toBe('offline'));
    await adminPost(`/api/stations/${cut.id}/revoke`, {});
    await login(cut); // works offline; its push will be the first to hear the 401
    cut.net.heal();
    await eventually(() => expect(cut.sync.status()).toMatchObject({ state: 'disabled', backlog: 1 }));
    expect(cut.sync.status().lastError).toMatch(/not authorised/);
  });

  it('enrollment: a clear error without a code, the token kept and reused with one', async () => {
    const tmp = tempDir('qsf-sync-');
    cleanups.push(tmp.cleanup);
    const core = await StationCore.open(stationConfig('cutting', tmp.dir, { stationId: 'ST-CUT-90', lineId: 'LN-CUT-90', serverUrl: baseUrl }), { devMode: true });
    cleanups.push(() => core.close());
    await expect(ensureEnrolled(core)).rejects.toThrow(EnrollmentError);
    await expect(ensureEnrolled(core)).rejects.toThrow(/not enrolled: issue an enrollment code/);
    const sync = startSync(core, FAST);
    cleanups.push(() => sync.stop());
    await eventually(() => expect(sync.status()).toMatchObject({ state: 'disabled', lastError: expect.stringMatching(/enrollment code/) }));

    const { code } = (await adminPost('/api/enrollment-codes', { stationId: 'ST-CUT-91', department: 'cutting', lineId: 'LN-CUT-91' })) as { code: string };
    const tmp2 = tempDir('qsf-sync-');
    cleanups.push(tmp2.cleanup);
    const enrolled = await StationCore.open(stationConfig('cutting', tmp2.dir, { stationId: 'ST-CUT-91', lineId: 'LN-CUT-91', serverUrl: baseUrl, enrollmentCode: code }), { devMode: true });
    cleanups.push(() => enrolled.close());
    const token = await ensureEnrolled(enrolled);
    // The code is single-use: a second call can only succeed by reading the stored token.
    expect(await ensureEnrolled(enrolled)).toBe(token);
    const res = await fetch(`${baseUrl}/api/pull?limit=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);

    // Stopped during start-up: stops cleanly; and without a server the client is disabled and says why.
    const early = startSync(enrolled, FAST);
    await early.stop();
    expect(early.status().state).toBe('disabled');
    const tmp3 = tempDir('qsf-sync-');
    cleanups.push(tmp3.cleanup);
    const standalone = await StationCore.open(stationConfig('cutting', tmp3.dir, { stationId: 'ST-CUT-92', lineId: 'LN-CUT-92' }), { devMode: true });
    cleanups.push(() => standalone.close());
    const none = startSync(standalone);
    expect(none.status()).toMatchObject({ state: 'disabled', lastError: 'no sync server configured' });
    await expect(none.awaitInSync()).rejects.toThrow(/disabled/);
  });
});
