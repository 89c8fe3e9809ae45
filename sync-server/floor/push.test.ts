import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { importPrivateKeyPkcs8, signTransferSlip } from '../../shared/barcode';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department } from '../../shared/master';
import { cuttingOutput, EventFactory, lineOf, mo, operatorOf, stationOf, supervisorOf } from '../../shared/testing/fixtures';
import { RefusalDocument } from '../../shared/refusal';
import type { PullResponse, PushResponse } from '../../shared/sync';
import { derivedEventId } from './parse-batch';
import { appForFile, enrollStation, pushAs, storedBody, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const stations = new Map<string, EnrolledStation>();
const M = mo(1, { route: 'R1', quantity: 100 });
const W = (d: Department | 'subcon') => workOrderIdFor(M.id, d);
const f = new EventFactory(() => Date.now());

beforeAll(async () => {
  for (const [d, code] of [['cutting', 'CUT'], ['embroidery', 'EMB'], ['sewing', 'SEW']] as const) {
    stations.set(stationOf(d), await enrollStation(server.app, `ST-${code}-1`, d));
    const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' } });
    expect(op.statusCode).toBe(201);
  }
  stations.set('ST-EMB-2', await enrollStation(server.app, 'ST-EMB-2', 'embroidery'));
  const sup = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: supervisorOf('embroidery'), name: 'sup', roles: ['supervisor'], departments: ['embroidery'], pin: '246802' } });
  expect(sup.statusCode).toBe(201);
  const created = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M });
  expect(created.statusCode).toBe(201);
});

const push = (stationId: string, events: unknown[]) => pushAs(server.app, stations.get(stationId), events);
const doc = <T>(kind: string, id: string) => storedBody<T>(server.db, kind, id);
const cut = (qty: number): FloorEvent => f.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W('cutting'), qty));

