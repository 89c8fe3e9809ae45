/**
 * Sessions at the station core beyond one operator's login and logout: another operator logging in over a live
 * session ends it first (its running clocks paused, its logout recorded as `replaced`, each on disk before B's login),
 * and the last session outlives a core restart (restored from the station's own event log when its operator was
 * active within the idle time and is still on the roster; otherwise its running clocks are paused by an idle expiry
 * recorded shortly after open). Real SQLite files, a clock the test moves, the core closed and opened again on the
 * same data directory (the kill -9 case is tests/fault/session-restart.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../shared/api';
import type { FloorEvent } from '../../shared/events';
import { workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from './station-core';
import { TEST_PIN, badgeOf, failure, orderDocuments, rosterDocuments, stationConfig, tempDir, testClock } from './testing';

const A = mo(1, { route: 'R2', quantity: 50 });
const B = mo(2, { route: 'R2', quantity: 30 });
const CUT_A = workOrderIdFor(A.id, 'cutting');
const CUT_B = workOrderIdFor(B.id, 'cutting');
const MIN = 60_000;
const IDLE = 10 * MIN;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A station on its own data directory, opened again with `reopen` (the previous core closed first). */
async function station(department: Department, now: () => number) {
  const t = tempDir('qsf-session-');
  const config = stationConfig(department, t.dir, { sessionIdleMs: IDLE });
  let core = await StationCore.open(config, { devMode: true, now });
  cleanups.push(t.cleanup, () => core.close());
  await core.seedDocuments([...(await rosterDocuments()), ...orderDocuments([A, B])]);
  return {
    get core() {
      return core;
    },
    async reopen() {
      await core.close();
      core = await StationCore.open(config, { devMode: true, now });
      return core;
    },
  };
}

const start = (workOrderId: string) => ({ action: { type: 'labour.started' as const, payload: { workOrderId } } });
/** What a logout of OP-CUT1 records: each running clock paused, then the logout. */
const pausedAtLogout = (workOrderId: string) => ({ type: 'labour.paused', operatorId: 'OP-CUT1', payload: { workOrderId, reason: 'logout' } });
const loggedOut = (reason: string) => ({ type: 'operator.logout', operatorId: 'OP-CUT1', payload: { reason } });

/** OP-CUT1 logged in at a cutting station, their clock running on `workOrders`. */
async function working(...workOrders: string[]) {
  const c = testClock();
  const s = await station('cutting', c.now);
  await s.core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
  for (const wo of workOrders) await s.core.call('action.record', start(wo));
  return { c, s };
}
/** Own events after `seq`, as type + operator + payload (what the server receives). */
const since = async (core: StationCore, seq: number) => (await core.eventsAfter(seq)).map((e: FloorEvent) => ({ type: e.type, operatorId: e.operatorId, payload: e.payload }));
const clockOf = (core: StationCore, wo: string, op: string) => core.state.workOrder[wo]?.labour?.[op];

