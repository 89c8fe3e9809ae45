/**
 * A seq conflict never blocks the station (docs/sync-protocol.md, "Seq conflicts"): an event whose seq another event of
 * the station already holds (a station restored from an old copy numbers its new events from where the copy stopped)
 * is kept refused `seq_conflict` beside the one holding the seq, for a supervisor, not counted. The events after it go
 * through; a re-push gets the same answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { workOrderIdFor } from '../../shared/master';
import { cuttingOutput, EventFactory, mo, operatorOf } from '../../shared/testing/fixtures';
import type { PushResponse } from '../../shared/sync';
import { appForFile, enrollStation, pushAs, storedBody, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const M = mo(8, { route: 'R1', quantity: 100 });
const W = workOrderIdFor(M.id, 'cutting');
let station: EnrolledStation;

const cutCount = async () => (await storedBody<{ stageQty: { cut: number } }>(server.db, 'workOrder', W))?.stageQty.cut ?? 0;
const push = async (events: unknown[]): Promise<PushResponse> => {
  const res = await pushAs(server.app, station, events);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>();
};
const stored = (stationId: string) =>
  server.db.query<{ id: string; seq: string; status: string; code: string | null }>(
    "SELECT id::text, seq, status, refusal->>'code' AS code FROM events WHERE station_id = $1 ORDER BY seq, server_seq",
    [stationId],
  );

beforeAll(async () => {
  station = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf('cutting'), name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' } });
  expect(op.statusCode).toBe(201);
  expect((await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M })).statusCode).toBe(201);
});

describe(`seq conflicts do not block a station (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('a restored station reusing seqs with new events: kept refused seq_conflict, not counted; what follows is applied', async () => {
    const original = new EventFactory(() => Date.now());
    const first: FloorEvent[] = [1, 2, 3].map((q) => original.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W, q)));
    await push(first);
    expect(await cutCount()).toBe(6);

    // The station restored from a copy taken after seq 1: it numbers its new events 2, 3, 4, 5.
    const restored = new EventFactory(() => Date.now());
    restored.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W, 1)); // seq 1, as on the copy
    const again: FloorEvent[] = [10, 20, 30, 40].map((q) => restored.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W, q)));
    const r = await push(again);
    expect(r.results.map((x) => [x.seq, x.status, x.refusal?.code ?? null])).toEqual([
      [2, 'refused', 'seq_conflict'],
      [3, 'refused', 'seq_conflict'],
      [4, 'applied', null],
      [5, 'applied', null],
    ]);
    expect(r.results[0]?.refusal?.message).toContain(first[1]!.id);
    expect(r.lastAppliedSeq).toBe(5);
    expect(await cutCount()).toBe(6 + 30 + 40);
    // Nothing lost: both events of seq 2 and of seq 3 are stored, the first ones as they were.
    const rows = await stored('ST-CUT-1');
    expect(rows.map((x) => [Number(x.seq), x.id, x.status, x.code])).toEqual([
      [1, first[0]!.id, 'applied', null],
      [2, first[1]!.id, 'applied', null],
      [2, again[0]!.id, 'refused', 'seq_conflict'],
      [3, first[2]!.id, 'applied', null],
      [3, again[1]!.id, 'refused', 'seq_conflict'],
      [4, again[2]!.id, 'applied', null],
      [5, again[3]!.id, 'applied', null],
    ]);
    expect(await storedBody(server.db, 'refusal', again[0]!.id)).toMatchObject({ code: 'seq_conflict', seq: 2 });

    // Pushed again (the station retries): the same answers, nothing stored twice.
    const twice = await push(again);
    expect(twice.results.map((x) => [x.seq, x.status, x.refusal?.code ?? null])).toEqual([
      [2, 'duplicate', 'seq_conflict'],
      [3, 'duplicate', 'seq_conflict'],
      [4, 'duplicate', null],
      [5, 'duplicate', null],
    ]);
    expect(await stored('ST-CUT-1')).toHaveLength(7);
    // The original of a seq pushed again is still a plain duplicate.
    expect((await push([first[1]!])).results[0]).toMatchObject({ status: 'duplicate', refusal: null });
  });
});
