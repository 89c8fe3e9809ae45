/**
 * Labour time at the station core (issue 13): the logged-in operator's clock per SPK through `action.record`; a
 * logout (by hand, the screen's idle logout, or the core's own idle expiry) pauses the operator's running clocks in
 * the same command, before the logout is recorded; a supervisor releases a hold with a note. Real SQLite files.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkOrderDoc } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import { fanOut, workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from './station-core';
import { TEST_PIN, badgeOf, failure, orderDocuments, rosterDocuments, stationConfig, tempDir, testClock } from './testing';

const A = mo(1, { route: 'R2', quantity: 50 });
const B = mo(2, { route: 'R2', quantity: 30 });
const CUT_A = workOrderIdFor(A.id, 'cutting');
const CUT_B = workOrderIdFor(B.id, 'cutting');
const MIN = 60_000;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A clock the test moves; the core's HLC (and so the labour spans) reads it. */
const clock = testClock;

/** A station whose idle logout (8 h unless said) stays out of the way of the test's clock moves. */
async function station(department: Department, now: () => number, over: { sessionIdleMs?: number } = {}) {
  const t = tempDir();
  over = { sessionIdleMs: 8 * 60 * MIN, ...over };
  const core = await StationCore.open(stationConfig(department, t.dir, over), { devMode: true, now });
  cleanups.push(t.cleanup, () => core.close());
  await core.seedDocuments([...(await rosterDocuments()), ...orderDocuments([A, B])]);
  return core;
}

const start = (workOrderId: string) => ({ action: { type: 'labour.started' as const, payload: { workOrderId } } });
const pause = (workOrderId: string, reason: 'break' | 'material' = 'break') => ({ action: { type: 'labour.paused' as const, payload: { workOrderId, reason } } });
const finish = (workOrderId: string) => ({ action: { type: 'labour.finished' as const, payload: { workOrderId } } });
/** Own events after `seq`, as type + operator + payload (what the server receives). */
const since = async (core: StationCore, seq: number) => (await core.eventsAfter(seq)).map((e: FloorEvent) => ({ type: e.type, operatorId: e.operatorId, payload: e.payload }));

describe('labour clock at the station core', () => {
  it('the logged-in operator starts, pauses, starts again and finishes; a double start is refused and records nothing', async () => {
    const c = clock();
    const core = await station('cutting', c.now);
    expect((await failure(core.call('action.record', start(CUT_A)))).code).toBe('unauthenticated');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', start(CUT_A));
    c.advance(30 * MIN);
    const before = core.lastSequence;
    expect(await failure(core.call('action.record', start(CUT_A)))).toMatchObject({ code: 'refused', refusal: 'labour_running' });
    expect(core.lastSequence).toBe(before);
    await core.call('action.record', pause(CUT_A, 'material'));
    c.advance(10 * MIN);
    await core.call('action.record', start(CUT_A));
    c.advance(20 * MIN);
    await core.call('action.record', finish(CUT_A));
    expect(core.view().workOrders.find((w) => w.id === CUT_A)?.labour).toEqual({ 'OP-CUT1': { state: 'finished', runningSince: null, workedMs: 50 * MIN } });
    expect((await core.eventsAfter(1)).every((e) => e.operatorId === 'OP-CUT1')).toBe(true);
  });

  it('logging out pauses the operator\'s running clocks first (reason logout), in the same command; paused clocks and other operators\' stay as they are', async () => {
    const c = clock();
    const core = await station('cutting', c.now);
    // The supervisor's clock on A runs (started before, as the server has it) and must keep running when the operator leaves.
    const a = core.state.workOrder[CUT_A];
    if (!a) throw new Error('no work order A');
    const supervisorClock = { state: 'running' as const, runningSince: c.now() - 60 * MIN, workedMs: 0 };
    await core.seedDocuments([{ kind: 'workOrder', id: CUT_A, body: { ...a, labour: { 'OP-CUTSV': supervisorClock } } }]);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', start(CUT_A));
    await core.call('action.record', start(CUT_B));
    c.advance(5 * MIN);
    await core.call('action.record', pause(CUT_B));
    c.advance(40 * MIN);
    const before = core.lastSequence;
    const out = await core.call('session.logout', {});

    expect(await since(core, before)).toEqual([
      { type: 'labour.paused', operatorId: 'OP-CUT1', payload: { workOrderId: CUT_A, reason: 'logout' } },
      { type: 'operator.logout', operatorId: 'OP-CUT1', payload: { reason: 'manual' } },
    ]);
    expect(out.ack?.seq).toBe(before + 2);
    const labour = (id: string) => core.state.workOrder[id]?.labour;
    expect(labour(CUT_A)).toEqual({
      'OP-CUT1': { state: 'paused', runningSince: null, workedMs: 45 * MIN },
      'OP-CUTSV': supervisorClock,
    });
    expect(labour(CUT_B)).toEqual({ 'OP-CUT1': { state: 'paused', runningSince: null, workedMs: 5 * MIN } });
    expect(core.view().operator).toBeNull();

    // Back after the break: the operator starts again where they left off.
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', start(CUT_A));
    expect(labour(CUT_A)?.['OP-CUT1']?.state).toBe('running');
  });

  it('a clock on a closed SPK is not paused (the rules would refuse it) and does not stop the logout', async () => {
    const c = clock();
    const core = await station('cutting', c.now);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', start(CUT_A));
    await core.call('action.record', start(CUT_B));
    const a = core.state.workOrder[CUT_A];
    if (!a) throw new Error('no work order A');
    await core.seedDocuments([{ kind: 'workOrder', id: CUT_A, body: { ...a, status: 'closed' } }]);
    const before = core.lastSequence;
    await core.call('session.logout', {});
    expect((await since(core, before)).map((e) => `${e.type} ${JSON.stringify(e.payload)}`)).toEqual([
      `labour.paused ${JSON.stringify({ workOrderId: CUT_B, reason: 'logout' })}`,
      `operator.logout ${JSON.stringify({ reason: 'manual' })}`,
    ]);
  });

  it('the screen\'s idle logout is recorded as a timeout; a reason the boundary does not know is refused and logs nobody out', async () => {
    const c = clock();
    const core = await station('cutting', c.now);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const before = core.lastSequence;
    for (const reason of ['shift_end', 'nap', 3]) {
      expect((await failure(core.call('session.logout', { reason } as never))).code).toBe('bad_request');
    }
    expect(core.lastSequence).toBe(before);
    expect(core.view().operator?.operatorId).toBe('OP-CUT1');
    await core.call('session.logout', { reason: 'timeout' });
    expect(await since(core, before)).toEqual([{ type: 'operator.logout', operatorId: 'OP-CUT1', payload: { reason: 'timeout' } }]);
  });

  it('the core\'s own idle expiry (no screen left to log out) records a timeout and pauses the clock, on time, without any command', async () => {
    const c = clock();
    const core = await station('cutting', c.now, { sessionIdleMs: 2_000 });
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', start(CUT_A));
    const before = core.lastSequence;
    c.advance(2_500);
    // The core's idle check runs every second (a quarter of the idle time, at least 1 s): no command is sent.
    const deadline = Date.now() + 5_000;
    while (core.lastSequence === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await since(core, before)).toEqual([
      { type: 'labour.paused', operatorId: 'OP-CUT1', payload: { workOrderId: CUT_A, reason: 'logout' } },
      { type: 'operator.logout', operatorId: 'OP-CUT1', payload: { reason: 'timeout' } },
    ]);
    expect(core.state.workOrder[CUT_A]?.labour?.['OP-CUT1']).toEqual({ state: 'paused', runningSince: null, workedMs: 2_500 });
    expect((await failure(core.call('action.record', start(CUT_A)))).code).toBe('unauthenticated');
  });
});

