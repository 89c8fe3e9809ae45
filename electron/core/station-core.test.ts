import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newWorkOrderDoc } from '../../shared/docs';
import { fanOut, workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { PIN_GUARD_FILE } from './pin-guard';
import { StationCore } from './station-core';
import { TEST_PIN, badgeOf, failure, openTestStation, rosterDocuments, stationConfig, tempDir } from './testing';

const M = mo(1, { route: 'R2', quantity: 50 });
const CUT = workOrderIdFor(M.id, 'cutting');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function station(department: Parameters<typeof openTestStation>[0], dir?: string) {
  const t = dir ? { dir, cleanup: () => undefined } : tempDir();
  const core = await openTestStation(department, t.dir, [M]);
  cleanups.push(t.cleanup, () => core.close());
  return { core, dir: t.dir };
}

const cutAction = (qty: number) => ({ type: 'cutting.output' as const, payload: { workOrderId: CUT, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: qty } });

describe('station core', () => {
  it('needs a badge + PIN login before recording, and rejects a wrong PIN', async () => {
    const { core } = await station('cutting');
    expect((await failure(core.call('action.record', { action: cutAction(5) }))).code).toBe('unauthenticated');
    expect((await failure(core.call('session.login', { badge: badgeOf('cutting'), pin: '9999' }))).code).toBe('unauthenticated');
    expect((await failure(core.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN }))).code).toBe('unauthenticated');
    const s = await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    expect(s.operatorId).toBe('OP-CUT1');
    const ack = await core.call('action.record', { action: cutAction(5) });
    expect(ack.seq).toBe(2); // 1 was the login
    expect(core.state.workOrder[CUT]?.stageQty.cut).toBe(5);
  });

  it('login and logout answer with the ack of the event they recorded (logout without a session records nothing)', async () => {
    const { core } = await station('cutting');
    expect(await core.call('session.logout', {})).toEqual({ ok: true, ack: null });
    const s = await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    expect(s.ack.seq).toBe(1);
    const login = (await core.eventsAfter(0)).find((e) => e.id === s.ack.eventId);
    expect(login?.type).toBe('operator.login');
    const out = await core.call('session.logout', {});
    expect(out.ack?.seq).toBe(2);
    expect((await core.eventsAfter(0)).find((e) => e.id === out.ack?.eventId)?.type).toBe('operator.logout');
    expect(core.lastSequence).toBe(2);
  });

  it('bad input gets a clear error naming the field and records nothing', async () => {
    const { core } = await station('cutting');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const before = core.lastSequence;
    const e = await failure(core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: CUT, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: -3 } } }));
    expect(e.code).toBe('bad_request');
    expect(e.message).toMatch(/goodQty/);
    const unknown = await failure(core.call('action.record', { action: { type: 'cutting.teleport', payload: {} } }));
    expect(unknown.code).toBe('bad_request');
    expect(core.lastSequence).toBe(before);
    expect(await core.eventsAfter(0)).toHaveLength(before);
  });

  it('a refused rule records nothing and says why', async () => {
    const { core } = await station('cutting');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', { action: cutAction(50) });
    const e = await failure(core.call('action.record', { action: cutAction(1) }));
    expect(e).toMatchObject({ code: 'refused', refusal: 'exceeds_planned' });
    expect(await core.eventsAfter(0)).toHaveLength(2);
  });

  it('a retried command with the same event id is recorded once', async () => {
    const { core } = await station('cutting');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const eventId = '01900000-0000-7000-8000-000000000001';
    const a = await core.call('action.record', { action: cutAction(3), eventId });
    const b = await core.call('action.record', { action: cutAction(3), eventId });
    expect(b).toEqual(a);
    expect(core.state.workOrder[CUT]?.stageQty.cut).toBe(3);
  });

  it('commands run one at a time: concurrent calls get consecutive seqs and the rules see each other', async () => {
    const { core } = await station('cutting');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => core.call('action.record', { action: cutAction(5) })));
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(10); // 50 planned / 5 each
    const seqs = ok.map((r) => (r as PromiseFulfilledResult<{ seq: number }>).value.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => i + 2));
  });

  it('everything survives a reopen: events, state, seq and the HLC', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openTestStation('cutting', t.dir, [M]);
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', { action: cutAction(7) });
    const lastHlc = (await core.eventsAfter(0)).at(-1)?.hlc as string;
    await core.close();
    // Reopen with the wall clock set back a day: the HLC still moves forward.
    const again = await StationCore.open(stationConfig('cutting', t.dir), { now: () => Date.now() - 86_400_000 });
    cleanups.push(() => again.close());
    expect(again.state.workOrder[CUT]?.stageQty.cut).toBe(7);
    expect(again.lastSequence).toBe(2);
    expect(again.schemaVersion).toBeGreaterThanOrEqual(1);
    expect(again.integrityCheck()).toBe('ok');
    await again.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    const newest = (await again.eventsAfter(0)).at(-1);
    expect(newest?.seq).toBe(3);
    expect((newest?.hlc ?? '') > lastHlc).toBe(true);
  });

  it('hands over with a signed slip that a station which has not synced can accept offline', async () => {
    const { core: cutting } = await station('cutting');
    const { core: sewing } = await station('sewing');
    // The sewing station knows the cutting station's public key (from the roster/keys it pulled).
    await sewing.seedDocuments([{ kind: 'stationKey', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', publicKey: cutting.keys.publicKeyRaw } }]);
    await cutting.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await cutting.call('action.record', { action: cutAction(20) });
    const { transferId, slip } = await cutting.call('transfer.create', { workOrderId: CUT, quantity: 20 });
    expect(cutting.state.transfer[transferId]?.status).toBe('locked');

    await sewing.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    const scanned = await sewing.call('scan.submit', { data: slip });
    expect(scanned).toMatchObject({ kind: 'transferSlip', verified: true, transferId, quantity: 20 });
    // Tampered slip: refused, nothing recorded.
    const tampered = slip.replace(':20:', ':25:');
    expect(tampered).not.toBe(slip);
    const bad = await failure(sewing.call('transfer.accept', { slip: tampered, countedQty: 25 }));
    expect(bad.code).toBe('refused');
    await sewing.call('transfer.accept', { slip, countedQty: 20 });
    expect(sewing.state.transfer[transferId]).toMatchObject({ status: 'accepted', createdEventId: null });
    expect(sewing.state.workOrder[workOrderIdFor(M.id, 'sewing')]?.receivedQty).toBe(20);
    const again = await failure(sewing.call('transfer.accept', { slip, countedQty: 20 }));
    expect(again.refusal).toBe('transfer_already_accepted');
  });

  it('a supervisor releases a halted line with their own badge and PIN, checked offline', async () => {
    const { core } = await station('finishing');
    await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN });
    const det = await core.recordDevice({ type: 'md.detection', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', metal: 'fe' } });
    expect(core.view().line?.halt?.haltId).toBe(det.eventId);
    const release = { haltId: det.eventId, disposition: 'metal_found' as const, correctiveAction: 'fragment removed, piece destroyed' };
    expect((await failure(core.call('line.release', { ...release, supervisorBadge: badgeOf('finishing'), supervisorPin: TEST_PIN }))).code).toBe('unauthenticated');
    expect((await failure(core.call('line.release', { ...release, supervisorBadge: badgeOf('finishing', true), supervisorPin: '0000' }))).code).toBe('unauthenticated');
    await core.call('line.release', { ...release, supervisorBadge: badgeOf('finishing', true), supervisorPin: TEST_PIN });
    expect(core.view().line?.halt).toBeNull();
  });

  it('subscribers get the view after each commit', async () => {
    const { core } = await station('cutting');
    const seen: number[] = [];
    const off = core.subscribe('view', (v) => seen.push(v.lastSeq));
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', { action: cutAction(2) });
    await new Promise((r) => setImmediate(r));
    off();
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(2);
  });
});

describe('station core: what an operator screen can never do (review fixes)', () => {
  it('refuses to record a release, a sign-off, a handover or a detector reading directly', async () => {
    const { core } = await station('finishing');
    await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN });
    const det = await core.recordDevice({ type: 'md.detection', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', metal: 'fe' } });
    const forged = [
      { type: 'line.released', payload: { lineId: 'LN-FIN-1', haltId: det.eventId, supervisorId: 'OP-FINSV', disposition: 'no_fault_found', correctiveAction: 'none needed at all' } },
      { type: 'md.verification', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', trigger: 'hourly', result: 'pass', pieces: [{ metal: 'fe', sizeMm: 1, pieceId: 'TP1', detected: true }] } },
      { type: 'md.pass', payload: { lineId: 'LN-FIN-1', workOrderId: workOrderIdFor(M.id, 'finishing'), deviceId: 'MD01', count: 1 } },
    ];
    for (const action of forged) {
      const e = await failure(core.call('action.record', { action }));
      expect(e.code).toBe('bad_request');
    }
    expect(core.view().line?.halt?.haltId).toBe(det.eventId);
  });

  it('a replaced station PC never reuses a seq the server already holds', async () => {
    const { core } = await station('cutting');
    // The server's progress for this station (pulled): seqs up to 6 were recorded by the PC this one replaces.
    await core.seedDocuments([{ kind: 'stationProgress', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', lastAppliedSeq: 6 } }]);
    const login = await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    expect(login.operatorId).toBe('OP-CUT1');
    const ack = await core.call('action.record', { action: cutAction(7) });
    expect(ack.seq).toBe(8);
    expect(core.pendingCount).toBe(2);
    expect(core.state.workOrder[CUT]?.stageQty.cut).toBe(7);
  });

  it('retrying transfer.create returns the transfer that was created, not a new one', async () => {
    const { core } = await station('cutting');
    await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await core.call('action.record', { action: cutAction(20) });
    const eventId = '01900000-0000-7000-8000-0000000000aa';
    const a = await core.call('transfer.create', { workOrderId: CUT, quantity: 20, eventId });
    const b = await core.call('transfer.create', { workOrderId: CUT, quantity: 20, eventId });
    expect(b.transferId).toBe(a.transferId);
    expect(b.ack).toEqual(a.ack);
    expect(Object.keys(core.state.transfer)).toEqual([a.transferId]);
  });

  it("does not trust a revoked station's transfer slip", async () => {
    const { core: cutting } = await station('cutting');
    const { core: sewing } = await station('sewing');
    await sewing.seedDocuments([{ kind: 'stationKey', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', publicKey: cutting.keys.publicKeyRaw, revokedAt: '2026-11-20T00:00:00.000Z' } }]);
    await cutting.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
    await cutting.call('action.record', { action: cutAction(10) });
    const { slip } = await cutting.call('transfer.create', { workOrderId: CUT, quantity: 10 });
    await sewing.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    expect(await sewing.call('scan.submit', { data: slip })).toMatchObject({ kind: 'transferSlip', verified: false });
    expect((await failure(sewing.call('transfer.accept', { slip, countedQty: 10 }))).code).toBe('refused');
  });
});

describe('station core: PIN guessing is bounded without a lock-out weapon (issue 10)', () => {
  const WRONG = '000000';
  /** A clock the test moves; the core's HLC reads it too. */
  const clock = () => {
    let t = Date.parse('2026-12-01T08:00:00Z');
    return { now: () => t, advance: (ms: number) => void (t += ms) };
  };
  const halted = async (core: StationCore) => {
    const det = await core.recordDevice({ type: 'md.detection', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', metal: 'fe' } });
    return { haltId: det.eventId, disposition: 'metal_found' as const, correctiveAction: 'fragment removed, piece destroyed' };
  };

  it('the supervisor releases from the station screen while other connections hammer their badge', async () => {
    const { core } = await station('finishing');
    const screen = { connection: 'screen-station' };
    await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN }, screen);
    const release = await halted(core);
    // The attacker: one connection hammering, and a new connection for every further guess.
    const answers: string[] = [];
    for (let i = 0; i < 40; i++) {
      const e = await failure(core.call('line.release', { ...release, supervisorBadge: badgeOf('finishing', true), supervisorPin: WRONG }, { connection: i < 20 ? 'attacker' : `attacker-${i}` }));
      answers.push(e.message);
    }
    expect(answers.filter((m) => /not recognised/.test(m)).length).toBeLessThanOrEqual(10);
    expect(answers.filter((m) => /too many wrong PINs/.test(m)).length).toBeGreaterThanOrEqual(30);
    // The supervisor at the screen the line's operator logged in on.
    await core.call('line.release', { ...release, supervisorBadge: badgeOf('finishing', true), supervisorPin: TEST_PIN }, screen);
    expect(core.view().line?.halt).toBeNull();
  });

  it('guessing at one badge from ever new connections stays within 10 a minute and 60 an hour, across a restart', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const c = clock();
    let core = await openTestStation('cutting', t.dir, [M], { now: c.now });
    const checked: number[] = []; // times at which a guess reached the PIN hash
    const throttled = new Set<string>();
    const STEP = 2_000;
    const END = 150 * 60_000; // two and a half hours, one guess every 2 s
    const start = c.now();
    for (let i = 0; c.now() - start < END; i++) {
      if (i === 2100) {
        // Halfway through its second hour the core restarts (a kill, a power cut): the count must survive it.
        await core.close();
        core = await StationCore.open(stationConfig('cutting', t.dir), { now: c.now, devMode: true });
      }
      const e = await failure(core.call('session.login', { badge: badgeOf('cutting', true), pin: WRONG }, { connection: `guesser-${i}` }));
      if (/not recognised/.test(e.message)) checked.push(c.now());
      else throttled.add(e.message.replace(/\d+ s$/, 'N s'));
      c.advance(STEP);
    }
    cleanups.push(() => core.close());
    const most = (windowMs: number) => Math.max(...checked.map((from) => checked.filter((x) => x >= from && x < from + windowMs).length));
    expect(most(60_000)).toBeLessThanOrEqual(10);
    expect(most(3_600_000)).toBeLessThanOrEqual(60);
    // Not vacuous: the attacker did get (about) the stated budget, and no more.
    expect(checked.length).toBeGreaterThanOrEqual(120);
    expect(checked.length).toBeLessThanOrEqual(180);
    expect([...throttled]).toEqual(['too many wrong PINs for this badge: try again in N s']);
  }, 60_000);

  it('a restart clears nothing: a spent budget stays spent, and a throttled attempt is not even checked', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const c = clock();
    const core = await openTestStation('cutting', t.dir, [M], { now: c.now });
    for (let i = 0; i < 10; i++) await failure(core.call('session.login', { badge: badgeOf('cutting', true), pin: WRONG }, { connection: `g-${i}` }));
    await core.close();
    c.advance(5_000);
    const again = await StationCore.open(stationConfig('cutting', t.dir), { now: c.now });
    cleanups.push(() => again.close());
    // Even the right PIN is refused unseen while the budget is spent (answering it would confirm a guess).
    const e = await failure(again.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN }, { connection: 'fresh' }));
    expect(e.message).toMatch(/too many wrong PINs for this badge: try again in 55 s/);
    c.advance(55_000);
    expect((await again.call('session.login', { badge: badgeOf('cutting', true), pin: TEST_PIN }, { connection: 'fresh' })).operatorId).toBe('OP-CUTSV');
    // The record is the station's own business: owner-only, and holds no PIN.
    const file = join(t.dir, PIN_GUARD_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(`"${WRONG}"`);
    expect(readFileSync(file, 'utf8')).not.toContain(TEST_PIN);
  });

  it('a screen that keeps mistyping slows itself down, not the other screens', async () => {
    const c = clock();
    const t = tempDir();
    cleanups.push(t.cleanup);
    const core = await openTestStation('finishing', t.dir, [M], { now: c.now });
    cleanups.push(() => core.close());
    const other = { connection: 'screen-2' };
    await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN }, other);
    const mistyper = { connection: 'screen-1' };
    for (let i = 0; i < 4; i++) {
      expect((await failure(core.call('session.login', { badge: badgeOf('finishing'), pin: WRONG }, mistyper))).message).toMatch(/not recognised/);
    }
    // The fourth wrong PIN in a row on that screen: it waits a second before its next try, right PIN or not.
    expect((await failure(core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN }, mistyper))).message).toMatch(/on this screen: wait 1 s/);
    expect((await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN }, other)).operatorId).toBe('OP-FIN1');
    c.advance(1_000);
    expect((await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN }, mistyper)).operatorId).toBe('OP-FIN1');
  });

  it('shows a QT-09 conflict its department is a side of, and only a supervisor settles it', async () => {
    const { core } = await station('sewing');
    const SEW = workOrderIdFor(M.id, 'sewing');
    const FIN = workOrderIdFor(M.id, 'finishing');
    const transferId = '01936f5e-0000-7000-8000-000000000001';
    const transfer = {
      kind: 'transfer', id: transferId, moId: M.id, workOrderId: SEW, toWorkOrderId: FIN, articleCode: M.articleCode, quantity: 10, from: 'sewing', to: 'finishing',
      receivingDepartment: 'finishing', fromStationId: 'ST-SEW-2', status: 'disputed', senderDebited: false, createdEventId: null, createdBy: null, createdAt: null,
      countedQty: null, discrepancyReason: null, acceptedEventId: null, acceptedBy: null, acceptedStationId: null, acceptedAt: null, slip: null,
    };
    const conflict = {
      kind: 'conflict', id: transferId, type: 'competing_claim', moId: M.id, workOrderId: SEW, toWorkOrderId: FIN, quantity: 10, from: 'sewing', receivingDepartment: 'finishing',
      claim: { eventId: '01936f5e-0000-7000-8000-000000000002', type: 'transfer.created', stationId: 'ST-SEW-2', operatorId: 'OP-SEW1', at: '0000000000000:00000:ST-SEW-2', fromStationId: 'ST-SEW-2' },
      holders: [], readyAtClaim: 0, parked: [], status: 'open', resolution: null, raisedAt: '0000000000000:00000:ST-SEW-2',
    };
    await core.seedDocuments([{ kind: 'transfer', id: transferId, body: transfer }, { kind: 'conflict', id: transferId, body: conflict }]);
    expect(core.view().conflicts.map((c) => c.id)).toEqual([transferId]);
    await core.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    const settle = { conflictId: transferId, decision: 'void' as const, note: 'the same pieces were on two slips' };
    // Not through action.record, not with an operator's badge.
    const direct = await failure(core.call('action.record', { action: { type: 'conflict.resolved', payload: { ...settle, supervisorId: 'OP-SEWSV' } } }));
    expect(direct.code).toBe('bad_request');
    const asOperator = await failure(core.call('conflict.resolve', { ...settle, supervisorBadge: badgeOf('sewing'), supervisorPin: TEST_PIN }));
    expect(asOperator.code).toBe('unauthenticated');
    expect(core.view().conflicts).toHaveLength(1);
    await core.call('conflict.resolve', { ...settle, supervisorBadge: badgeOf('sewing', true), supervisorPin: TEST_PIN });
    expect(core.view().conflicts).toEqual([]);
    expect(core.state.transfer[transferId]?.status).toBe('void');
    expect(core.state.conflict[transferId]?.resolution).toMatchObject({ decision: 'void', by: 'OP-SEWSV' });
  });

  it('a failed open (a damaged seed file) leaves nothing held: the same directory opens again in this process', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const seedFile = join(t.dir, 'seed.json');
    writeFileSync(seedFile, JSON.stringify({ documents: [{ kind: '', id: 'x', body: {} }] }));
    await expect(StationCore.open(stationConfig('cutting', t.dir, { seedFile }))).rejects.toThrow(/seed file/);
    // Before: the database and the data directory's writer lock stayed held, so this second open was refused.
    const core = await StationCore.open(stationConfig('cutting', t.dir));
    cleanups.push(() => core.close());
    expect(core.lastSequence).toBe(0);
  });
});