describe(`push (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('applies events with the shared rules, idempotently, and keeps refusals with their reason', async () => {
    const a = cut(60);
    const b = cut(50); // 110 > 100 planned: refused
    const c = cut(40);
    const res = await push('ST-CUT-1', [a, b, c]);
    expect(res.statusCode).toBe(200);
    const body = res.json<PushResponse>();
    expect(body.results.map((r) => r.status)).toEqual(['applied', 'refused', 'applied']);
    expect(body.results[1]?.refusal?.code).toBe('exceeds_planned');
    expect(body.lastAppliedSeq).toBe(c.seq);
    expect((await doc<{ stageQty: { cut: number } }>('workOrder', W('cutting')))?.stageQty.cut).toBe(100);
    // The refused event is stored with its reason, and a refusal document goes back to the station.
    const [stored] = await server.db.query<{ status: string; refusal: { code: string } }>('SELECT status, refusal FROM events WHERE id = $1', [b.id]);
    expect(stored).toMatchObject({ status: 'refused', refusal: { code: 'exceeds_planned' } });
    expect(await doc('refusal', b.id)).toMatchObject({ code: 'exceeds_planned', seq: b.seq });

    // The same batch again: same answers, nothing applied twice.
    const again = (await push('ST-CUT-1', [a, b, c])).json<PushResponse>();
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.results[1]?.refusal?.code).toBe('exceeds_planned');
    expect((await doc<{ stageQty: { cut: number } }>('workOrder', W('cutting')))?.stageQty.cut).toBe(100);
    expect(await doc('stationProgress', 'ST-CUT-1')).toMatchObject({ lastAppliedSeq: c.seq });
  });

  it('a station pushes only in its own name, only events with a usable envelope, only in seq order', async () => {
    const foreign = f.event('ST-SEW-1', operatorOf('sewing'), { type: 'spk.received', payload: { workOrderId: W('sewing') } });
    const r1 = await push('ST-CUT-1', [foreign]);
    expect(r1.statusCode).toBe(403);
    const skipped = cut(1);
    const afterGap = cut(1);
    // An envelope the server cannot place in the station's order (no integer seq): rejected whole, naming the field.
    const bad = { ...skipped, seq: 1.5 };
    const r2 = await push('ST-CUT-1', [bad]);
    expect(r2.statusCode).toBe(400);
    expect(r2.json<{ message: string }>().message).toMatch(/events\.0: seq/);
    const r3 = await push('ST-CUT-1', [afterGap]);
    expect(r3.statusCode).toBe(409);
    expect(r3.json<{ error: string }>().error).toBe('seq_gap');
    const [n] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [[afterGap.id, foreign.id]]);
    expect(n?.n).toBe(0);
    // Re-pushing from the gap works (the skipped one is refused: the SPK is fully cut).
    const r4 = (await push('ST-CUT-1', [skipped, afterGap])).json<PushResponse>();
    expect(r4.results.map((r) => r.status)).toEqual(['refused', 'refused']);
  });

  it('a transfer accepted by two stations at once: exactly one wins, the other is refused', async () => {
    const transferId = uuidv7();
    const lock = f.event('ST-CUT-1', operatorOf('cutting'), {
      type: 'transfer.created',
      payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity: 30, from: 'cutting', to: 'embroidery', lineId: lineOf('cutting') },
    });
    expect((await push('ST-CUT-1', [lock])).json<PushResponse>().results[0]?.status).toBe('applied');
    const accept = (stationId: string) =>
      f.event(stationId, operatorOf('embroidery'), {
        type: 'transfer.accepted',
        payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty: 30, lineId: stationId === 'ST-EMB-1' ? 'LN-EMB-1' : 'LN-EMB-2' },
      });
    const [x, y] = await Promise.all([push('ST-EMB-1', [accept('ST-EMB-1')]), push('ST-EMB-2', [accept('ST-EMB-2')])]);
    const statuses = [x, y].map((r) => r.json<PushResponse>().results[0]?.status).sort();
    expect(statuses).toEqual(['applied', 'refused']);
    const loser = [x, y].map((r) => r.json<PushResponse>().results[0]).find((r) => r?.status === 'refused');
    expect(loser?.refusal?.code).toBe('transfer_already_accepted');
    expect((await doc<{ receivedQty: number }>('workOrder', W('embroidery')))?.receivedQty).toBe(30);
  });
});

describe(`push: an event the server cannot parse is kept, refused, and does not block the station (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  const M2 = mo(2, { route: 'R1', quantity: 100 });
  const W2 = workOrderIdFor(M2.id, 'cutting');
  const cut2 = (qty: number): FloorEvent => f.event('ST-CUT-1', operatorOf('cutting'), cuttingOutput(W2, qty));
  const cutQty = async () => (await doc<{ stageQty: { cut: number } }>('workOrder', W2))?.stageQty.cut;
  const progress = async () => (await doc<{ lastAppliedSeq: number }>('stationProgress', 'ST-CUT-1'))?.lastAppliedSeq;
  type StoredRow = {
    seq: number;
    server_seq: number;
    status: string;
    refusal: { code: string; message: string } | null;
    type: string;
    hlc: string;
    operator_id: string | null;
    v: number;
    payload: unknown;
  };
  const stored = async (id: string) => {
    const [row] = await server.db.query<StoredRow>(
      'SELECT seq::int AS seq, server_seq::int AS server_seq, status, refusal, type, hlc, operator_id, v, payload FROM events WHERE id = $1',
      [id],
    );
    return row;
  };

  beforeAll(async () => {
    const created = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M2 });
    expect(created.statusCode).toBe(201);
  });

  it('[valid, malformed payload, valid]: 200, both valid ones applied, the middle one stored refused (invalid_event) and sent back', async () => {
    const a = cut2(10);
    const b = cut2(20);
    const malformed = { ...b, payload: { ...b.payload, goodQty: 'lots' } };
    const c = cut2(30);
    const res = await push('ST-CUT-1', [a, malformed, c]);
    expect(res.statusCode).toBe(200);
    const body = res.json<PushResponse>();
    expect(body.results.map((r) => [r.id, r.status, r.refusal?.code ?? null])).toEqual([
      [a.id, 'applied', null],
      [b.id, 'refused', 'invalid_event'],
      [c.id, 'applied', null],
    ]);
    expect(body.results[1]?.refusal?.message).toMatch(/^payload\.goodQty: /);
    expect(body.lastAppliedSeq).toBe(c.seq);
    expect(await cutQty()).toBe(40);
    expect(await progress()).toBe(c.seq);

    // Stored with its reason, in seq order with the others, with what the raw event carried.
    const row = await stored(b.id);
    expect(row).toMatchObject({
      seq: b.seq,
      status: 'refused',
      refusal: { code: 'invalid_event', message: body.results[1]?.refusal?.message },
      type: 'cutting.output',
      hlc: b.hlc,
      operator_id: b.operatorId,
      v: 1,
      payload: malformed.payload,
    });
    const [ra, rc] = [await stored(a.id), await stored(c.id)];
    expect(ra?.server_seq).toBeLessThan(row?.server_seq ?? 0);
    expect(rc?.server_seq).toBeGreaterThan(row?.server_seq ?? Infinity);

    // The refusal goes back to the station in its pull, as for any refused event.
    const pulled = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: stations.get('ST-CUT-1')?.auth });
    expect(pulled.statusCode).toBe(200);
    const refusal = pulled.json<PullResponse>().documents.find((d) => d.kind === 'refusal' && d.id === b.id);
    expect(refusal?.body).toMatchObject({ eventId: b.id, seq: b.seq, type: 'cutting.output', code: 'invalid_event', stationId: 'ST-CUT-1' });
    // What the station parses it with (shared/refusal.ts): the server's document satisfies it.
    expect(RefusalDocument.safeParse(refusal?.body).success).toBe(true);

    // The same batch again (the station retrying after a lost answer): the same answers, as duplicates.
    const again = await push('ST-CUT-1', [a, malformed, c]);
    expect(again.statusCode).toBe(200);
    expect(again.json<PushResponse>()).toEqual({
      results: body.results.map((r) => ({ ...r, status: 'duplicate' })),
      lastAppliedSeq: c.seq,
    });
    expect(await cutQty()).toBe(40);
    const [n] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [[a.id, b.id, c.id]]);
    expect(n?.n).toBe(3);
  });

  it('a newer version\'s event (unknown type, v 2) and one with nothing well-formed but its envelope: stored with placeholders', async () => {
    const newer = { ...cut2(1), type: 'cutting.paused', v: 2, payload: { workOrderId: W2, note: 'nul \u0000 inside' } };
    const junk = { ...cut2(1), hlc: 42, operatorId: 'nobody', type: { no: 1 }, v: 'one', payload: undefined };
    const after = cut2(5);
    const res = await push('ST-CUT-1', [newer, junk, after]);
    expect(res.statusCode).toBe(200);
    const body = res.json<PushResponse>();
    expect(body.results.map((r) => [r.status, r.refusal?.code ?? null])).toEqual([
      ['refused', 'invalid_event'],
      ['refused', 'invalid_event'],
      ['applied', null],
    ]);
    expect(body.results[0]?.refusal?.message).toBe("type: 'cutting.paused' is an event type this server does not know (a newer station version?)");
    expect(body.results[1]?.refusal?.message).toMatch(/\S/);
    expect(await cutQty()).toBe(45);
    // Kept where well-formed: the type, the hlc, the operator, v 2; the payload only without what jsonb cannot hold.
    expect(await stored(newer.id)).toMatchObject({ status: 'refused', type: 'cutting.paused', hlc: newer.hlc, operator_id: newer.operatorId, v: 2, payload: {} });
    expect(await stored(junk.id)).toMatchObject({ status: 'refused', type: '', hlc: '', operator_id: null, v: 0, payload: {} });
    expect(await doc('refusal', junk.id)).toMatchObject({ eventId: junk.id, seq: junk.seq, code: 'invalid_event', type: '' });
  });

  it('an event whose id is missing or not a UUID is kept refused under an id derived from its station and seq: the events after it go through', async () => {
    const before = { progress: await progress(), qty: await cutQty() };
    const noId = { ...cut2(1), id: 'not-a-uuid' };
    const after = cut2(2);
    const first = await push('ST-CUT-1', [noId, after]);
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json<PushResponse>();
    const derived = derivedEventId('ST-CUT-1', noId.seq);
    expect(body.results.map((r) => [r.id, r.status, r.refusal?.code ?? null])).toEqual([
      [derived, 'refused', 'invalid_event'],
      [after.id, 'applied', null],
    ]);
    expect(body.results[0]?.refusal?.message).toMatch(/^id: .*derived from its station and seq/);
    expect(body.lastAppliedSeq).toBe(after.seq);
    expect(await cutQty()).toBe((before.qty ?? 0) + 2);
    expect(await stored(derived)).toMatchObject({ status: 'refused', type: 'cutting.output', seq: noId.seq });
    expect(await doc('refusal', derived)).toMatchObject({ eventId: derived, seq: noId.seq, code: 'invalid_event' });
    // The same push again (the station did not hear the answer): the same rows, nothing twice.
    const again = (await push('ST-CUT-1', [{ ...noId, id: undefined }, after])).json<PushResponse>();
    expect(again.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    expect(await cutQty()).toBe((before.qty ?? 0) + 2);
  });

  it('a well-formed event with text the database cannot store (NUL, a lone surrogate) is stored refused, not a 500 retried forever', async () => {
    const before = await cutQty();
    const nul = cut2(1);
    const lone = cut2(2);
    const emoji = cut2(3);
    const withText = (e: FloorEvent, size: string) => ({ ...e, payload: { ...(e.payload as Record<string, unknown>), size } });
    const res = await push('ST-CUT-1', [withText(nul, 'M\u0000'), withText(lone, 'L\ud800'), withText(emoji, 'XL \u{1F9F8}')]);
    expect(res.statusCode).toBe(200);
    const body = res.json<PushResponse>();
    expect(body.results.map((r) => [r.status, r.refusal?.code ?? null])).toEqual([
      ['refused', 'invalid_event'],
      ['refused', 'invalid_event'],
      ['applied', null], // a valid surrogate pair is ordinary text
    ]);
    expect(body.results[0]?.refusal?.message).toMatch(/cannot store/);
    expect(await cutQty()).toBe((before ?? 0) + 3);
    expect(await stored(nul.id)).toMatchObject({ status: 'refused', type: 'cutting.output', payload: {} });
    expect(await doc('refusal', lone.id)).toMatchObject({ eventId: lone.id, code: 'invalid_event', type: 'cutting.output' });
  });

  it('an event the server cannot place in the station\'s order (no integer seq, no station) still fails the whole request and stores nothing', async () => {
    const before = { progress: await progress(), qty: await cutQty() };
    const ok = cut2(1);
    const next = cut2(1);
    const batches: [unknown[], RegExp][] = [
      [[ok, { ...next, seq: 1.5 }], /events\.1: seq/],
      [[ok, { ...next, seq: '2' }], /events\.1: seq/],
      [[ok, { ...next, stationId: undefined }], /events\.1: stationId/],
      [[ok, 'an event'], /events\.1: /],
    ];
    for (const [events, message] of batches) {
      const res = await push('ST-CUT-1', events);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: string; message: string }>()).toMatchObject({ error: 'bad_event', message: expect.stringMatching(message) });
    }
    // In another station's name, even when it does not parse: 403 as before.
    const foreign = await push('ST-CUT-1', [ok, { ...next, stationId: 'ST-SEW-1', type: 'nope' }]);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json<{ error: string }>().error).toBe('wrong_station');
    const [n] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[])', [[ok.id, next.id]]);
    expect(n?.n).toBe(0);
    expect({ progress: await progress(), qty: await cutQty() }).toEqual(before);
    // Nothing of those requests took a seq: the same events, well-formed, apply.
    const fixed = (await push('ST-CUT-1', [ok, next])).json<PushResponse>();
    expect(fixed.results.map((r) => r.status)).toEqual(['applied', 'applied']);
  });
});