describe('hold release at the station core', () => {
  it('a supervisor releases a broken-needle quarantine with passed / rejected per SPK and a note; an operator\'s badge cannot', async () => {
    const c = clock();
    const core = await station('sewing', c.now);
    const sew = fanOut(A).find((w) => w.place === 'sewing');
    if (!sew) throw new Error('A has no sewing work order');
    await core.seedDocuments([{ kind: 'workOrder', id: sew.id, body: { ...newWorkOrderDoc(sew), status: 'received', receivedQty: 20 } }]);
    await core.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    const report = await core.call('needle.report', {
      machineId: 'JK-07',
      workOrderId: sew.id,
      allFragmentsFound: false,
      needleExchanged: true,
      piecesInProcess: 6,
      supervisorBadge: badgeOf('sewing', true),
      supervisorPin: TEST_PIN,
    });
    const hold = core.view().holds.find((h) => h.id === report.eventId);
    expect(hold?.items).toEqual({ [sew.id]: 6 });

    const release = { holdId: report.eventId, results: [{ workOrderId: sew.id, passedQty: 5, rejectedQty: 1 }], note: 'all 6 through the detector: 1 rejected, scrapped' };
    const before = core.lastSequence;
    expect((await failure(core.call('hold.release', { ...release, supervisorBadge: badgeOf('sewing'), supervisorPin: TEST_PIN }))).code).toBe('unauthenticated');
    expect(await failure(core.call('hold.release', { ...release, results: [{ workOrderId: sew.id, passedQty: 5, rejectedQty: 0 }], supervisorBadge: badgeOf('sewing', true), supervisorPin: TEST_PIN }))).toMatchObject({
      refusal: 'hold_results_mismatch',
    });
    expect(core.lastSequence).toBe(before);

    await core.call('hold.release', { ...release, supervisorBadge: badgeOf('sewing', true), supervisorPin: TEST_PIN });
    expect(await since(core, before)).toEqual([
      { type: 'hold.released', operatorId: 'OP-SEW1', payload: { holdId: report.eventId, supervisorId: 'OP-SEWSV', results: release.results, note: release.note } },
    ]);
    expect(core.view().holds).toEqual([]);
    expect(core.state.workOrder[sew.id]).toMatchObject({ heldQty: 0, scrappedQty: 1 });
  });
});
