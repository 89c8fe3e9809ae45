/**
 * Bounded input at the HTTP boundary: depth, numbers and metric label sets. Each case was a 500 (or an unbounded
 * metric) before the boundary checked it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../shared/events';
import { workOrderIdFor } from '../shared/master';
import { cuttingOutput, EventFactory, mo, operatorOf } from '../shared/testing/fixtures';
import { MAX_JSON_DEPTH } from './http/body';
import { appForFile, enrollStation, seedOperatorAndOrder, TEST_ADMIN_TOKEN, type EnrolledStation } from './testing';

const server = appForFile();
let cutter: EnrolledStation;
let sewer: EnrolledStation;
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const M = mo(1, { route: 'R1', quantity: 100 });
const f = new EventFactory(() => Date.now());

beforeAll(async () => {
  cutter = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  sewer = await enrollStation(server.app, 'ST-SEW-1', 'sewing');
  await seedOperatorAndOrder(server.app, { id: operatorOf('cutting'), name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: '135790' }, M);
});
const cut = (qty: number): FloorEvent => f.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(workOrderIdFor(M.id, 'cutting'), qty));

/** JSON text nested `depth` levels deep (built as text: a JS object that deep would overflow the test's own stack). */
function nested(depth: number): string {
  return '{"a":'.repeat(depth - 1) + '[1]' + '}'.repeat(depth - 1);
}

/** A push body whose first event carries `payloadText` (raw JSON) as its payload. */
function pushBodyWithPayload(e: FloorEvent, payloadText: string): string {
  return JSON.stringify({ events: [{ ...e, payload: '__PAYLOAD__' }] }).replace('"__PAYLOAD__"', payloadText);
}

const eventCount = async () => (await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]?.n;

