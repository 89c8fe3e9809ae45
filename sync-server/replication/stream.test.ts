import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { scopeToken, type StreamMessage } from '../../shared/sync';
import { writeDocuments, writeTx } from '../changes';
import type { Db } from '../db/types';
import { createTestDb, type TestDb } from '../db/testing';
import { enrollStation, openStream, TEST_ADMIN_TOKEN } from '../testing';
import { DEFAULT_STREAM_LIMITS, type StreamHub } from './stream';

const isPg = !!process.env.TEST_DATABASE_URL;
const hub = (a: FastifyInstance): StreamHub => a.streams;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const isChange = (version: number) => (m: StreamMessage) => typeof m === 'object' && m.type === 'change' && m.checkpoint.version === version;

let t: TestDb;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  t = await createTestDb();
  app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 50 });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app?.close();
  await t?.cleanup();
});

async function write(db: Db, id: string, sc: string[]): Promise<number> {
  const { version } = await writeTx(db, (q) => writeDocuments(q, [{ kind: 'workOrder', id, body: {}, scope: sc }]));
  return version!;
}

describe(`live stream (${isPg ? 'pg' : 'pglite'})`, () => {
  it('refuses a stream without a valid token', async () => {
    const res = await fetch(`${base}/api/stream`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
  });

  it('HEAD /api/stream is answered at once (404), holding no stream', async () => {
    const st = await enrollStation(app, 'ST-HEAD-1', 'cutting');
    const res = await fetch(`${base}/api/stream`, { method: 'HEAD', headers: st.auth, signal: AbortSignal.timeout(3_000) });
    expect(res.status).toBe(404);
    expect(hub(app).openFor('ST-HEAD-1')).toBe(0);
  });

  it('sends RESYNC on connect, then only relevant changes, and closes at once on revocation', async () => {
    const st = await enrollStation(app, 'ST-SEW-1', 'sewing');
    const stream = await openStream(base, st.token);
    await stream.waitFor((m) => m === 'RESYNC');
    expect(stream.messages[0]).toBe('RESYNC');
    expect(app.metrics.connectedStations.get()).toBe(1);

    const other = await write(t.db, 'WO-CUT', [scopeToken.dept('cutting')]);
    const mine = await write(t.db, 'WO-SEW', [scopeToken.dept('sewing')]);
    await stream.waitFor(isChange(mine));
    expect(stream.messages.some(isChange(other))).toBe(false);
    const direct = await write(t.db, 'WO-DIRECT', [scopeToken.station('ST-SEW-1')]);
    await stream.waitFor(isChange(direct));

    const res = await app.inject({ method: 'POST', url: '/api/stations/ST-SEW-1/revoke', headers: admin });
    expect(res.statusCode).toBe(200);
    await stream.waitFor((m) => typeof m === 'object' && m.type === 'revoked');
    await stream.ended;
    await expect.poll(() => app.metrics.connectedStations.get()).toBe(0);
  });

  it('app.close() ends open streams instead of hanging', async () => {
    const own = await createTestDb();
    const app2 = await buildApp({ db: own.db, adminToken: TEST_ADMIN_TOKEN });
    try {
      const url = await app2.listen({ port: 0, host: '127.0.0.1' });
      const st = await enrollStation(app2, 'ST-CLOSE', 'sewing');
      const stream = await openStream(url, st.token);
      await stream.waitFor((m) => m === 'RESYNC');
      await app2.close();
      await stream.ended;
    } finally {
      await app2.close();
      await own.cleanup();
    }
  });

  it("20 streams of one station: at most its maximum stay open, the oldest are closed, the newest work", async () => {
    const st = await enrollStation(app, 'ST-MANY-1', 'cutting');
    const streams = [];
    for (let i = 0; i < 20; i++) {
      const s = await openStream(base, st.token);
      await s.waitFor((m) => m === 'RESYNC');
      streams.push(s);
    }
    const max = DEFAULT_STREAM_LIMITS.maxPerStation;
    // Every replaced stream was ended by the server (its client sees the end; nothing lingers).
    await Promise.all(streams.slice(0, 20 - max).map((s) => s.ended));
    expect(hub(app).openFor('ST-MANY-1')).toBe(max);
    expect(app.metrics.streamsReplaced.get()).toBeGreaterThanOrEqual(20 - max);
    const v = await write(t.db, 'WO-MANY', [scopeToken.dept('cutting')]);
    for (const s of streams.slice(20 - max)) await s.waitFor(isChange(v));
    for (const s of streams) s.close();
    await expect.poll(() => hub(app).openFor('ST-MANY-1')).toBe(0);
  });

  it('the instance refuses streams beyond its total with 503 and Retry-After; health and pulls still answer', async () => {
    const own = await createTestDb();
    const small = await buildApp({ db: own.db, adminToken: TEST_ADMIN_TOKEN, streams: { maxTotal: 3, retryAfterSeconds: 7 } });
    try {
      const url = await small.listen({ port: 0, host: '127.0.0.1' });
      const sts = [];
      for (let i = 1; i <= 4; i++) sts.push(await enrollStation(small, `ST-CAP-${i}`, 'sewing'));
      const open = [];
      for (const st of sts.slice(0, 3)) open.push(await openStream(url, st.token));

      const refused = await fetch(`${url}/api/stream`, { headers: sts[3]!.auth });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('7');
      expect(await refused.json()).toMatchObject({ error: 'too_many_streams' });
      expect(small.metrics.streamsRefused.get()).toBe(1);

      // Everything else still answers.
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/api/pull`, { headers: sts[3]!.auth })).status).toBe(200);
      // A station already streaming here reconnects even while the instance is full: its old stream makes room.
      const again = await openStream(url, sts[0]!.token);
      await again.waitFor((m) => m === 'RESYNC');
      await open[0]!.ended;
      expect(hub(small).size).toBe(3);

      // Room again once one closes.
      open[1]!.close();
      await expect.poll(() => hub(small).size).toBe(2);
      const fourth = await openStream(url, sts[3]!.token);
      await fourth.waitFor((m) => m === 'RESYNC');
    } finally {
      await small.close();
      await own.cleanup();
    }
  });

  it.runIf(isPg)('two server instances on one PostgreSQL see each other through LISTEN/NOTIFY', async () => {
    const dbB = await t.openAnother();
    const appB = await buildApp({ db: dbB, adminToken: TEST_ADMIN_TOKEN });
    try {
      const baseB = await appB.listen({ port: 0, host: '127.0.0.1' });
      // Enrolled through instance A, streaming from instance B.
      const st = await enrollStation(app, 'ST-SEW-9', 'sewing');
      const onB = await openStream(baseB, st.token);
      const onA = await openStream(base, st.token);
      await onB.waitFor((m) => m === 'RESYNC');
      await onA.waitFor((m) => m === 'RESYNC');

      // A change committed through A's pool reaches B's stream, and vice versa.
      const v1 = await write(t.db, 'WO-A', [scopeToken.dept('sewing')]);
      await onB.waitFor(isChange(v1));
      const v2 = await write(dbB, 'WO-B', [scopeToken.dept('sewing')]);
      await onA.waitFor(isChange(v2));

      // Pulling from B returns what A wrote.
      const pulled = await appB.inject({ method: 'GET', url: `/api/pull?checkpoint=${v1 - 1}`, headers: st.auth });
      expect(pulled.json<{ documents: { id: string }[] }>().documents.map((d) => d.id)).toEqual(['WO-A', 'WO-B']);

      // Revoked through A: B closes its stream too.
      await app.inject({ method: 'POST', url: '/api/stations/ST-SEW-9/revoke', headers: admin });
      await onB.ended;
      await onA.ended;
      expect(onB.messages.at(-1)).toEqual({ type: 'revoked' });
      expect((await appB.inject({ method: 'GET', url: '/api/pull', headers: st.auth })).statusCode).toBe(401);
    } finally {
      await appB.close();
    }
  });
});
