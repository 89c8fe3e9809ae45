/**
 * Operators judged by the roster the station held when it recorded (docs/sync-protocol.md, "The roster a station held"):
 * each pushed event may carry `rosterVersion`, the change number of the station's last applied pull cycle when it
 * recorded the event. An operator the office deactivated after that change was still on the station's roster: the
 * work is applied and flagged for review. An operator the station's roster already showed inactive (or did not have)
 * is refused as before, and so is an event that does not say which roster it was recorded under.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { workOrderIdFor } from '../../shared/master';
import { cuttingOutput, EventFactory, mo } from '../../shared/testing/fixtures';
import type { PushResponse } from '../../shared/sync';
import { appForFile, enrollStation, storedBody, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const M = mo(7, { route: 'R1', quantity: 100 });
const W = workOrderIdFor(M.id, 'cutting');
const f = new EventFactory(() => Date.now());
let station: EnrolledStation;

const putOperator = async (id: string, active: boolean): Promise<number> => {
  const payload = { id, name: id, roles: ['operator'], departments: ['cutting'], pin: '1357', active };
  const res = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload });
  expect(res.statusCode).toBe(201);
  const [row] = await server.db.query<{ version: string }>("SELECT version FROM documents WHERE kind = 'operator' AND id = $1", [id]);
  return Number(row?.version);
};

const push = async (events: { event: FloorEvent; rosterVersion?: number }[]): Promise<PushResponse> => {
  const payload = { events: events.map((e) => (e.rosterVersion === undefined ? e.event : { ...e.event, rosterVersion: e.rosterVersion })) };
  const res = await server.app.inject({ method: 'POST', url: '/api/push', headers: station.auth, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>();
};

const cutCount = async () => (await storedBody<{ stageQty: { cut: number } }>(server.db, 'workOrder', W))?.stageQty.cut ?? 0;

beforeAll(async () => {
  station = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  const created = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M });
  expect(created.statusCode).toBe(201);
});

describe(`operators judged by the station's roster (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('work recorded while the station had the operator active is applied and flagged; after it knew, refused', async () => {
    const activeAt = await putOperator('OP-CUTA', true);
    const deactivatedAt = await putOperator('OP-CUTA', false);
    expect(deactivatedAt).toBeGreaterThan(activeAt);

    const before = f.event('ST-CUT-1', 'OP-CUTA', cuttingOutput(W, 5));
    const r1 = await push([{ event: before, rosterVersion: activeAt }]);
    expect(r1.results).toEqual([expect.objectContaining({ id: before.id, status: 'applied', refusal: null })]);
    expect(r1.results[0]?.flag?.code).toBe('unknown_operator');
    expect(r1.results[0]?.flag?.message).toMatch(new RegExp(`roster.*${activeAt}`));
    expect(await cutCount()).toBe(5);
    const [stored] = await server.db.query<{ status: string; flag: { code: string } | null }>('SELECT status, flag FROM events WHERE id = $1', [before.id]);
    expect(stored).toMatchObject({ status: 'applied', flag: { code: 'unknown_operator' } });

    // Recorded after the station pulled the deactivation: refused, as before.
    const after = f.event('ST-CUT-1', 'OP-CUTA', cuttingOutput(W, 7));
    const r2 = await push([{ event: after, rosterVersion: deactivatedAt }]);
    expect(r2.results[0]).toMatchObject({ status: 'refused', refusal: { code: 'unknown_operator' } });
    // Without a roster version (an older station): refused, as before.
    const unknown = f.event('ST-CUT-1', 'OP-CUTA', cuttingOutput(W, 11));
    const r3 = await push([{ event: unknown }]);
    expect(r3.results[0]).toMatchObject({ status: 'refused', refusal: { code: 'unknown_operator' } });
    expect(await cutCount()).toBe(5);

    // The answer to a duplicate carries the flag again.
    const again = await push([{ event: before, rosterVersion: activeAt }]);
    expect(again.results[0]).toMatchObject({ status: 'duplicate', flag: { code: 'unknown_operator' } });
  });

  it('an operator the station could not have had (created after its roster) is refused; a reinstated one needs no flag', async () => {
    const stationRoster = await putOperator('OP-CUTB', true);
    const createdAt = await putOperator('OP-CUTC', true);
    await putOperator('OP-CUTC', false);
    expect(createdAt).toBeGreaterThan(stationRoster);
    const ghost = f.event('ST-CUT-1', 'OP-CUTC', cuttingOutput(W, 3));
    const r1 = await push([{ event: ghost, rosterVersion: stationRoster }]);
    expect(r1.results[0]).toMatchObject({ status: 'refused', refusal: { code: 'unknown_operator' } });

    // Deactivated, then back on the roster: today's roster accepts, nothing to flag.
    await putOperator('OP-CUTB', false);
    await putOperator('OP-CUTB', true);
    const back = f.event('ST-CUT-1', 'OP-CUTB', cuttingOutput(W, 2));
    const r2 = await push([{ event: back, rosterVersion: stationRoster }]);
    expect(r2.results[0]).toMatchObject({ status: 'applied', refusal: null });
    expect(r2.results[0]?.flag ?? null).toBeNull();
  });

  it('a malformed roster version is no roster version (refused as before), and never a bad request', async () => {
    await putOperator('OP-CUTD', true);
    await putOperator('OP-CUTD', false);
    const e = f.event('ST-CUT-1', 'OP-CUTD', cuttingOutput(W, 1));
    const res = await server.app.inject({ method: 'POST', url: '/api/push', headers: station.auth, payload: { events: [{ ...e, rosterVersion: -4 }] } });
    expect(res.statusCode).toBe(200);
    expect(res.json<PushResponse>().results[0]).toMatchObject({ status: 'refused', refusal: { code: 'unknown_operator' } });
  });
});