describe('station core: closing an order at packing (issue 12)', () => {
  const PCK = workOrderIdFor(M.id, 'packing');
  const workOrder = (place: 'finishing' | 'packing') => {
    const wo = fanOut(M).find((w) => w.place === place);
    if (!wo) throw new Error(`no ${place} work order`);
    return newWorkOrderDoc(wo);
  };

  it('refuses completion while the station sees pieces upstream; only a supervisor closes it short, with a reason', async () => {
    const { core } = await station('packing');
    const fin = workOrder('finishing');
    const pck = workOrder('packing');
    await core.seedDocuments([
      // 50 came in at finishing, 5 scrapped, 30 handed to packing: 15 are still at finishing.
      { kind: 'workOrder', id: fin.id, body: { ...fin, receivedQty: 50, scrappedQty: 5, sentQty: 30, stageQty: { stuffing: 45, closing: 45, grooming: 45, metal_detected: 45, converted: 30 } } },
      { kind: 'workOrder', id: pck.id, body: { ...pck, receivedQty: 30, stageQty: { sorted: 30, packed: 30 }, cartons: ['012345670000000015'], finalInspection: 'pass' } },
    ]);
    await core.call('session.login', { badge: badgeOf('packing'), pin: TEST_PIN });
    const done = await failure(core.call('action.record', { action: { type: 'packing.completed', payload: { workOrderId: PCK } } }));
    expect(done).toMatchObject({ code: 'refused', refusal: 'pieces_upstream' });
    expect(done.message).toMatch(/15 at finishing/);

    // Not through action.record, not with an operator's badge, not without a reason.
    const direct = await failure(core.call('action.record', { action: { type: 'packing.shortClosed', payload: { workOrderId: PCK, supervisorId: 'OP-PCKSV', reason: 'ship week closes' } } }));
    expect(direct.code).toBe('bad_request');
    const close = { workOrderId: PCK, reason: 'ship week closes; the rest follows on the next order' };
    expect((await failure(core.call('packing.shortClose', { ...close, supervisorBadge: badgeOf('packing'), supervisorPin: TEST_PIN }))).code).toBe('unauthenticated');
    expect((await failure(core.call('packing.shortClose', { ...close, reason: '', supervisorBadge: badgeOf('packing', true), supervisorPin: TEST_PIN }))).code).toBe('bad_request');
    expect(core.state.workOrder[PCK]?.status).not.toBe('closed');

    const ack = await core.call('packing.shortClose', { ...close, supervisorBadge: badgeOf('packing', true), supervisorPin: TEST_PIN });
    expect(core.state.workOrder[PCK]).toMatchObject({
      status: 'closed',
      shortClose: { by: 'OP-PCKSV', reason: close.reason, eventId: ack.eventId, plannedQty: 50, packedQty: 30, shortQty: 20, upstreamQty: 15, inTransitQty: 0 },
    });
    // Recorded in the logged-in operator's session, signed by the supervisor.
    const recorded = (await core.eventsAfter(ack.seq - 1)).find((e) => e.id === ack.eventId);
    expect(recorded).toMatchObject({ type: 'packing.shortClosed', operatorId: 'OP-PCK1', payload: { supervisorId: 'OP-PCKSV' } });
  });
});

