import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { scope, writeDocuments, writeTx } from '../changes';
import type { Db } from '../db/types';
import { createTestDb, type TestDb } from '../db/testing';
import { enrollStation, openStream, TEST_ADMIN_TOKEN } from '../testing';
import type { StreamMessage } from './wire';

const isPg = !!process.env.TEST_DATABASE_URL;
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

  it('sends RESYNC on connect, then only relevant changes, and closes at once on revocation', async () => {
    const st = await enrollStation(app, 'ST-SEW-1', 'sewing');
    const stream = await openStream(base, st.token);
    await stream.waitFor((m) => m === 'RESYNC');
    expect(stream.messages[0]).toBe('RESYNC');
    expect(app.metrics.connectedStations.get()).toBe(1);

    const other = await write(t.db, 'WO-CUT', [scope.dept('cutting')]);
    const mine = await write(t.db, 'WO-SEW', [scope.dept('sewing')]);
    await stream.waitFor(isChange(mine));
    expect(stream.messages.some(isChange(other))).toBe(false);
    const direct = await write(t.db, 'WO-DIRECT', [scope.station('ST-SEW-1')]);
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
      const v1 = await write(t.db, 'WO-A', [scope.dept('sewing')]);
      await onB.waitFor(isChange(v1));
      const v2 = await write(dbB, 'WO-B', [scope.dept('sewing')]);
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