describe(`bounded input (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('a payload nested thousands deep is a 400 at the body parser, nothing stored; the station still pushes', async () => {
    const e = cut(5);
    const before = await eventCount();
    for (const depth of [3_000, 20_000]) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/push',
        headers: { ...cutter.auth, 'content-type': 'application/json' },
        payload: pushBodyWithPayload(e, nested(depth)),
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ error: string; message: string }>()).toMatchObject({ error: 'too_deep' });
    }
    expect(await eventCount()).toBe(before);
    // The same event, well-formed: the failed request left nothing behind (same seq accepted).
    const ok = await server.app.inject({ method: 'POST', url: '/api/push', headers: cutter.auth, payload: { events: [e] } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json<{ results: { status: string }[] }>().results[0]?.status).toBe('applied');
  });

  it('depth just inside the limit still reaches the push route (stored refused, not a 400)', async () => {
    const e = cut(1);
    // Body {events:[{payload: <x>}]} adds 3 levels above the payload.
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/push',
      headers: { ...cutter.auth, 'content-type': 'application/json' },
      payload: pushBodyWithPayload(e, nested(MAX_JSON_DEPTH - 3)),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ results: { status: string; refusal: { code: string } | null }[] }>().results[0]).toMatchObject({
      status: 'refused',
      refusal: { code: 'invalid_event' },
    });
    const over = await server.app.inject({
      method: 'POST',
      url: '/api/push',
      headers: { ...cutter.auth, 'content-type': 'application/json' },
      payload: pushBodyWithPayload(cut(1), nested(MAX_JSON_DEPTH - 2)),
    });
    expect(over.statusCode).toBe(400);
  });

  it('deep bodies are refused on every JSON route, before authentication matters', async () => {
    for (const url of ['/api/heartbeat', '/api/enroll', '/api/enrollment-codes', '/api/operators']) {
      const res = await server.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: nested(5_000) });
      expect([400, 401], `${url}: ${res.body}`).toContain(res.statusCode);
      expect(res.statusCode).toBeLessThan(500);
    }
  });

  it('a heartbeat backlog beyond int4 is a 400 naming the field; metric and row unchanged', async () => {
    const beat = { stationTime: Date.now(), backlog: 7, devices: [] };
    expect((await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: sewer.auth, payload: beat })).statusCode).toBe(200);
    expect(server.app.metrics.stationBacklog.get({ station: 'ST-SEW-1' })).toBe(7);

    for (const backlog of [2 ** 31, 2 ** 40, 1e300]) {
      const res = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: sewer.auth, payload: { ...beat, backlog } });
      expect(res.statusCode, res.body).toBe(400);
      expect(new Set(res.json<{ issues: { path: string }[] }>().issues.map((i) => i.path))).toEqual(new Set(['body.backlog']));
    }
    expect(server.app.metrics.stationBacklog.get({ station: 'ST-SEW-1' })).toBe(7);
    const [row] = await server.db.query<{ backlog: number }>(`SELECT backlog FROM stations WHERE id = 'ST-SEW-1'`);
    expect(row?.backlog).toBe(7);
    // The largest int4 is stored and shown.
    const max = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: sewer.auth, payload: { ...beat, backlog: 2 ** 31 - 1 } });
    expect(max.statusCode, max.body).toBe(200);
    expect(server.app.metrics.stationBacklog.get({ station: 'ST-SEW-1' })).toBe(2 ** 31 - 1);
  });

  it('device counters and station times are range-checked', async () => {
    const device = { deviceId: 'MD-1', kind: 'framed-detector', connected: true, lastFrameAt: null, faults: 0, errors: 0, reconnects: 0, message: null };
    for (const bad of [{ faults: 2 ** 31 }, { errors: 2 ** 53 }, { reconnects: -1 }]) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/heartbeat',
        headers: sewer.auth,
        payload: { stationTime: Date.now(), backlog: 0, devices: [{ ...device, ...bad }] },
      });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
    }
    const farFuture = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: sewer.auth, payload: { stationTime: 9e15, backlog: 0, devices: [] } });
    expect(farFuture.statusCode).toBe(400);
    // A dead CMOS battery (1970) is a wrong clock, not bad input: recorded, shown as skew.
    const epoch = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: sewer.auth, payload: { stationTime: 1000, backlog: 0, devices: [] } });
    expect(epoch.statusCode, epoch.body).toBe(200);
  });

  it("a station's device series follow its latest heartbeat; other stations' series stay", async () => {
    const dev = (deviceId: string, connected: boolean) => ({
      deviceId,
      kind: 'scanner',
      connected,
      lastFrameAt: null,
      faults: 0,
      errors: 0,
      reconnects: 0,
      message: null,
    });
    const beat = (st: EnrolledStation, devices: ReturnType<typeof dev>[]) =>
      server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: st.auth, payload: { stationTime: Date.now(), backlog: 0, devices } });
    expect((await beat(sewer, [dev('SC-1', true), dev('SC-2', false)])).statusCode).toBe(200);
    expect((await beat(cutter, [dev('SC-9', true)])).statusCode).toBe(200);
    const series = () => server.app.metrics.deviceConnected.series().map((s) => `${s.labels.station}/${s.labels.device}=${s.value}`).sort();
    expect(series()).toEqual(['ST-CUT-1/SC-9=1', 'ST-SEW-1/SC-1=1', 'ST-SEW-1/SC-2=0']);
    expect((await beat(sewer, [dev('SC-2', true)])).statusCode).toBe(200);
    expect(series()).toEqual(['ST-CUT-1/SC-9=1', 'ST-SEW-1/SC-2=1']);
    expect((await beat(sewer, [])).statusCode).toBe(200);
    expect(series()).toEqual(['ST-CUT-1/SC-9=1']);
  });

  it('the operator route bounds its arrays', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/operators',
      headers: admin,
      payload: { id: 'OP-MANY1', name: 'many', roles: Array(10_000).fill('operator'), departments: ['cutting'], pin: '135790' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)).toEqual(['body.roles']);
  });
});