describe(`push: transfer slips are re-verified by the server (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('applies an offline acceptance with a genuine slip, refuses a forged or altered one (kept, with its reason)', async () => {
    const cutting = stations.get('ST-CUT-1');
    if (!cutting) throw new Error('no cutting station');
    const der = cutting.privateKey.export({ format: 'der', type: 'pkcs8' });
    const key = await importPrivateKeyPkcs8(Buffer.from(der).toString('base64url'));
    const slipFor = async (transferId: string, quantity: number) => {
      const fields = { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity, from: 'cutting' as const, to: 'embroidery' as const, fromStationId: 'ST-CUT-1' };
      const payload = await signTransferSlip(fields, key);
      const { transferId: _t, ...copy } = fields;
      return { ...copy, payload };
    };
    const accept = (transferId: string, slip: Awaited<ReturnType<typeof slipFor>>, countedQty: number) =>
      f.event('ST-EMB-1', operatorOf('embroidery'), {
        type: 'transfer.accepted',
        payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty, lineId: 'LN-EMB-1', slip },
      });
    const before = (await doc<{ receivedQty: number }>('workOrder', W('embroidery')))?.receivedQty ?? 0;

    const forgedId = uuidv7();
    const forged = accept(forgedId, { ...(await slipFor(forgedId, 5)), payload: 'T1:not-a-signature' }, 5);
    const altered = uuidv7();
    const genuine = await slipFor(altered, 5);
    const alteredEvent = accept(altered, { ...genuine, quantity: 500 }, 500);
    const goodId = uuidv7();
    const good = accept(goodId, await slipFor(goodId, 6), 6);

    const res = (await push('ST-EMB-1', [forged, alteredEvent, good])).json<PushResponse>();
    expect(res.results.map((r) => [r.status, r.refusal?.code ?? null])).toEqual([
      ['refused', 'slip_mismatch'],
      ['refused', 'slip_mismatch'],
      ['applied', null],
    ]);
    expect((await doc<{ receivedQty: number }>('workOrder', W('embroidery')))?.receivedQty).toBe(before + 6);
    const [stored] = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE id = ANY($1::uuid[]) AND status = 'refused'", [[forged.id, alteredEvent.id]]);
    expect(stored?.n).toBe(2);
  });
});

describe('station credentials are cached, never past a revocation', () => {
  it('a token that just worked is refused right after its station is revoked', async () => {
    const s = await enrollStation(server.app, 'ST-PCK-9', 'packing');
    const ok = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: s.auth, payload: { stationTime: Date.now(), backlog: 0, devices: [] } });
    expect(ok.statusCode).toBe(200);
    const revoked = await server.app.inject({ method: 'POST', url: '/api/stations/ST-PCK-9/revoke', headers: admin });
    expect(revoked.statusCode).toBe(200);
    const after = await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: s.auth, payload: { stationTime: Date.now(), backlog: 0, devices: [] } });
    expect(after.statusCode).toBe(401);
  });

  it('a re-enrolled station: the replaced token stops working at once on this server', async () => {
    const first = await enrollStation(server.app, 'ST-PCK-8', 'packing');
    expect((await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: first.auth, payload: { stationTime: Date.now(), backlog: 0, devices: [] } })).statusCode).toBe(200);
    const second = await enrollStation(server.app, 'ST-PCK-8', 'packing');
    expect((await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: first.auth, payload: { stationTime: Date.now(), backlog: 0, devices: [] } })).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: second.auth, payload: { stationTime: Date.now(), backlog: 0, devices: [] } })).statusCode).toBe(200);
  });
});

describe('heartbeat app version', () => {
  it('is stored as reported, kept when an older station sends none, and a malformed one is a 400 that changes nothing', async () => {
    const s = await enrollStation(server.app, 'ST-PCK-7', 'packing');
    const beat = (extra: Record<string, unknown>) =>
      server.app.inject({ method: 'POST', url: '/api/heartbeat', headers: s.auth, payload: { stationTime: Date.now(), backlog: 3, devices: [], ...extra } });
    const version = async () => (await server.db.query<{ app_version: string | null }>("SELECT app_version FROM stations WHERE id = 'ST-PCK-7'"))[0]?.app_version;
    expect((await beat({ appVersion: '0.9.0' })).statusCode).toBe(200);
    expect(await version()).toBe('0.9.0');
    expect((await beat({})).statusCode).toBe(200);
    expect(await version()).toBe('0.9.0');
    const bad = await beat({ appVersion: 'x'.repeat(41) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad_request' });
    expect(await version()).toBe('0.9.0');
  });
});
