/**
 * Group commit of pushes (ingest-queue.ts + applyGroup): many stations pushing at once, and groups holding every kind
 * of outcome together (applied, refused, duplicates, gaps, seq conflicts, a revoked station, a write-time conflict, a
 * rule that throws). Every request must get exactly the answer it would get alone, and the documents must add up.
 * Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { uuidv7 } from '../../shared/ids';
import { workOrderIdFor, type Department } from '../../shared/master';
import { decide } from '../../shared/reducer';
import { cuttingOutput, EventFactory, mo, operatorOf } from '../../shared/testing/fixtures';
import { STATION_TOKEN_REJECTED, type PushResponse } from '../../shared/sync';
import { appForFile, enrollStation, pushAs, storedBody, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import type { ApplyBatchResult, DecideFn } from './apply';
import { parseBatch } from './parse-batch';
import { PushError } from './push-error';
import { IngestQueue } from './ingest-queue';
import { MasterCache } from './master';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const stations = new Map<string, EnrolledStation>();
const M = mo(7, { route: 'R1', quantity: 100_000 });
const W = (d: Department) => workOrderIdFor(M.id, d);
const f = new EventFactory(() => Date.now());
const CUTTERS = 28;
const cutter = (n: number) => `ST-CUT-${n}`;
const lineOfStation = (id: string) => `LN-${id.replace(/^ST-/, '')}`;

beforeAll(async () => {
  for (const d of ['cutting', 'embroidery'] as const) {
    const op = await server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id: operatorOf(d), name: `${d} op`, roles: ['operator'], departments: [d], pin: '1357' } });
    expect(op.statusCode).toBe(201);
  }
  for (let n = 1; n <= CUTTERS; n++) stations.set(cutter(n), await enrollStation(server.app, cutter(n), 'cutting'));
  for (const id of ['ST-EMB-1', 'ST-EMB-2']) stations.set(id, await enrollStation(server.app, id, 'embroidery'));
  const created = await server.app.inject({ method: 'POST', url: '/api/manufacturing-orders', headers: admin, payload: M });
  expect(created.statusCode).toBe(201);
}, 120_000);

const push = (stationId: string, events: readonly unknown[]) => pushAs(server.app, stations.get(stationId), events);
const doc = <T>(kind: string, id: string) => storedBody<T>(server.db, kind, id);
const cut = (stationId: string, goodQty = 1): FloorEvent => f.event(stationId, operatorOf('cutting'), cuttingOutput(W('cutting'), goodQty, lineOfStation(stationId)));

const createTransfer = (transferId: string, quantity: number): FloorEvent =>
  f.event(cutter(1), operatorOf('cutting'), {
    type: 'transfer.created',
    payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), articleCode: M.articleCode, quantity, from: 'cutting', to: 'embroidery', lineId: lineOfStation(cutter(1)) },
  });

const accept = (stationId: string, transferId: string, countedQty: number): FloorEvent =>
  f.event(stationId, operatorOf('embroidery'), {
    type: 'transfer.accepted',
    payload: { transferId, workOrderId: W('cutting'), toWorkOrderId: W('embroidery'), countedQty, lineId: lineOfStation(stationId) },
  });

/** What the server must hold in the end, kept as the tests go. */
const expected = { cut: 0, received: 0, lastSeq: new Map<string, number>() };
const applied = (stationId: string, events: readonly FloorEvent[], goodQty = 0) => {
  expected.cut += goodQty;
  expected.lastSeq.set(stationId, Math.max(expected.lastSeq.get(stationId) ?? 0, ...events.map((e) => e.seq)));
};