/** Waits (real time) until the core recorded past `seq`, at most 5 s. */
async function recordedPast(core: StationCore, seq: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (core.lastSequence === seq && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

describe('another operator logging in over a live session', () => {
  it('pauses the first operator\'s running clocks and records their logout as replaced, before the new login', async () => {
    const { c, s } = await working(CUT_A, CUT_B);
    c.advance(8 * MIN);
    const before = s.core.lastSequence;
    const login = await s.core.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN });

    expect(await since(s.core, before)).toEqual([
      pausedAtLogout(CUT_A),
      pausedAtLogout(CUT_B),
      loggedOut('replaced'),
      { type: 'operator.login', operatorId: 'OP-CUTSV', payload: { method: 'badge_pin' } },
    ]);
    expect(login.ack.seq).toBe(before + 4);
    expect(clockOf(s.core, CUT_A, 'OP-CUT1')).toEqual({ state: 'paused', runningSince: null, workedMs: 8 * MIN });
    expect(clockOf(s.core, CUT_B, 'OP-CUT1')).toEqual({ state: 'paused', runningSince: null, workedMs: 8 * MIN });
    expect(s.core.view().operator?.operatorId).toBe('OP-CUTSV');
    // Everything B records from now on is B's.
    await s.core.call('action.record', start(CUT_A));
    expect(clockOf(s.core, CUT_A, 'OP-CUTSV')?.state).toBe('running');
    expect(clockOf(s.core, CUT_A, 'OP-CUT1')?.state).toBe('paused');
  });

  it('a wrong PIN, an unknown badge or an operator of another department changes nothing for the operator logged in', async () => {
    const { s } = await working(CUT_A);
    const before = s.core.lastSequence;
    expect((await failure(s.core.call('session.login', { badge: badgeOf('cutting', true), pin: '999999' }))).code).toBe('unauthenticated');
    expect((await failure(s.core.call('session.login', { badge: 'B:OP-NOBODY', pin: TEST_PIN }))).code).toBe('unauthenticated');
    expect((await failure(s.core.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN }))).code).toBe('unauthenticated');
    expect(s.core.lastSequence).toBe(before);
    expect(s.core.view().operator?.operatorId).toBe('OP-CUT1');
    expect(clockOf(s.core, CUT_A, 'OP-CUT1')?.state).toBe('running');
  });

  it('an operator deactivated during their session does not keep the next one out: their logout, which the rules refuse, is logged instead', async () => {
    const logged: string[] = [];
    const c = testClock();
    const t = tempDir('qsf-session-');
    const core = await StationCore.open(stationConfig('cutting', t.dir, { sessionIdleMs: IDLE }), { devMode: true, now: c.now, log: (msg) => logged.push(msg) });
    cleanups.push(t.cleanup, () => core.close());
    const roster = await rosterDocuments();
    await core.seedDocuments([...roster, ...orderDocuments([A, B])]);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const op = roster.find((d) => d.kind === 'operator' && d.id === 'OP-CUT1');
    if (!op) throw new Error('no OP-CUT1 in the roster');
    await core.seedDocuments([{ ...op, body: { ...op.body, active: false } }]);
    const before = core.lastSequence;
    await core.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN });
    expect((await since(core, before)).map((e) => `${e.type} ${e.operatorId}`)).toEqual(['operator.login OP-CUTSV']);
    expect(core.view().operator?.operatorId).toBe('OP-CUTSV');
    expect(logged).toContain('logout of the replaced session not recorded');
  });

  it('the same operator logging in again only records the login: their clocks run on', async () => {
    const { s } = await working(CUT_A);
    const before = s.core.lastSequence;
    await s.core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    expect(await since(s.core, before)).toEqual([{ type: 'operator.login', operatorId: 'OP-CUT1', payload: { method: 'badge_pin' } }]);
    expect(clockOf(s.core, CUT_A, 'OP-CUT1')?.state).toBe('running');
  });

  it('`replaced` is the core\'s own reason: a screen cannot log out with it', async () => {
    expect(COMMANDS['session.logout'].params.safeParse({ reason: 'replaced' }).success).toBe(false);
    const { s } = await working();
    const before = s.core.lastSequence;
    expect((await failure(s.core.call('session.logout', { reason: 'replaced' } as never))).code).toBe('bad_request');
    expect(s.core.lastSequence).toBe(before);
    expect(s.core.view().operator?.operatorId).toBe('OP-CUT1');
  });
});

