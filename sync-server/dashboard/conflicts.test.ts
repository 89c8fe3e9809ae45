/**
 * The Conflicts view lists what the server refused (with the reason) and what it applied flagged, newest first, each
 * with both sides (what the station sent, what the server holds); a supervisor of the station's department, a QC
 * inspector or an admin reviews one (accepted as recorded, dismissed, needs follow-up) with a note, recorded with who
 * and when, and never changing a floor event; a resolved one leaves the open list and shows under "resolved".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConflictDoc } from '../../shared/docs';
import { uuidv7 } from '../../shared/ids';
import { floorDocScope, type PushResponse } from '../../shared/sync';
import { writeDocuments, writeTx } from '../changes';
import { EventFactory, cuttingOutput, mo } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, seedOperatorAndOrder, type EnrolledStation } from '../testing';
import type { ConflictsView } from './contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let skewMs = 0;
const f = new EventFactory(() => Date.now() + skewMs);
let cutting: EnrolledStation;
const ORDER = mo(1);
const as: Record<string, DashboardLogin> = {};
const ids: Record<'unknown' | 'clock' | 'wrongDept' | 'seq' | 'applied', string> = { unknown: '', clock: '', wrongDept: '', seq: '', applied: '' };

beforeAll(async () => {
  cutting = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  await seedOperatorAndOrder(server.app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, ORDER);
  for (const [id, role, dept] of [['ppic', 'ppic', null], ['cut-sup', 'supervisor', 'cutting'], ['sew-sup', 'supervisor', 'sewing'], ['qc-any', 'qc', null]] as const) {
    await makeAccount(server.db, id, role, dept);
    as[id] = await loginAs(server.app, id);
  }
});

async function pushOne(goodQty: number, workOrderId: string, factory = f) {
  const event = factory.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(workOrderId, goodQty));
  const res = await pushAs(server.app, cutting, [event]);
  expect(res.statusCode, res.body).toBe(200);
  return { id: event.id, result: res.json<PushResponse>().results[0] };
}

async function view(who: string, show?: 'open' | 'resolved') {
  const res = await server.app.inject({ method: 'GET', url: `/api/dashboard/conflicts${show ? `?show=${show}` : ''}`, headers: as[who]!.read });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ConflictsView>();
}

const review = (who: string, eventId: string, payload: Record<string, unknown>) =>
  server.app.inject({ method: 'POST', url: `/api/dashboard/conflicts/${eventId}/review`, headers: as[who]!.write, payload });

const eventsTable = () => server.db.query('SELECT * FROM events ORDER BY server_seq');
const reviewCount = async () => Number((await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM conflict_reviews'))[0]?.n);

describe('the Conflicts view', () => {
  it('shows refused events with their reason and flagged ones with their flag, to any dashboard role, with both sides', async () => {
    const refused = await pushOne(5, 'MO-2026-0999-CUT');
    expect(refused.result?.refusal?.code).toBe('unknown_work_order');
    ids.unknown = refused.id;
    const wrong = await pushOne(3, `${ORDER.id}-SEW`);
    expect(wrong.result?.refusal?.code).toBe('wrong_department');
    ids.wrongDept = wrong.id;
    const applied = await pushOne(1, `${ORDER.id}-CUT`);
    expect(applied.result?.status).toBe('applied');
    expect(applied.result?.flag ?? null).toBeNull();
    ids.applied = applied.id;
    // A station restored from an old copy numbers a new event 1 again: kept refused seq_conflict beside seq 1.
    const again = await pushOne(2, `${ORDER.id}-CUT`, new EventFactory(() => Date.now()));
    expect(again.result?.refusal?.code).toBe('seq_conflict');
    ids.seq = again.id;
    skewMs = 24 * 3600_000; // the station's clock a day fast: applied, flagged
    const flagged = await pushOne(5, `${ORDER.id}-CUT`);
    expect(flagged.result?.flag?.code).toBe('clock_ahead');
    ids.clock = flagged.id;

    const v = await view('ppic');
    expect(v.refused.map((r) => [r.eventId, r.code])).toEqual([
      [ids.seq, 'seq_conflict'],
      [ids.wrongDept, 'wrong_department'],
      [ids.unknown, 'unknown_work_order'],
    ]);
    const unknown = v.refused.find((r) => r.eventId === ids.unknown);
    expect(unknown).toMatchObject({ stationId: 'ST-CUT-1', department: 'cutting', seq: 1, type: 'cutting.output', operatorId: 'OP-CUT1', review: 'open', reviews: [], mayReview: false });
    // What the station sent; the server holds no such SPK (only the line it named).
    expect(unknown?.sent).toMatchObject({ workOrderId: 'MO-2026-0999-CUT' });
    expect(unknown?.held.map((h) => h.kind)).toEqual(['line']);
    // The SPK it named is sewing's: the server's side shows it.
    expect(v.refused.find((r) => r.eventId === ids.wrongDept)?.held).toContainEqual(expect.objectContaining({ kind: 'workOrder', id: `${ORDER.id}-SEW`, fields: expect.objectContaining({ place: 'sewing' }) }));
    // The seq conflict's other side: the event holding seq 1.
    expect(v.refused.find((r) => r.eventId === ids.seq)?.held).toContainEqual(
      expect.objectContaining({ kind: 'event', id: ids.unknown, status: 'refused', fields: expect.objectContaining({ seq: 1, type: 'cutting.output' }) }),
    );
    expect(v.flagged).toEqual([expect.objectContaining({ eventId: ids.clock, seq: 4, code: 'clock_ahead', message: expect.stringMatching(/ahead/) })]);
    expect(v.conflicts).toEqual([]);
    // Who may review: the station's department's supervisor, QC, not another department's supervisor.
    expect((await view('cut-sup')).refused.every((r) => r.mayReview)).toBe(true);
    expect((await view('qc-any')).flagged[0]?.mayReview).toBe(true);
    expect((await view('sew-sup')).refused.some((r) => r.mayReview)).toBe(false);
  });

  it('bad input, the wrong person, an unknown event or one with nothing to review: refused, nothing recorded', async () => {
    const before = await eventsTable();
    const noNote = await review('cut-sup', ids.unknown, { decision: 'accepted', note: '  ' });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().issues[0].path).toBe('body.note');
    expect((await review('cut-sup', ids.unknown, { decision: 'approved', note: 'looks fine' })).statusCode).toBe(400);
    expect((await review('cut-sup', ids.unknown, { note: 'looks fine' })).statusCode).toBe(400);
    expect((await review('cut-sup', 'not-a-uuid', { decision: 'accepted', note: 'looks fine' })).statusCode).toBe(400);
    expect((await review('sew-sup', ids.unknown, { decision: 'accepted', note: 'not mine' })).json().error).toBe('not_your_department');
    expect((await review('ppic', ids.unknown, { decision: 'accepted', note: 'not mine' })).statusCode).toBe(403);
    expect((await review('cut-sup', '0190b1c2-0000-7000-8000-00000000abcd', { decision: 'accepted', note: 'who?' })).statusCode).toBe(404);
    expect((await review('cut-sup', ids.applied, { decision: 'accepted', note: 'fine' })).json().error).toBe('not_a_conflict');
    expect(await reviewCount()).toBe(0);
    expect(await eventsTable()).toEqual(before);
  });

  it('follow-up keeps it open; accepting resolves it: off the open list, under "resolved" with who, when and the note; floor events untouched', async () => {
    const before = await eventsTable();
    expect((await review('cut-sup', ids.unknown, { decision: 'follow_up', note: 'asked PPIC whether MO 999 exists' })).statusCode).toBe(200);
    let open = await view('cut-sup');
    expect(open.refused.find((r) => r.eventId === ids.unknown)).toMatchObject({ review: 'follow_up', mayReview: true, reviews: [{ decision: 'follow_up', by: 'cut-sup', note: 'asked PPIC whether MO 999 exists' }] });

    expect((await review('qc-any', ids.unknown, { decision: 'dismissed', note: 'typo on the SPK, redone on MO 1' })).statusCode).toBe(200);
    expect((await review('qc-any', ids.clock, { decision: 'accepted', note: 'clock fixed at the station' })).statusCode).toBe(200);
    open = await view('cut-sup');
    expect(open.refused.map((r) => r.eventId)).toEqual([ids.seq, ids.wrongDept]);
    expect(open.flagged).toEqual([]);
    const resolved = await view('cut-sup', 'resolved');
    expect(resolved.refused.map((r) => [r.eventId, r.review, r.mayReview])).toEqual([[ids.unknown, 'resolved', false]]);
    expect(resolved.refused[0]?.reviews.map((r) => [r.decision, r.by, r.note])).toEqual([
      ['follow_up', 'cut-sup', 'asked PPIC whether MO 999 exists'],
      ['dismissed', 'qc-any', 'typo on the SPK, redone on MO 1'],
    ]);
    expect(Date.parse(resolved.refused[0]?.reviews[1]?.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(resolved.flagged.map((r) => [r.eventId, r.reviews[0]?.decision])).toEqual([[ids.clock, 'accepted']]);

    // Resolved once: the other reviewer is told, nothing is added.
    const again = await review('cut-sup', ids.unknown, { decision: 'accepted', note: 'me too' });
    expect([again.statusCode, again.json().error]).toEqual([409, 'already_resolved']);
    expect(await reviewCount()).toBe(3);
    // A review is a record beside the event: the events are as they were, and the reviews cannot be edited.
    expect(await eventsTable()).toEqual(before);
    await expect(server.db.query("UPDATE conflict_reviews SET note = 'changed'")).rejects.toThrow(/append-only/);
  });

  it('QT-09 conflicts (resolved at a station) are listed under open while open or waiting, under resolved once decided', async () => {
    const conflict = (status: ConflictDoc['status']): ConflictDoc => ({
      kind: 'conflict',
      id: uuidv7(),
      type: 'competing_claim',
      moId: ORDER.id,
      workOrderId: `${ORDER.id}-CUT`,
      toWorkOrderId: `${ORDER.id}-SEW`,
      quantity: 10,
      from: 'cutting',
      receivingDepartment: 'sewing',
      claim: { eventId: uuidv7(), type: 'transfer.created', stationId: 'ST-CUT-1', operatorId: 'OP-CUT1', at: `${Date.now()}-00000-ST-CUT-1`, fromStationId: 'ST-CUT-1' },
      holders: [],
      readyAtClaim: 0,
      parked: [],
      status,
      resolution: status === 'resolved' ? { decision: 'void', by: 'OP-CUTSV', eventId: uuidv7(), at: `${Date.now()}-00001-ST-CUT-1`, note: 'same pieces on two slips', notReplayed: [] } : null,
      raisedAt: `${Date.now()}-00000-ST-CUT-1`,
    });
    const [open, waiting, done] = [conflict('open'), conflict('waiting'), conflict('resolved')];
    // As the rules would have written them (the push path writes conflict documents the same way).
    await writeTx(server.db, (q) => writeDocuments(q, [open, waiting, done].map((d) => ({ kind: d.kind, id: d.id, body: d, scope: floorDocScope(d) }))));
    expect((await view('ppic')).conflicts.map((c) => [c.id, c.status])).toEqual([
      [open.id, 'open'],
      [waiting.id, 'waiting'],
    ]);
    expect((await view('ppic', 'resolved')).conflicts).toEqual([expect.objectContaining({ id: done.id, status: 'resolved', resolution: expect.objectContaining({ decision: 'void', by: 'OP-CUTSV' }) })]);
  });

  it('two resolving at once: one is recorded, the other told', async () => {
    const answers = await Promise.all([
      review('cut-sup', ids.seq, { decision: 'dismissed', note: 'the restored PC repeated its work' }),
      review('qc-any', ids.seq, { decision: 'accepted', note: 'counted once already' }),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect((await server.db.query("SELECT 1 FROM conflict_reviews WHERE event_id = $1::uuid", [ids.seq])).length).toBe(1);
  });

  it.runIf(!!process.env.TEST_DATABASE_URL)('a review that commits after a later one still leaves the open list at once (not at the view’s 5 s age bound)', async () => {
    skewMs = 0;
    const [a, b] = [await pushOne(2, 'MO-2026-0997-CUT'), await pushOne(2, 'MO-2026-0998-CUT')];
    const open = async () => (await view('qc-any')).refused.map((r) => r.eventId);
    expect(await open()).toEqual(expect.arrayContaining([a.id, b.id]));
    // A's review and its audit step written first (the lower ids), their commit held back until B's was seen.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let inserted = (): void => undefined;
    const started = new Promise<void>((r) => (inserted = r));
    const late = server.db.tx(async (q) => {
      await q.query("INSERT INTO conflict_reviews (event_id, decision, account_id, role, note) VALUES ($1::uuid, 'dismissed', 'qc-any', 'qc', 'late')", [a.id]);
      await q.query("INSERT INTO dashboard_audit (account_id, role, action, target, detail) VALUES ('qc-any', 'qc', 'conflict.review', $1, '{}'::jsonb)", [a.id]);
      inserted();
      await held;
    });
    await started;
    expect((await review('qc-any', b.id, { decision: 'dismissed', note: 'the order was never released' })).statusCode).toBe(200);
    await expect.poll(open, { timeout: 2_000, interval: 100 }).not.toContain(b.id);
    expect(await open()).toContain(a.id);
    release();
    await late;
    await expect.poll(open, { timeout: 1_500, interval: 100 }).not.toContain(a.id);
  });
});