describe(`push group commit (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('30 stations pushing at once: every batch gets its own answer, duplicates and gaps included, and the totals add up', async () => {
    const BATCHES = 4;
    const PER = 5;
    const ids = Array.from({ length: CUTTERS }, (_, i) => cutter(i + 1));
    const plans = new Map(ids.map((id) => [id, Array.from({ length: BATCHES }, () => Array.from({ length: PER }, () => cut(id)))]));

    await Promise.all(
      ids.map(async (id, i) => {
        const batches = plans.get(id)!;
        for (const [b, batch] of batches.entries()) {
          if (i === 2 && b === 2) {
            // A gap: the batch without its first event is refused as a whole, nothing of it stored; then from there.
            const gap = await push(id, batch.slice(1));
            expect(gap.statusCode).toBe(409);
            expect(gap.json<{ error: string; message: string }>()).toMatchObject({ error: 'seq_gap', message: expect.stringContaining(`expected seq ${batch[0]!.seq}`) });
          }
          const res = await push(id, batch);
          expect(res.statusCode, res.body).toBe(200);
          const body = res.json<PushResponse>();
          expect(body.results.map((r) => [r.id, r.status])).toEqual(batch.map((e) => [e.id, 'applied']));
          expect(body.lastAppliedSeq).toBe(batch[batch.length - 1]!.seq);
          applied(id, batch, PER);
          if (b === 1) {
            // The same batch again (a retry after a lost answer): duplicates, nothing applied twice.
            const again = (await push(id, batch)).json<PushResponse>();
            expect(again.results.map((r) => r.status)).toEqual(batch.map(() => 'duplicate'));
            expect(again.lastAppliedSeq).toBe(batch[batch.length - 1]!.seq);
          }
        }
        // Duplicates and new events in one batch: the old ones answered as before, the new one applied.
        const tail = cut(id);
        const mixed = (await push(id, [...batches[BATCHES - 1]!, tail])).json<PushResponse>();
        expect(mixed.results.map((r) => r.status)).toEqual([...batches[BATCHES - 1]!.map(() => 'duplicate'), 'applied']);
        applied(id, [tail], 1);
      }),
    );
    expect((await doc<{ stageQty: { cut: number } }>('workOrder', W('cutting')))?.stageQty.cut).toBe(expected.cut);
    for (const id of ids) {
      expect(await doc('stationProgress', id)).toEqual({ stationId: id, lastAppliedSeq: expected.lastSeq.get(id) });
      const [n] = await server.db.query<{ n: number; max: number }>('SELECT count(*)::int AS n, max(seq)::int AS max FROM events WHERE station_id = $1', [id]);
      expect(n).toEqual({ n: expected.lastSeq.get(id), max: expected.lastSeq.get(id) });
    }
    // Every event numbered once, and a station's events in its seq order.
    const [numbers] = await server.db.query<{ n: number; distinct: number; nulls: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT server_seq)::int AS distinct, count(*) FILTER (WHERE server_seq IS NULL)::int AS nulls FROM events',
    );
    expect(numbers).toEqual({ n: numbers!.n, distinct: numbers!.n, nulls: 0 });
    const [misordered] = await server.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events a JOIN events b ON a.station_id = b.station_id AND a.seq < b.seq AND a.server_seq > b.server_seq`,
    );
    expect(misordered?.n).toBe(0);
  });

  it('two stations racing to accept one transfer while others push: exactly one wins', async () => {
    const transferId = uuidv7();
    const lock = createTransfer(transferId, 30);
    expect((await push(cutter(1), [lock])).json<PushResponse>().results[0]?.status).toBe('applied');
    applied(cutter(1), [lock]);
    const a1 = accept('ST-EMB-1', transferId, 30);
    const a2 = accept('ST-EMB-2', transferId, 30);
    const others = Array.from({ length: 10 }, (_, i) => cutter(i + 5)).map((id) => [id, [cut(id), cut(id)]] as const);
    const [x, y, ...rest] = await Promise.all([push('ST-EMB-1', [a1]), push('ST-EMB-2', [a2]), ...others.map(([id, evs]) => push(id, evs))]);
    for (const [i, r] of rest.entries()) {
      expect(r.json<PushResponse>().results.map((o) => o.status)).toEqual(['applied', 'applied']);
      applied(others[i]![0], others[i]![1], 2);
    }
    const outcomes = [x, y].map((r) => r.json<PushResponse>().results[0]);
    expect(outcomes.map((o) => o?.status).sort()).toEqual(['applied', 'refused']);
    expect(outcomes.find((o) => o?.status === 'refused')?.refusal?.code).toBe('transfer_already_accepted');
    applied('ST-EMB-1', [a1]);
    applied('ST-EMB-2', [a2]);
    expected.received += 30;
    expect((await doc<{ receivedQty: number }>('workOrder', W('embroidery')))?.receivedQty).toBe(expected.received);
    expect((await doc<{ status: string }>('transfer', transferId))?.status).toBe('accepted');
    const loser = outcomes.find((o) => o?.status === 'refused')!;
    expect(await doc('refusal', loser.id)).toMatchObject({ code: 'transfer_already_accepted' });
  });

  it('one group holding every kind of outcome: each request gets exactly its own answer', async () => {
    const master = new MasterCache();
    const groups: { requests: number; events: number }[] = [];
    const q = new IngestQueue(server.db, master, { onGroup: (g) => groups.push(g) });
    const submit = (stationId: string, events: readonly FloorEvent[]) =>
      q.submit({ stationId, events: parseBatch(stationId, events) }).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );

    // A transfer to race for inside the group, and a revoked station.
    const transferId = uuidv7();
    const lock = createTransfer(transferId, 10);
    expect((await push(cutter(1), [lock])).json<PushResponse>().results[0]?.status).toBe('applied');
    applied(cutter(1), [lock]);
    const revoked = await server.app.inject({ method: 'POST', url: `/api/stations/${cutter(CUTTERS)}/revoke`, headers: admin });
    expect(revoked.statusCode).toBe(200);

    const s2a = [cut(cutter(2)), cut(cutter(2))];
    const s2b = [cut(cutter(2), 3)];
    const gapA = cut(cutter(3));
    const gapB = cut(cutter(3));
    const conflict = { ...cut(cutter(4)), id: uuidv7(), seq: 1 }; // seq 1 of ST-CUT-4 is another event
    const acceptLate = accept('ST-EMB-1', transferId, 10);
    const acceptFirst = accept('ST-EMB-2', transferId, 10);
    const tooMuch = cut(cutter(6), 1_000_000); // refused: exceeds planned
    const fromRevoked = cut(cutter(CUTTERS));

    const results = await Promise.all([
      submit(cutter(2), s2a),
      submit(cutter(3), [gapB]),
      submit('ST-EMB-2', [acceptFirst]),
      submit(cutter(CUTTERS), [fromRevoked]),
      submit(cutter(4), [conflict]),
      submit(cutter(2), s2b), // the same station again, after its first batch in this group
      submit('ST-EMB-1', [acceptLate]),
      submit(cutter(2), s2a), // and a retry of its first batch: duplicates of events written in this very group
      submit(cutter(6), [tooMuch]),
    ]);
    expect(groups.map((g) => [g.requests, g.events])).toEqual([[9, 11]]);

    const ok = (i: number): ApplyBatchResult => {
      const r = results[i]!;
      if (!r.ok) throw new Error(`request ${i} failed: ${String(r.error)}`);
      return r.value;
    };
    const err = (i: number): PushError => {
      const r = results[i]!;
      if (r.ok || !(r.error instanceof PushError)) throw new Error(`request ${i} should have been refused`);
      return r.error;
    };
    expect(ok(0).results.map((r) => r.status)).toEqual(['applied', 'applied']);
    expect(ok(0).lastAppliedSeq).toBe(s2a[1]!.seq);
    expect(err(1)).toMatchObject({ status: 409, code: 'seq_gap', message: expect.stringContaining(`expected seq ${gapA.seq}`) });
    expect(ok(2).results[0]).toMatchObject({ id: acceptFirst.id, status: 'applied' });
    expect(err(3)).toMatchObject({ status: 401, code: STATION_TOKEN_REJECTED });
    // Kept refused beside the event holding its seq, not a whole request refused (seq-order.ts, SEQ CONFLICTS).
    expect(ok(4).results).toEqual([expect.objectContaining({ id: conflict.id, status: 'refused', refusal: expect.objectContaining({ code: 'seq_conflict' }) })]);
    expect(ok(5).results.map((r) => r.status)).toEqual(['applied']);
    expect(ok(5).lastAppliedSeq).toBe(s2b[0]!.seq);
    expect(ok(6).results[0]).toMatchObject({ id: acceptLate.id, status: 'refused', refusal: { code: 'transfer_already_accepted' } });
    expect(ok(7).results.map((r) => [r.id, r.status])).toEqual(s2a.map((e) => [e.id, 'duplicate']));
    expect(ok(8).results[0]).toMatchObject({ status: 'refused', refusal: { code: 'exceeds_planned' } });
    applied(cutter(2), [...s2a, ...s2b], 2 + 3);
    applied('ST-EMB-2', [acceptFirst]);
    applied('ST-EMB-1', [acceptLate]);
    applied(cutter(6), [tooMuch]);
    expected.received += 10;

    // Nothing of the refused requests was stored; the refused events are, with their reason and refusal document.
    const stored = await server.db.query<{ id: string }>('SELECT id::text AS id FROM events WHERE id = ANY($1::uuid[])', [[gapB.id, conflict.id, fromRevoked.id]]);
    expect(stored).toEqual([{ id: conflict.id }]);
    expect(await doc('refusal', conflict.id)).toMatchObject({ code: 'seq_conflict', stationId: cutter(4) });
    expect(await doc('refusal', tooMuch.id)).toMatchObject({ code: 'exceeds_planned', stationId: cutter(6) });
    expect(await doc('refusal', acceptLate.id)).toMatchObject({ code: 'transfer_already_accepted', stationId: 'ST-EMB-1' });
    expect((await doc<{ receivedQty: number }>('workOrder', W('embroidery')))?.receivedQty).toBe(expected.received);
    expect((await doc<{ stageQty: { cut: number } }>('workOrder', W('cutting')))?.stageQty.cut).toBe(expected.cut);
    // The whole group is one transaction: the documents it wrote share one version, progress documents included.
    const versions = await server.db.query<{ version: number }>(
      `SELECT DISTINCT version FROM documents WHERE (kind = 'stationProgress' AND id = ANY($1::text[])) OR (kind = 'refusal' AND id = ANY($2::text[]))`,
      [[cutter(2), 'ST-EMB-1', 'ST-EMB-2', cutter(6)], [tooMuch.id, acceptLate.id]],
    );
    expect(versions).toHaveLength(1);
    for (const id of [cutter(2), 'ST-EMB-1', 'ST-EMB-2', cutter(6), cutter(3), cutter(4)]) {
      expect(await doc('stationProgress', id)).toEqual({ stationId: id, lastAppliedSeq: expected.lastSeq.get(id) });
    }
    await q.idle();
  });

  it('a write-time conflict or a rule that throws fails only its own request: the others are applied one by one', async () => {
    const bug = cut(cutter(9));
    const faulty: DecideFn = (reader, e, m) => {
      if (e.id === bug.id) throw new Error('a bug in a rule');
      return decide(reader, e, m);
    };
    const groups: { requests: number }[] = [];
    const q = new IngestQueue(server.db, new MasterCache(), { decide: faulty, onGroup: (g) => groups.push(g) });
    const settle = (p: Promise<ApplyBatchResult>) => p.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

    const first = cut(cutter(10));
    // ST-CUT-11 pushes an event under ST-CUT-10's id (a forged or corrupted station): only the insert can tell.
    const sameId = { ...cut(cutter(11)), id: first.id };
    const fine = [cut(cutter(12)), cut(cutter(12))];
    const results = await Promise.all([
      settle(q.submit({ stationId: cutter(10), events: [first] })),
      settle(q.submit({ stationId: cutter(11), events: [sameId] })),
      settle(q.submit({ stationId: cutter(9), events: [bug] })),
      settle(q.submit({ stationId: cutter(12), events: fine })),
    ]);
    expect(groups.map((g) => g.requests)).toEqual([4]);
    expect(results[0]).toMatchObject({ ok: true, value: { results: [{ id: first.id, status: 'applied' }] } });
    expect(results[1]).toMatchObject({ ok: false, error: { status: 409, code: 'seq_conflict' } });
    expect(results[2]).toMatchObject({ ok: false, error: { message: 'a bug in a rule' } });
    expect(results[3]).toMatchObject({ ok: true, value: { results: [{ status: 'applied' }, { status: 'applied' }] } });
    applied(cutter(10), [first], 1);
    applied(cutter(12), fine, 2);
    expect((await doc<{ stageQty: { cut: number } }>('workOrder', W('cutting')))?.stageQty.cut).toBe(expected.cut);
    const rows = await server.db.query<{ station_id: string; seq: number }>(
      'SELECT station_id, seq FROM events WHERE id = ANY($1::uuid[]) OR (station_id, seq) IN (($2, $3), ($4, $5))',
      [[first.id, bug.id], cutter(9), bug.seq, cutter(11), sameId.seq],
    );
    expect(rows.map((r) => [r.station_id, Number(r.seq)])).toEqual([[cutter(10), first.seq]]);
    expect(await doc('stationProgress', cutter(9))).toEqual({ stationId: cutter(9), lastAppliedSeq: expected.lastSeq.get(cutter(9)) });
    await q.idle();
  });
});
