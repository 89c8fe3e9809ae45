/**
 * The live channel over a real socket: a change committed by the push path reaches an open dashboard stream; one
 * session holds at most `maxPerSession` streams (one more ends its oldest); a logout ends the session's streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { EventFactory, cuttingOutput, mo } from '../../shared/testing/fixtures';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import { enrollStation, pushAs, seedOperatorAndOrder, TEST_ADMIN_TOKEN } from '../testing';
import { loginAs, makeAccount, openLiveStream, type DashboardLogin } from './testing';

let db: TestDb;
let app: FastifyInstance;
let base: string;
let sari: DashboardLogin;

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: { live: { maxPerSession: 2, heartbeatMs: 200, coalesceMs: 10 } } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await makeAccount(db.db, 'sari', 'supervisor', 'cutting');
  sari = await loginAs(app, 'sari');
});

afterAll(async () => {
  const closing = app?.close();
  app?.server.closeAllConnections();
  await closing;
  await db?.cleanup();
});

const openLive = (headers: Record<string, string>) => openLiveStream(base, headers);

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(cond(), what).toBe(true);
};

describe('the dashboard live channel', () => {
  it('says hello, then change when a station push commits', async () => {
    const cutting = await enrollStation(app, 'ST-CUT-1', 'cutting');
    const order = mo(1);
    await seedOperatorAndOrder(app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, order);
    const stream = await openLive(sari.read);
    await until(() => stream.messages.includes('{"type":"hello"}'), 'hello');
    const before = stream.messages.length;
    const f = new EventFactory(() => Date.now());
    await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(`${order.id}-CUT`, 3))]);
    await until(() => stream.messages.slice(before).includes('{"type":"change"}'), 'change after the push');
    stream.close();
  });

  it('a third stream of one session ends its oldest; another session is untouched; logout ends them all', async () => {
    const other = await loginAs(app, 'sari');
    const [a, b, x] = [await openLive(sari.read), await openLive(sari.read), await openLive(other.read)];
    const c = await openLive(sari.read);
    await a.ended; // ended by the server
    let bEnded = false;
    void b.ended.then(() => (bEnded = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(bEnded).toBe(false);
    const out = await app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: sari.write });
    expect(out.statusCode).toBe(200);
    // Ended at the next heartbeat's session check.
    await Promise.all([b.ended, c.ended]);
    let xEnded = false;
    void x.ended.then(() => (xEnded = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(xEnded).toBe(false);
    x.close();
  });
});
