import { describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { writeDocuments, writeTx } from './changes';
import { scopeToken } from '../shared/sync';
import { createTestDb } from './db/testing';
import { appForFile, enrollStation, TEST_ADMIN_TOKEN } from './testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe(`app (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('GET /health says only up/down to anyone; the admin token gets the details', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true });

    const detailed = await server.app.inject({ method: 'GET', url: '/health', headers: admin });
    expect(detailed.statusCode).toBe(200);
    const body = detailed.json<{ ok: boolean; status: string; version: string; db: { reachable: boolean; schema: number }; streams: { max: number } }>();
    expect(body.ok).toBe(true);
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.db.reachable).toBe(true);
    expect(body.db.schema).toBeGreaterThanOrEqual(1);
    expect(body.streams.max).toBeGreaterThan(0);

    // A wrong token is told so, not quietly given less.
    const wrong = await server.app.inject({ method: 'GET', url: '/health', headers: { authorization: 'Bearer not-the-admin-token' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json<{ error: string }>().error).toBe('unauthorized');
  });

  it('GET /health is a bare 503 when the database is down', async () => {
    const own = await createTestDb();
    let unreachable = false;
    // The same database, except that every query fails once `unreachable` is set (as when its server is gone).
    const db = new Proxy(own.db, {
      get(target, prop, receiver) {
        if (prop === 'query' && unreachable) return () => Promise.reject(new Error('connect ECONNREFUSED'));
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const down = await buildApp({ db, adminToken: TEST_ADMIN_TOKEN });
    try {
      unreachable = true;
      const res = await down.inject({ method: 'GET', url: '/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ ok: false });
      const detailed = await down.inject({ method: 'GET', url: '/health', headers: admin });
      expect(detailed.statusCode).toBe(503);
      expect(detailed.json()).toMatchObject({ ok: false, status: 'error', db: { reachable: false } });
    } finally {
      await down.close();
      await own.cleanup();
    }
  });

  it('GET /metrics speaks Prometheus text format', async () => {
    server.app.metrics.pushes.inc();
    const res = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('# TYPE qsf_pushes_total counter\nqsf_pushes_total 1');
    for (const name of ['qsf_pulls_total', 'qsf_events_applied_total', 'qsf_events_refused_total', 'qsf_connected_stations', 'qsf_pull_lag_versions']) {
      expect(res.body).toContain(`# TYPE ${name}`);
    }
  });

  it('GET /metrics without METRICS_TOKEN answers only this machine', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect((await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress })).statusCode, remoteAddress).toBe(200);
    }
    for (const remoteAddress of ['10.0.0.7', '192.168.1.20', '::ffff:10.0.0.7', 'fe80::1']) {
      const res = await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
      expect(res.statusCode, remoteAddress).toBe(403);
      expect(res.json<{ error: string }>().error).toBe('metrics_local_only');
      expect(res.body).not.toContain('qsf_');
    }
    // The office's admin token reads them from anywhere.
    expect((await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.0.0.7', headers: admin })).statusCode).toBe(200);
  });

  it('GET /metrics with METRICS_TOKEN needs the bearer token from everyone, loopback included', async () => {
    const own = await createTestDb();
    const secured = await buildApp({ db: own.db, adminToken: TEST_ADMIN_TOKEN, metricsToken: 'metrics-token-0123456789' });
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic bWV0cmljczp4' }]) {
        const res = await secured.inject({ method: 'GET', url: '/metrics', headers });
        expect(res.statusCode, JSON.stringify(headers)).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.json<{ error: string }>().error).toBe('unauthorized');
        expect(res.body).not.toContain('qsf_');
      }
      const ok = await secured.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.0.0.7',
        headers: { authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('# TYPE qsf_pushes_total counter');
    } finally {
      await secured.close();
      await own.cleanup();
    }
  });

  it('malformed JSON is a 400 and changes nothing', async () => {
    const before = await server.db.query('SELECT count(*)::int AS n FROM enrollment_codes');
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/enrollment-codes',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"stationId": "ST-1", ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: string }>().error).toBeTruthy();
    expect(await server.db.query('SELECT count(*)::int AS n FROM enrollment_codes')).toEqual(before);
  });

  it('a schema violation is a 400 naming the field', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/enrollment-codes',
      headers: admin,
      payload: { stationId: 'ST-1', department: 'Sewing Dept', ttlMinutes: 'soon' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: string; issues: { path: string }[] }>();
    expect(body.error).toBe('bad_request');
    expect(body.issues.map((i) => i.path).sort()).toEqual(['body.department', 'body.ttlMinutes']);
  });

  it('admin routes need the admin token', async () => {
    const none = await server.app.inject({ method: 'POST', url: '/api/enrollment-codes', payload: { stationId: 'X', department: 'x' } });
    expect(none.statusCode).toBe(401);
    const wrong = await server.app.inject({
      method: 'POST',
      url: '/api/enrollment-codes',
      headers: { authorization: 'Bearer nope' },
      payload: { stationId: 'X', department: 'x' },
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('enrolls a station once per code; the token authenticates until revoked', async () => {
    const issued = await server.app.inject({
      method: 'POST',
      url: '/api/enrollment-codes',
      headers: admin,
      payload: { stationId: 'ST-SEW-1', department: 'sewing' },
    });
    expect(issued.statusCode).toBe(201);
    const { code } = issued.json<{ code: string }>();
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const stored = await server.db.query<{ code_hash: string }>('SELECT code_hash FROM enrollment_codes');
    expect(JSON.stringify(stored)).not.toContain(code.replace(/-/g, ''));

    const key = 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik';
    const badKey = await server.app.inject({
      method: 'POST',
      url: '/api/enroll',
      payload: { code, stationId: 'ST-SEW-1', publicKey: 'not-a-key' },
    });
    expect(badKey.statusCode).toBe(400);
    expect(badKey.json<{ issues: { path: string }[] }>().issues[0]?.path).toBe('body.publicKey');

    const wrongStation = await server.app.inject({ method: 'POST', url: '/api/enroll', payload: { code, stationId: 'ST-OTHER', publicKey: key } });
    expect(wrongStation.statusCode).toBe(403);

    const ok = await server.app.inject({
      method: 'POST',
      url: '/api/enroll',
      payload: { code: code.toLowerCase().replace(/-/g, ' '), stationId: 'ST-SEW-1', publicKey: key },
    });
    expect(ok.statusCode).toBe(200);
    const { token, department } = ok.json<{ token: string; department: string }>();
    expect(department).toBe('sewing');
    const [row] = await server.db.query<{ token_hash: string }>(`SELECT token_hash FROM stations WHERE id = 'ST-SEW-1'`);
    expect(row?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.token_hash).not.toBe(token);

    const again = await server.app.inject({ method: 'POST', url: '/api/enroll', payload: { code, stationId: 'ST-SEW-1', publicKey: key } });
    expect(again.statusCode).toBe(403);

    const auth = { authorization: `Bearer ${token}` };
    const pk = await server.app.inject({ method: 'GET', url: '/api/stations/ST-SEW-1/public-key', headers: auth });
    expect(pk.json()).toEqual({ stationId: 'ST-SEW-1', department: 'sewing', publicKey: key, revokedAt: null });
    expect((await server.app.inject({ method: 'GET', url: '/api/stations/ST-SEW-1/public-key' })).statusCode).toBe(401);

    const revoked = await server.app.inject({ method: 'POST', url: '/api/stations/ST-SEW-1/revoke', headers: admin });
    expect(revoked.statusCode).toBe(200);
    const after = await server.app.inject({ method: 'GET', url: '/api/pull', headers: auth });
    expect(after.statusCode).toBe(401);
    expect((await server.app.inject({ method: 'POST', url: '/api/stations/NOPE/revoke', headers: admin })).statusCode).toBe(404);
  });

  it('refuses an expired code', async () => {
    const issued = await server.app.inject({
      method: 'POST',
      url: '/api/enrollment-codes',
      headers: admin,
      payload: { stationId: 'ST-EXP', department: 'sewing', ttlMinutes: 1 },
    });
    const { code } = issued.json<{ code: string }>();
    await server.db.query(`UPDATE enrollment_codes SET expires_at = now() - interval '1 second' WHERE station_id = 'ST-EXP'`);
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/enroll',
      payload: { code, stationId: 'ST-EXP', publicKey: 'O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik' },
    });
    expect(res.statusCode).toBe(403);
  });

  it('pull returns only what the station may see, in checkpointed batches, with station keys', async () => {
    const sew = await enrollStation(server.app, 'ST-SEW-2', 'sewing');
    await enrollStation(server.app, 'ST-CUT-1', 'cutting');
    await writeTx(server.db, (q) =>
      writeDocuments(q, [
        { kind: 'workOrder', id: 'WO-S', body: { dept: 'sewing' }, scope: [scopeToken.dept('sewing')] },
        { kind: 'workOrder', id: 'WO-C', body: { dept: 'cutting' }, scope: [scopeToken.dept('cutting')] },
        { kind: 'transfer', id: 'TR-1', body: {}, scope: [scopeToken.station('ST-SEW-2'), scopeToken.station('ST-CUT-1')] },
        { kind: 'transfer', id: 'TR-2', body: {}, scope: [scopeToken.station('ST-CUT-1')] },
      ]),
    );
    const res = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: sew.auth });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ documents: { kind: string; id: string; body: { publicKey?: string } }[]; checkpoint: { version: number } }>();
    const ids = body.documents.map((d) => `${d.kind}/${d.id}`);
    expect(ids).toEqual(expect.arrayContaining(['workOrder/WO-S', 'transfer/TR-1', 'stationKey/ST-SEW-2', 'stationKey/ST-CUT-1']));
    expect(ids).not.toContain('workOrder/WO-C');
    expect(ids).not.toContain('transfer/TR-2');
    expect(body.documents.find((d) => d.id === 'ST-CUT-1' && d.kind === 'stationKey')?.body.publicKey).toBeTruthy();

    const next = await server.app.inject({ method: 'GET', url: `/api/pull?checkpoint=${body.checkpoint.version}`, headers: sew.auth });
    const nextBody = next.json<{ documents: unknown[]; checkpoint: { version: number }; head: number }>();
    expect(nextBody).toEqual({ documents: [], checkpoint: body.checkpoint, head: nextBody.head });
    // The server's latest change number, never below what it handed out (stations detect a restored database by it).
    expect(nextBody.head).toBeGreaterThanOrEqual(body.checkpoint.version);

    const bad = await server.app.inject({ method: 'GET', url: '/api/pull?checkpoint=-1&limit=abc', headers: sew.auth });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ issues: { path: string }[] }>().issues.map((i) => i.path).sort()).toEqual(['query.checkpoint', 'query.limit']);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: string }>().error).toBe('not_found');
  });
});
