/**
 * Clocks bounded, through the real push route: an event's HLC far ahead of the server's time, stamped before its
 * station enrolled (epoch 0 included), or carrying another station's node id (docs/sync-protocol.md, "Clocks").
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertDoc } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import { formatHlc, hlcWallTime, HLC_MAX_WALL_MS, parseHlc } from '../../shared/hlc';
import { workOrderIdFor } from '../../shared/master';
import { RefusalDocument } from '../../shared/refusal';
import type { PushResponse } from '../../shared/sync';
import { cuttingOutput, EventFactory, mo, operatorOf } from '../../shared/testing/fixtures';
import { judgeClock, MAX_HLC_AHEAD_MS } from './clock-bounds';
import { appForFile, enrollStation, pushAs, seedOperatorAndOrder, storedBody, type EnrolledStation } from '../testing';

const server = appForFile();
const DAY = 86_400_000;
const M = mo(1, { route: 'R1', quantity: 1000 });
const W = workOrderIdFor(M.id, 'cutting');
const f = new EventFactory(() => Date.now());
let cutting: EnrolledStation;

beforeAll(async () => {
  await seedOperatorAndOrder(server.app, { id: operatorOf('cutting'), name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, M);
  cutting = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
});

/** An event of ST-CUT-1 (next seq) whose HLC reads `wallMs` (and, if given, another node id). */
function stamped(wallMs: number, event: FloorEvent = f.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W, 1)), nodeId = 'ST-CUT-1'): FloorEvent {
  return { ...event, hlc: formatHlc({ wallMs, counter: 0, nodeId }) };
}
const shortage = (): FloorEvent => f.event('ST-CUT-1', operatorOf('cutting'), { type: 'cutting.shortage', payload: { workOrderId: W, shortQty: 1, reason: 'fabric roll short' } });

async function push(events: FloorEvent[], station: EnrolledStation = cutting): Promise<PushResponse> {
  const res = await pushAs(server.app, station, events);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>();
}
/** Each result as `status` or `status:refusal` and its flag's code (or null). */
const answers = (r: PushResponse) => r.results.map((x) => [x.refusal ? `${x.status}:${x.refusal.code}` : x.status, x.flag?.code ?? null]);

type StoredRow = {
  status: string;
  hlc: string;
  flag: { code: string; message: string } | null;
  refusal: { code: string } | null;
  server_seq: number;
};
async function stored(id: string): Promise<StoredRow | undefined> {
  const [row] = await server.db.query<StoredRow>('SELECT status, hlc, flag, refusal, server_seq::int AS server_seq FROM events WHERE id = $1', [id]);
  return row;
}
const cutQty = async () => (await storedBody<{ stageQty: { cut?: number } }>(server.db, 'workOrder', W))?.stageQty.cut ?? 0;

