/**
 * The sync contract (shared/sync.ts, shared/docs.ts) held by both sides: the station's own sync client runs against
 * the real server app (buildApp on PGlite or TEST_DATABASE_URL, in this process), and every answer it gets — push
 * results, every pull batch, every live-stream message, every document body — is read back with the shared schemas.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../shared/api';
import { FLOOR_DOC_SCHEMAS, OTHER_DOC_SCHEMAS, type DocKind } from '../../shared/docs';
import { workOrderIdFor } from '../../shared/master';
import { PullResponse, PushResponse, StreamMessage } from '../../shared/sync';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type SyncClient } from '../../electron/sync';
import type { Fetch } from '../../electron/sync/http';
import { buildApp } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };

let t: TestDb;
let app: FastifyInstance;
let baseUrl = '';
let core: StationCore;
let sync: SyncClient;
let cleanupDir: () => void;
const statuses: SyncStatus[] = [];
/** What the server answered the station, as it came over the wire. */
const seen = { pulls: [] as unknown[], pushes: [] as unknown[], stream: [] as unknown[] };

/** The station's fetch, keeping a copy of every answer (the live stream's body is teed, data lines collected). */
const recording: Fetch = async (input, init) => {
  const url = String(input);
  const res = await fetch(input, init);
  if (url.includes('/api/stream') && res.body) {
    const [mine, theirs] = res.body.tee();
    void (async () => {
      let text = '';
      const decoder = new TextDecoder();
      const reader = mine.getReader();
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = text.indexOf('\n')) >= 0) {
            const line = text.slice(0, end);
            text = text.slice(end + 1);
            if (line.startsWith('data:')) seen.stream.push(JSON.parse(line.slice(5).trim()));
          }
        }
      } catch {
        // the station closed the stream
      }
    })();
    return new Response(theirs, { status: res.status, headers: res.headers });
  }
  if (res.ok && (url.includes('/api/pull') || url.includes('/api/push'))) {
    (url.includes('/api/pull') ? seen.pulls : seen.pushes).push(await res.clone().json());
  }
  return res;
};

async function adminPost(url: string, payload: unknown): Promise<unknown> {
  const res = await fetch(`${baseUrl}${url}`, { method: 'POST', headers: admin, body: JSON.stringify(payload) });
  const body: unknown = await res.json();
  if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

beforeAll(async () => {
  t = await createTestDb();
  app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  baseUrl = `http://127.0.0.1:${addr.port}`;
  await adminPost('/api/operators', { id: 'OP-CUT1', name: 'cutting operator', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  await adminPost('/api/manufacturing-orders', mo(1, { route: 'R1', quantity: 100 }));
  const { code } = (await adminPost('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting', lineId: 'LN-CUT-1' })) as { code: string };
  const tmp = tempDir('qsf-contract-');
  cleanupDir = tmp.cleanup;
  core = await StationCore.open(stationConfig('cutting', tmp.dir, { serverUrl: baseUrl, enrollmentCode: code }), { devMode: true });
  core.subscribe('sync', (s) => statuses.push(s));
  sync = startSync(core, { fetch: recording, retryTimeMs: 150, reconnect: { initialMs: 50, maxMs: 500 }, streamIdleTimeoutMs: 5_000 });
});

afterAll(async () => {
  await sync?.stop();
  await core?.close();
  cleanupDir?.();
  const closing = app?.close();
  const kill = setInterval(() => app?.server.closeAllConnections(), 200);
  await closing?.finally(() => clearInterval(kill));
  await t?.cleanup();
});

describe('sync contract: the station client against the real server', () => {
  it('push, pull cycle and live stream all speak shared/sync.ts, and every pulled body parses with its kind', async () => {
    const W = workOrderIdFor(mo(1, { route: 'R1', quantity: 100 }).id, 'cutting');
    await eventually(() => expect(core.state.workOrder[W]).toBeDefined());
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: W, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 7 } } });
    await sync.awaitInSync(15_000);

    // Live: an order created at the office reaches the station by the stream (a 'change'), not a poll.
    await adminPost('/api/manufacturing-orders', mo(2, { route: 'R1', quantity: 10 }));
    const W2 = workOrderIdFor(mo(2, { route: 'R1', quantity: 10 }).id, 'cutting');
    await eventually(() => expect(core.state.workOrder[W2]).toBeDefined());

    expect(seen.pushes.length).toBeGreaterThan(0);
    for (const p of seen.pushes) expect(PushResponse.safeParse(p).success).toBe(true);
    expect(seen.pulls.length).toBeGreaterThan(0);
    const kinds = new Set<string>();
    for (const raw of seen.pulls) {
      const pull = PullResponse.parse(raw);
      expect(pull.checkpoint.version).toBeLessThanOrEqual(pull.head);
      for (const d of pull.documents) {
        kinds.add(d.kind);
        if (d.deleted) continue;
        const schema = Object.hasOwn(FLOOR_DOC_SCHEMAS, d.kind) ? FLOOR_DOC_SCHEMAS[d.kind as DocKind] : OTHER_DOC_SCHEMAS[d.kind];
        const r = schema?.safeParse(d.body);
        expect(r?.success, `${d.kind}:${d.id} ${r?.success === false ? r.error.message : 'has no schema'}`).toBe(true);
      }
    }
    // The kinds this exchange must have carried: the roster, the station list and keys, its orders, its progress.
    for (const k of ['operator', 'station', 'stationKey', 'workOrder', 'stationProgress']) expect(kinds).toContain(k);
    expect(seen.stream.length).toBeGreaterThan(0);
    for (const m of seen.stream) expect(StreamMessage.safeParse(m).success).toBe(true);
    expect(seen.stream).toContainEqual(expect.objectContaining({ type: 'change' }));
    expect(statuses.at(-1)?.untrustedDocuments).toBeUndefined();
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(7);
  });
});