describe('station core: an alert from raised to closed (issue 12)', () => {
  it('the operator acknowledges; investigating and closing take a supervisor\'s or QC inspector\'s own badge + PIN; the screen shows the status', async () => {
    const { core } = await station('finishing');
    // A QC inspector of finishing on the roster, with the test PIN.
    const pinHash = (await rosterDocuments()).find((d) => d.kind === 'operator')?.body.pinHash;
    await core.seedDocuments([{ kind: 'operator', id: 'OP-FINQC', body: { id: 'OP-FINQC', name: 'finishing QC', roles: ['qc_inspector'], departments: ['finishing'], pinHash, active: true } }]);
    const fault = await core.recordDevice({ type: 'md.fault', payload: { lineId: 'LN-FIN-1', deviceId: 'MD01', bits: 4, description: 'reject flap slow' } });
    const shown = () => core.view().alerts.find((a) => a.id === fault.eventId);
    expect(shown()).toMatchObject({ type: 'detector_fault', status: 'raised' });

    expect((await failure(core.call('alert.acknowledge', { alertId: fault.eventId }))).code).toBe('unauthenticated');
    await core.call('session.login', { badge: badgeOf('finishing'), pin: TEST_PIN });
    await core.call('alert.acknowledge', { alertId: fault.eventId, note: 'flap sticks' });
    expect(shown()).toMatchObject({ status: 'acknowledged', steps: [{ status: 'acknowledged', by: 'OP-FIN1', note: 'flap sticks' }] });

    // Not through action.record, not with an operator's badge.
    const direct = await failure(core.call('action.record', { action: { type: 'alert.closed', payload: { alertId: fault.eventId, signedBy: 'OP-FINSV', note: 'fixed it' } } }));
    expect(direct.code).toBe('bad_request');
    const investigate = { alertId: fault.eventId, note: 'checking the reject flap' };
    expect((await failure(core.call('alert.investigate', { ...investigate, supervisorBadge: badgeOf('finishing'), supervisorPin: TEST_PIN }))).code).toBe('unauthenticated');
    await core.call('alert.investigate', { ...investigate, supervisorBadge: 'B:OP-FINQC', supervisorPin: TEST_PIN });
    expect(shown()).toMatchObject({ status: 'investigating' });
    const closed = await core.call('alert.close', { alertId: fault.eventId, note: 'flap cleaned, test pieces rejected', supervisorBadge: badgeOf('finishing', true), supervisorPin: TEST_PIN });
    expect(shown()).toBeUndefined();
    expect(core.state.alert[fault.eventId]).toMatchObject({
      status: 'closed',
      closedEventId: closed.eventId,
      closedBecause: 'closed_by_hand',
      steps: [{ by: 'OP-FIN1' }, { status: 'investigating', by: 'OP-FINQC' }, { status: 'closed', by: 'OP-FINSV', note: 'flap cleaned, test pieces rejected' }],
    });
  });
});