describe(`clock bounds on push (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it("an HLC far ahead of the server (year 2286, a day fast) is applied at the server's time and flagged clock_ahead; a few minutes ahead is not", async () => {
    const before = await cutQty();
    const in2286 = stamped(HLC_MAX_WALL_MS);
    const dayFast = stamped(Date.now() + DAY);
    const alert2286 = stamped(HLC_MAX_WALL_MS, shortage());
    const slightlyFast = stamped(Date.now() + MAX_HLC_AHEAD_MS - 60_000);
    const t0 = Date.now();
    const r = await push([in2286, dayFast, alert2286, slightlyFast]);
    const t1 = Date.now();
    expect(answers(r)).toEqual([
      ['applied', 'clock_ahead'],
      ['applied', 'clock_ahead'],
      ['applied', 'clock_ahead'],
      ['applied', null],
    ]);
    expect(r.results[0]?.flag?.message).toMatch(/ahead/);
    // Nothing the station recorded is lost: the pieces count.
    expect(await cutQty()).toBe(before + 3);
    // The event is kept as the station sent it, with its flag ...
    expect(await stored(in2286.id)).toMatchObject({ status: 'applied', hlc: in2286.hlc, flag: { code: 'clock_ahead' }, refusal: null });
    expect((await stored(slightlyFast.id))?.flag).toBeNull();
    // ... but the documents carry the server's time for it, never the year 2286.
    const alert = await storedBody<AlertDoc>(server.db, 'alert', alert2286.id);
    expect(alert?.raisedAt).toBeDefined();
    const raisedMs = hlcWallTime(alert?.raisedAt ?? '');
    expect(raisedMs).toBeGreaterThanOrEqual(t0);
    expect(raisedMs).toBeLessThanOrEqual(t1);

    // Pushed again (a lost answer): the same answers, flags included, as duplicates.
    const again = await push([in2286, dayFast, alert2286, slightlyFast]);
    expect(again.results).toEqual(r.results.map((x) => ({ ...x, status: 'duplicate' })));
    expect(await cutQty()).toBe(before + 3);
  });

  it('an HLC at epoch 0 or a day before the station enrolled is applied and flagged clock_before_enrollment; a minute before is not', async () => {
    const before = await cutQty();
    const epoch0 = stamped(0);
    const dayBefore = stamped(Date.now() - DAY);
    const [row] = await server.db.query<{ ms: number }>("SELECT (extract(epoch FROM enrolled_at) * 1000)::float8 AS ms FROM stations WHERE id = 'ST-CUT-1'");
    const minuteBefore = stamped(Math.floor(Number(row?.ms)) - 60_000);
    const r = await push([epoch0, dayBefore, minuteBefore]);
    expect(answers(r)).toEqual([
      ['applied', 'clock_before_enrollment'],
      ['applied', 'clock_before_enrollment'],
      ['applied', null],
    ]);
    expect(await cutQty()).toBe(before + 3);
    expect(await stored(epoch0.id)).toMatchObject({ status: 'applied', hlc: epoch0.hlc, flag: { code: 'clock_before_enrollment' } });
  });

  it("an HLC carrying another station's node id is refused (hlc_node_mismatch), kept in seq order, and the station's later events go through", async () => {
    const before = await cutQty();
    const a = stamped(Date.now());
    const foreign = stamped(Date.now(), undefined, 'ST-CUT-2');
    const c = stamped(Date.now());
    const r = await push([a, foreign, c]);
    expect(answers(r)).toEqual([
      ['applied', null],
      ['refused:hlc_node_mismatch', null],
      ['applied', null],
    ]);
    expect(r.results[1]?.refusal?.message).toMatch(/ST-CUT-2/);
    expect(r.lastAppliedSeq).toBe(c.seq);
    expect(await cutQty()).toBe(before + 2);
    const [ra, rb, rc] = [await stored(a.id), await stored(foreign.id), await stored(c.id)];
    expect(rb).toMatchObject({ status: 'refused', refusal: { code: 'hlc_node_mismatch' }, hlc: foreign.hlc });
    expect(ra?.server_seq).toBeLessThan(rb?.server_seq ?? 0);
    expect(rc?.server_seq).toBeGreaterThan(rb?.server_seq ?? Infinity);
    // The refusal goes back to the station like any other.
    const doc = await storedBody<unknown>(server.db, 'refusal', foreign.id);
    expect(RefusalDocument.parse(doc)).toMatchObject({ eventId: foreign.id, seq: foreign.seq, code: 'hlc_node_mismatch', stationId: 'ST-CUT-1' });
  });

  it('a re-enrolled station is judged by its first enrollment, not the latest', async () => {
    await enrollStation(server.app, 'ST-SEW-1', 'sewing');
    // As if it had first enrolled two days ago.
    await server.db.query("UPDATE stations SET first_enrolled_at = now() - interval '2 days' WHERE id = 'ST-SEW-1'");
    const again = await enrollStation(server.app, 'ST-SEW-1', 'sewing');
    const [row] = await server.db.query<{ days: number }>("SELECT extract(epoch FROM now() - first_enrolled_at)::float8 / 86400 AS days FROM stations WHERE id = 'ST-SEW-1'");
    expect(Number(row?.days)).toBeGreaterThan(1.9);
    // Recorded a day ago, between its first enrollment and the new one: a slow clock it is not.
    const powerOn = f.event('ST-SEW-1', null, { type: 'md.powerOn', payload: { lineId: 'LN-SEW-1', deviceId: 'MD09' } });
    const r = await push([{ ...powerOn, hlc: formatHlc({ wallMs: Date.now() - DAY, counter: 0, nodeId: 'ST-SEW-1' }) }], again);
    expect(answers(r)).toEqual([['applied', null]]);
  });
});

describe('judgeClock reads a parsed event HLC by position', () => {
  const at = Date.UTC(2026, 0, 5, 8);
  const ev = (hlc: string, stationId: string): FloorEvent => ({ ...f.event(stationId, operatorOf('cutting'), cuttingOutput(W, 1)), hlc });

  it('as parseHlc reads it: node ids with dashes, dots and colons; another node id, even one ending in this one', () => {
    for (const node of ['ST-CUT-1', 'ST-CUT-1.a:b', 'X']) {
      const v = judgeClock(ev(formatHlc({ wallMs: at, counter: 42, nodeId: node }), node), at - DAY, at);
      expect(v).toEqual({ ok: true, flag: null, decideAs: expect.objectContaining({ stationId: node }) });
      expect(parseHlc(formatHlc({ wallMs: at, counter: 42, nodeId: node })).nodeId).toBe(node);
    }
    for (const [node, station] of [['X-ST-CUT-1', 'ST-CUT-1'], ['ST-CUT-1', 'CUT-1'], ['ST-CUT-10', 'ST-CUT-1']]) {
      const v = judgeClock(ev(formatHlc({ wallMs: at, counter: 0, nodeId: node! }), station!), at - DAY, at);
      expect(v.ok === false && v.refusal.code).toBe('hlc_node_mismatch');
    }
  });

  it('its wall time bounds: ahead (decided at the server time, counter and node kept), before enrollment', () => {
    const ahead = judgeClock(ev(formatHlc({ wallMs: at + MAX_HLC_AHEAD_MS + 1, counter: 7, nodeId: 'ST-CUT-1' }), 'ST-CUT-1'), at - DAY, at);
    expect(ahead.ok && ahead.flag?.code).toBe('clock_ahead');
    expect(ahead.ok && ahead.decideAs.hlc).toBe(formatHlc({ wallMs: at, counter: 7, nodeId: 'ST-CUT-1' }));
    const exactlyAtBound = judgeClock(ev(formatHlc({ wallMs: at + MAX_HLC_AHEAD_MS, counter: 0, nodeId: 'ST-CUT-1' }), 'ST-CUT-1'), at - DAY, at);
    expect(exactlyAtBound.ok && exactlyAtBound.flag).toBeNull();
    const early = judgeClock(ev(formatHlc({ wallMs: 0, counter: 0, nodeId: 'ST-CUT-1' }), 'ST-CUT-1'), at - DAY, at);
    expect(early.ok && early.flag?.code).toBe('clock_before_enrollment');
  });

  it('an HLC that is not a parsed event one is judged by parseHlc (throws), never read by position', () => {
    for (const bad of ['', 'x', 'abcdefghijklm-00000-ST-CUT-1', '+176722560000-00000-ST-CUT-1', '1767225600000_00000-ST-CUT-1', '1767225600000-00000-']) {
      expect(() => judgeClock(ev(bad, 'ST-CUT-1'), at - DAY, at)).toThrow();
    }
  });
});