describe('the session across a station core restart', () => {
  it('an operator active within the idle time is logged in again at open, clock running, nothing recorded; the screen shows them', async () => {
    const { c, s } = await working();
    c.advance(7 * MIN);
    // The last activity is this start, not the login: counted from the login the session would be idle at reopen.
    await s.core.call('action.record', start(CUT_A));
    const before = s.core.lastSequence;
    c.advance(IDLE - MIN);

    const core = await s.reopen();
    expect(core.view().operator).toEqual({ operatorId: 'OP-CUT1', name: 'cutting operator', roles: ['operator'] });
    const views: (string | null)[] = [];
    core.subscribe('view', (v) => views.push(v.operator?.operatorId ?? null));
    expect(views).toEqual(['OP-CUT1']);
    await new Promise((r) => setTimeout(r, 100));
    expect(core.lastSequence).toBe(before);
    expect(clockOf(core, CUT_A, 'OP-CUT1')?.state).toBe('running');
    // They go on working without logging in again, and their session keeps its idle time from the last activity.
    await core.call('action.record', start(CUT_B));
    c.advance(5 * MIN);
    await core.call('session.logout', {});
    expect(await since(core, before)).toEqual([
      { type: 'labour.started', operatorId: 'OP-CUT1', payload: { workOrderId: CUT_B } },
      pausedAtLogout(CUT_A),
      pausedAtLogout(CUT_B),
      loggedOut('manual'),
    ]);
  });

  it('the last activity is found behind more than a page of other events (device events recorded after it)', async () => {
    const { c, s } = await working(CUT_A);
    c.advance(4 * MIN);
    await s.core.call('action.record', start(CUT_B));
    for (let i = 0; i < 250; i++) await s.core.recordDevice({ type: 'md.powerOn', payload: { lineId: 'LN-CUT-1', deviceId: 'MD-1' } });
    const before = s.core.lastSequence;
    // Within the idle time of the start on B, not of the login.
    c.advance(IDLE - 2 * MIN);
    const core = await s.reopen();
    expect(core.view().operator?.operatorId).toBe('OP-CUT1');
    await new Promise((r) => setTimeout(r, 100));
    expect(core.lastSequence).toBe(before);
  });

  it('a restored session still expires on the idle timer, counted from the last activity before the restart', async () => {
    const { c, s } = await working(CUT_A);
    const before = s.core.lastSequence;
    c.advance(IDLE - MIN);
    const core = await s.reopen();
    expect(core.view().operator?.operatorId).toBe('OP-CUT1');
    c.advance(2 * MIN);
    expect((await failure(core.call('action.record', start(CUT_B)))).code).toBe('unauthenticated');
    expect(await since(core, before)).toEqual([
      pausedAtLogout(CUT_A),
      loggedOut('timeout'),
    ]);
  });

  it('a station clock set back a day while the core was down: the restored session still expires within the idle time of the reopen', async () => {
    const { c, s } = await working(CUT_A);
    const before = s.core.lastSequence;
    c.advance(-24 * 60 * MIN);
    const core = await s.reopen();
    expect(core.view().operator?.operatorId).toBe('OP-CUT1');
    c.advance(IDLE + MIN);
    expect((await failure(core.call('action.record', start(CUT_B)))).code).toBe('unauthenticated');
    expect(await since(core, before)).toEqual([pausedAtLogout(CUT_A), loggedOut('timeout')]);
  });

  it('an operator idle longer than the idle time is not logged in: their running clocks are paused by a timeout logout shortly after open', async () => {
    const { c, s } = await working(CUT_A, CUT_B);
    c.advance(3 * MIN);
    await s.core.call('action.record', { action: { type: 'labour.paused', payload: { workOrderId: CUT_B, reason: 'break' } } });
    const before = s.core.lastSequence;
    c.advance(IDLE + MIN);

    const core = await s.reopen();
    expect(core.view().operator).toBeNull();
    await recordedPast(core, before);
    expect(await since(core, before)).toEqual([
      pausedAtLogout(CUT_A),
      loggedOut('timeout'),
    ]);
    expect(clockOf(core, CUT_A, 'OP-CUT1')?.state).toBe('paused');
    expect(clockOf(core, CUT_B, 'OP-CUT1')).toEqual({ state: 'paused', runningSince: null, workedMs: 3 * MIN });
    expect((await failure(core.call('action.record', start(CUT_A)))).code).toBe('unauthenticated');
    // Once: opening again records nothing more.
    const after = core.lastSequence;
    const again = await s.reopen();
    await new Promise((r) => setTimeout(r, 100));
    expect(again.lastSequence).toBe(after);
    expect(again.view().operator).toBeNull();
  });

  it('a command sent at once after open waits for that expiry: it never runs in the idle operator\'s name', async () => {
    const { c, s } = await working(CUT_A);
    const before = s.core.lastSequence;
    c.advance(IDLE + MIN);
    const core = await s.reopen();
    await core.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN });
    expect((await since(core, before)).map((e) => `${e.type} ${e.operatorId}`)).toEqual(['labour.paused OP-CUT1', 'operator.logout OP-CUT1', 'operator.login OP-CUTSV']);
  });

  it('an operator idle too long without a running clock: nothing is recorded and nobody is logged in', async () => {
    const { c, s } = await working();
    const before = s.core.lastSequence;
    c.advance(IDLE + MIN);
    const core = await s.reopen();
    await new Promise((r) => setTimeout(r, 100));
    expect(core.lastSequence).toBe(before);
    expect(core.view().operator).toBeNull();
  });

  it('after a logout (by hand or replaced) nobody is restored', async () => {
    const { s } = await working();
    await s.core.call('session.logout', {});
    let core = await s.reopen();
    expect(core.view().operator).toBeNull();
    // Replaced, then the new operator is the one restored.
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN });
    core = await s.reopen();
    expect(core.view().operator?.operatorId).toBe('OP-CUTSV');
  });

  it('an operator deactivated meanwhile is not restored', async () => {
    const { s } = await working();
    const before = s.core.lastSequence;
    const roster = await rosterDocuments();
    const op = roster.find((d) => d.kind === 'operator' && d.id === 'OP-CUT1');
    if (!op) throw new Error('no OP-CUT1 in the roster');
    await s.core.seedDocuments([{ ...op, body: { ...op.body, active: false } }]);
    const core = await s.reopen();
    expect(core.view().operator).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(core.lastSequence).toBe(before);
  });

  it('an operator moved to another department meanwhile is not restored at this station', async () => {
    const { s } = await working();
    const roster = await rosterDocuments();
    const op = roster.find((d) => d.kind === 'operator' && d.id === 'OP-CUT1');
    if (!op) throw new Error('no OP-CUT1 in the roster');
    await s.core.seedDocuments([{ ...op, body: { ...op.body, departments: ['sewing'] } }]);
    const core = await s.reopen();
    expect(core.view().operator).toBeNull();
  });

  it('a login whose write failed is not taken for the last session (the earlier logout stands)', async () => {
    const { s } = await working();
    await s.core.call('session.logout', {});
    // The next insert fails as a full disk would: the login is not on disk.
    const events = s.core.replicationCollections().events;
    const insert = events.insert.bind(events);
    events.insert = () => Promise.reject(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }));
    expect((await failure(s.core.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN }))).code).toBe('internal');
    events.insert = insert;
    const core = await s.reopen();
    expect(core.view().operator).toBeNull();
  });
});
