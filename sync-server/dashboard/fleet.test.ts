/**
 * The Fleet view: an admin issues a station's one-time code (shown once, never stored or audited in clear), the
 * station enrolls with it and its heartbeat (app version, devices) shows; revoking ends its token at once; both steps
 * audited; bad input changes nothing; only admins act, every role reads.
 */
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashCode } from '../enrollment/secrets';
import { appForFile } from '../testing';
import type { FleetView, IssuedCode } from './contract';
import { fleetRows, loadFleetView } from './fleet';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let admin: DashboardLogin;
let supervisor: DashboardLogin;

beforeAll(async () => {
  await makeAccount(server.db, 'office', 'admin');
  await makeAccount(server.db, 'sari', 'supervisor', 'finishing');
  admin = await loginAs(server.app, 'office');
  supervisor = await loginAs(server.app, 'sari');
});

const post = (url: string, headers: Record<string, string>, payload: Record<string, unknown> = {}) => server.app.inject({ method: 'POST', url, headers, payload });
const fleet = async (headers: Record<string, string>) => {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/fleet', headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<FleetView>();
};
async function count(sql: string): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(sql);
  return Number(row?.n ?? 0);
}

describe(`the Fleet view (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('an admin issues a code, the station enrolls with it and reports its health; revoking ends its token; both audited', async () => {
    const res = await post('/api/dashboard/fleet/enrollment-codes', admin.write, { stationId: 'ST-FIN-7', department: 'finishing', name: 'Finishing 7' });
    expect(res.statusCode, res.body).toBe(201);
    const issued = res.json<IssuedCode>();
    expect(issued.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect((await fleet(supervisor.read)).pendingCodes).toEqual([expect.objectContaining({ stationId: 'ST-FIN-7', department: 'finishing' })]);

    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const enrolled = await post('/api/enroll', {}, { code: issued.code, stationId: 'ST-FIN-7', publicKey: jwk.x! });
    expect(enrolled.statusCode, enrolled.body).toBe(200);
    const auth = { authorization: `Bearer ${enrolled.json<{ token: string }>().token}` };
    const beat = await post('/api/heartbeat', auth, {
      stationTime: Date.now() + 2_000,
      backlog: 3,
      appVersion: '1.4.2',
      devices: [{ deviceId: 'MD01', kind: 'framed-detector', connected: false, lastFrameAt: null, faults: 1, errors: 2, reconnects: 0, message: 'cable unplugged' }],
    });
    expect(beat.statusCode, beat.body).toBe(200);
    const view = await fleet(supervisor.read);
    expect(view.pendingCodes).toEqual([]);
    expect(view.stations).toEqual([
      expect.objectContaining({ id: 'ST-FIN-7', name: 'Finishing 7', online: true, revoked: false, backlog: 3, appVersion: '1.4.2', devices: [{ deviceId: 'MD01', kind: 'framed-detector', connected: false, faults: 1, errors: 2, message: 'cable unplugged' }] }),
    ]);
    expect(view.stations[0]?.clockSkewMs).toBeGreaterThan(1_000);

    const revoked = await post('/api/dashboard/fleet/stations/ST-FIN-7/revoke', admin.write);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect((await post('/api/heartbeat', auth, { stationTime: Date.now(), backlog: 0, devices: [] })).statusCode).toBe(401);
    expect((await fleet(admin.read)).stations[0]).toMatchObject({ online: false, revoked: true });
    const audited = await server.db.query<{ action: string; account_id: string; detail: unknown }>("SELECT action, account_id, detail FROM dashboard_audit WHERE target = 'ST-FIN-7' ORDER BY id");
    expect(audited.map((a) => [a.action, a.account_id])).toEqual([['station.code_issued', 'office'], ['station.revoked', 'office']]);
    // The code is shown once: the audit does not hold it, the codes table only its hash.
    expect(JSON.stringify(audited)).not.toContain(issued.code);
    const [stored] = await server.db.query<{ code_hash: string }>("SELECT code_hash FROM enrollment_codes WHERE station_id = 'ST-FIN-7'");
    expect(stored?.code_hash).toBe(hashCode(issued.code));
  });

  it('bad input and unknown stations are refused with nothing changed; only admins act', async () => {
    const before = [await count('SELECT count(*)::int AS n FROM enrollment_codes'), await count('SELECT count(*)::int AS n FROM dashboard_audit')];
    const bad = await post('/api/dashboard/fleet/enrollment-codes', admin.write, { stationId: 'sewing one', department: 'weaving' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues.map((i: { path: string }) => i.path)).toEqual(['body.stationId', 'body.department']);
    expect((await post('/api/dashboard/fleet/stations/ST-NONE-1/revoke', admin.write)).statusCode).toBe(404);
    expect((await post('/api/dashboard/fleet/enrollment-codes', supervisor.write, { stationId: 'ST-SEW-9', department: 'sewing' })).statusCode).toBe(403);
    expect((await post('/api/dashboard/fleet/stations/ST-FIN-7/revoke', supervisor.write)).statusCode).toBe(403);
    expect([await count('SELECT count(*)::int AS n FROM enrollment_codes'), await count('SELECT count(*)::int AS n FROM dashboard_audit')]).toEqual(before);
  });
  it('kept between computations: a station whose row is the same comes back as the same row, a changed one is built again', async () => {
    for (const id of ['ST-KEEP-1', 'ST-KEEP-2']) {
      await server.db.query("INSERT INTO stations (id, name, department, token_hash, public_key) VALUES ($1, $1, 'sewing', $2, 'not-used')", [id, hashCode(`${id}-token`)]);
    }
    const kept = fleetRows();
    const row = (v: FleetView, id: string) => v.stations.find((s) => s.id === id);
    const first = await loadFleetView(server.db, kept);
    const again = await loadFleetView(server.db, kept);
    expect(row(again, 'ST-KEEP-1')).toBe(row(first, 'ST-KEEP-1'));
    expect(row(again, 'ST-KEEP-2')).toBe(row(first, 'ST-KEEP-2'));
    const devices = [{ deviceId: 'SC01', kind: 'scanner', connected: true, lastFrameAt: null, faults: 0, errors: 0, reconnects: 0, message: null }];
    await server.db.query("UPDATE stations SET devices = $2::jsonb, backlog = 4 WHERE id = $1", ['ST-KEEP-2', JSON.stringify(devices)]);
    const after = await loadFleetView(server.db, kept);
    expect(row(after, 'ST-KEEP-1')).toBe(row(first, 'ST-KEEP-1'));
    expect(row(after, 'ST-KEEP-2')).not.toBe(row(first, 'ST-KEEP-2'));
    expect(row(after, 'ST-KEEP-2')).toMatchObject({ backlog: 4, devices: [{ deviceId: 'SC01', kind: 'scanner', connected: true, faults: 0, errors: 0, message: null }] });
    // The same as a computation from nothing kept.
    expect(after).toEqual(await loadFleetView(server.db));
  });
});
