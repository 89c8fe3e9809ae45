/**
 * `POST /api/sscc-leases`: packing stations get disjoint blocks of SSCC serial references from one counter, however
 * many ask at once (real PostgreSQL with TEST_DATABASE_URL, else PGlite); every lease is recorded with the station and
 * the time; a retried request gets its own lease back; bad input, other departments and a server without a company
 * prefix get a clear 4xx/503 and change nothing.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SsccLease, composeSscc, leaseSize, leasesOverlap } from '../../shared/barcode/sscc';
import { appForFile, enrollStation, type EnrolledStation, type FileApp } from '../testing';

const PREFIX = '8991234567';
const server = appForFile({ sscc: { companyPrefix: PREFIX, extension: 0, blockSize: 50 } });

const ask = (app: FileApp, station: EnrolledStation | null, payload: unknown) =>
  app.app.inject({ method: 'POST', url: '/api/sscc-leases', headers: station ? station.auth : {}, payload: payload as Record<string, unknown> });

const countLeases = async (app: FileApp) => Number((await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sscc_leases'))[0]?.n);
const counter = async (app: FileApp) => (await app.db.query<{ next_serial: number }>('SELECT next_serial FROM sscc_counters'))[0]?.next_serial ?? null;

let pck1: EnrolledStation;
let pck2: EnrolledStation;
let sew: EnrolledStation;

beforeAll(async () => {
  pck1 = await enrollStation(server.app, 'ST-PCK-1', 'packing');
  pck2 = await enrollStation(server.app, 'ST-PCK-2', 'packing');
  sew = await enrollStation(server.app, 'ST-SEW-1', 'sewing');
});

describe('POST /api/sscc-leases', () => {
  it('refuses bad input with a 400 naming the field, another department with 403, no token with 401; nothing changes', async () => {
    for (const body of [{}, { requestId: 'not-a-uuid' }, { requestId: randomUUID(), count: 5 }, [], { requestId: 7 }]) {
      const res = await ask(server, pck1, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json<{ error: string; message: string }>().error).toBe('bad_request');
    }
    expect((await ask(server, pck1, { requestId: 'x' })).json<{ message: string }>().message).toMatch(/body\.requestId/);
    const other = await ask(server, sew, { requestId: randomUUID() });
    expect(other.statusCode).toBe(403);
    expect(other.json<{ error: string }>().error).toBe('not_packing_station');
    expect((await ask(server, null, { requestId: randomUUID() })).statusCode).toBe(401);
    expect(await countLeases(server)).toBe(0);
    expect(await counter(server)).toBeNull();
  });

  it('concurrent requests from two packing stations get disjoint, consecutive blocks, each recorded with station and time', async () => {
    const before = Date.now();
    const asks = Array.from({ length: 24 }, (_, i) => ask(server, i % 2 === 0 ? pck1 : pck2, { requestId: randomUUID() }));
    const answers = await Promise.all(asks);
    const leases = answers.map((r) => {
      expect(r.statusCode, r.body).toBe(200);
      return SsccLease.parse(r.json());
    });
    for (const l of leases) {
      expect(l).toMatchObject({ companyPrefix: PREFIX, extension: 0 });
      expect(leaseSize(l)).toBe(50);
    }
    for (let i = 0; i < leases.length; i++) {
      for (let j = i + 1; j < leases.length; j++) expect(leasesOverlap(leases[i] as SsccLease, leases[j] as SsccLease)).toBe(false);
    }
    // Consecutive from the counter's start: 24 blocks of 50 cover 0..1199 exactly.
    const firsts = leases.map((l) => l.first).sort((a, b) => a - b);
    expect(firsts).toEqual(Array.from({ length: 24 }, (_, i) => i * 50));
    expect(await counter(server)).toBe(1200);
    const rows = await server.db.query<{ station_id: string; first_serial: number; leased_at: Date | string }>(
      'SELECT station_id, first_serial, leased_at FROM sscc_leases ORDER BY first_serial',
    );
    expect(rows).toHaveLength(24);
    expect(rows.filter((r) => r.station_id === 'ST-PCK-1')).toHaveLength(12);
    expect(rows.filter((r) => r.station_id === 'ST-PCK-2')).toHaveLength(12);
    for (const r of rows) expect(new Date(r.leased_at).getTime()).toBeGreaterThanOrEqual(before - 5_000);
    // What a station prints from its block is an SSCC under the floor's prefix.
    const first = leases[0] as SsccLease;
    expect(composeSscc(first, first.first)).toMatch(new RegExp(`^0${PREFIX}`));
  });

  it('the same request id again (an answer lost on the way), even twice at once, gets the same lease and takes no block', async () => {
    const requestId = randomUUID();
    const [a, b] = await Promise.all([ask(server, pck1, { requestId }), ask(server, pck1, { requestId })]);
    expect(a?.statusCode, a?.body).toBe(200);
    expect(b?.statusCode, b?.body).toBe(200);
    expect(a?.json()).toEqual(b?.json());
    const c = await ask(server, pck1, { requestId });
    expect(c.json()).toEqual(a?.json());
    expect(await counter(server)).toBe(1250);
    // Another station's request id is its own: the same uuid from ST-PCK-2 is a new request.
    const d = await ask(server, pck2, { requestId });
    expect(SsccLease.parse(d.json()).first).toBe(1250);
  });
});

describe('POST /api/sscc-leases: bounded per station, and at the end of the range', () => {
  // A 10-digit prefix leaves 6 digits: 1,000,000 serials, 10 blocks of 100,000; at most 6 leases a station an hour.
  const small = appForFile({ sscc: { companyPrefix: PREFIX, extension: 3, blockSize: 100_000, maxLeasesPerHour: 6 } });

  it('a station that asked too often in the last hour gets 429 too_many_leases with Retry-After, and takes nothing', async () => {
    const st = await enrollStation(small.app, 'ST-PCK-8', 'packing');
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const six = await Promise.all(ids.map((requestId) => ask(small, st, { requestId })));
    expect(six.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const res = await ask(small, st, { requestId: randomUUID() });
    expect(res.statusCode).toBe(429);
    expect(res.json<{ error: string }>().error).toBe('too_many_leases');
    expect(res.headers['retry-after']).toBe('600');
    expect(await counter(small)).toBe(600_000);
    // A request it already got is still answered with its lease (a retry after a lost answer).
    const again = await ask(small, st, { requestId: ids[0] });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(six[0]?.json());
  });

  it('hands out the last block, then refuses with 409 sscc_range_exhausted and leaves the counter where it was', async () => {
    const st = await enrollStation(small.app, 'ST-PCK-9', 'packing');
    for (let i = 0; i < 4; i++) expect((await ask(small, st, { requestId: randomUUID() })).statusCode).toBe(200);
    const res = await ask(small, st, { requestId: randomUUID() });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ error: string; message: string }>()).toMatchObject({ error: 'sscc_range_exhausted', message: expect.stringMatching(/SSCC_EXTENSION_DIGIT/) });
    expect(await counter(small)).toBe(1_000_000);
    expect(await countLeases(small)).toBe(10);
  });
});

describe('POST /api/sscc-leases without a company prefix', () => {
  const unset = appForFile();

  it('answers 503 sscc_not_configured naming the setting', async () => {
    const st = await enrollStation(unset.app, 'ST-PCK-1', 'packing');
    const res = await ask(unset, st, { requestId: randomUUID() });
    expect(res.statusCode).toBe(503);
    expect(res.json<{ error: string; message: string }>()).toMatchObject({ error: 'sscc_not_configured', message: expect.stringMatching(/SSCC_COMPANY_PREFIX/) });
    expect(await countLeases(unset)).toBe(0);
  });
});
