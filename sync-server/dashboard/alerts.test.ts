/**
 * Dashboard steps on alerts: who may (a supervisor or QC inspector of the alert's department, an admin; never PPIC),
 * in the floor rules' order (acknowledge → investigate → close, nothing on a closed alert, a halt's alert not closed
 * while its line is halted), written to the alert document so stations pull them, and audited with the person. The
 * halt itself is released only by the station's `line.released`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertDoc, LineDoc } from '../../shared/docs';
import type { PulledDocument, PushResponse } from '../../shared/sync';
import { EventFactory, lineOf } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, seedOperatorAndOrder, storedBody, type EnrolledStation } from '../testing';
import { alertsFor, loadAlerts } from './alerts';
import type { Account, AlertsView } from './contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';
import { mo } from '../../shared/testing/fixtures';

const server = appForFile();
const f = new EventFactory(() => Date.now());
const LINE = lineOf('finishing');
let finishing: EnrolledStation;
const as: Record<string, DashboardLogin> = {};
let haltId: string;

async function push(operatorId: string | null, action: Parameters<EventFactory['event']>[2]): Promise<string> {
  const event = f.event('ST-FIN-1', operatorId, action);
  const res = await pushAs(server.app, finishing, [event]);
  expect(res.json<PushResponse>().results[0], res.body).toMatchObject({ status: 'applied' });
  return event.id;
}

beforeAll(async () => {
  finishing = await enrollStation(server.app, 'ST-FIN-1', 'finishing');
  await seedOperatorAndOrder(server.app, { id: 'OP-FINSV', name: 'Finishing supervisor', roles: ['supervisor'], departments: ['finishing'], pin: '246802' }, mo(1));
  await makeAccount(server.db, 'fin-sup', 'supervisor', 'finishing');
  await makeAccount(server.db, 'sew-sup', 'supervisor', 'sewing');
  await makeAccount(server.db, 'ppic', 'ppic');
  await makeAccount(server.db, 'qc-any', 'qc');
  for (const id of ['fin-sup', 'sew-sup', 'ppic', 'qc-any']) as[id] = await loginAs(server.app, id);
  haltId = await push(null, { type: 'md.detection', payload: { lineId: LINE, deviceId: 'MD01', metal: 'fe' } });
});

const act = (who: string, action: string, note = '', id = haltId) =>
  server.app.inject({ method: 'POST', url: `/api/dashboard/alerts/${id}/${action}`, headers: as[who]!.write, payload: { note } });

async function view(who: string, id = haltId) {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/alerts', headers: as[who]!.read });
  expect(res.statusCode).toBe(200);
  return res.json<AlertsView>().alerts.find((a) => a.id === id);
}

const auditOf = (id: string) =>
  server.db.query<{ account_id: string; action: string; note: string }>("SELECT account_id, action, detail->>'note' AS note FROM dashboard_audit WHERE target = $1 ORDER BY id", [id]);

describe('dashboard steps on an alert', () => {
  it('the halt alert is listed for everyone, with the steps the rules allow each person (never a close while halted)', async () => {
    expect(await view('fin-sup')).toMatchObject({ severity: 'P1', department: 'finishing', status: 'raised', haltsLine: true, actions: ['acknowledge', 'investigate'] });
    expect((await view('qc-any'))?.actions).toEqual(['acknowledge', 'investigate']);
    expect((await view('sew-sup'))?.actions).toEqual([]);
    expect((await view('ppic'))?.actions).toEqual([]);
  });

  it('another department, PPIC, an unknown alert, a bad id or action and an investigation without a note are refused; nothing is recorded', async () => {
    const before = await storedBody<AlertDoc>(server.db, 'alert', haltId);
    expect((await act('sew-sup', 'acknowledge')).statusCode).toBe(403);
    expect((await act('ppic', 'acknowledge')).statusCode).toBe(403);
    expect((await act('fin-sup', 'acknowledge', '', '0190b1c2-0000-7000-8000-00000000abcd')).statusCode).toBe(404);
    expect((await act('fin-sup', 'acknowledge', '', 'not-a-uuid')).statusCode).toBe(400);
    expect((await act('fin-sup', 'release')).statusCode).toBe(400);
    for (const action of ['investigate', 'close']) {
      const noNote = await act('fin-sup', action, ' ');
      expect(noNote.statusCode).toBe(400);
      expect(noNote.json().issues[0].path).toBe('body.note');
    }
    expect(await auditOf(haltId)).toEqual([]);
    expect(await storedBody<AlertDoc>(server.db, 'alert', haltId)).toEqual(before);
  });

  it('acknowledge and investigate are floor steps: written to the alert (stations pull them), once each, audited with the person', async () => {
    expect((await act('fin-sup', 'acknowledge')).statusCode).toBe(200);
    const twice = await act('qc-any', 'acknowledge');
    expect([twice.statusCode, twice.json().error]).toEqual([409, 'alert_out_of_order']);
    expect((await act('qc-any', 'investigate', 'checking the piece')).statusCode).toBe(200);
    expect((await act('fin-sup', 'investigate', 'me too')).statusCode).toBe(409);
    const stored = await storedBody<AlertDoc>(server.db, 'alert', haltId);
    expect(stored?.status).toBe('investigating');
    expect(stored?.steps?.map((s) => [s.status, s.by, s.note])).toEqual([
      ['acknowledged', 'office:fin-sup', ''],
      ['investigating', 'office:qc-any', 'checking the piece'],
    ]);
    const seen = await view('fin-sup');
    expect(seen?.timeline.map((s) => `${s.source}:${s.status}:${s.by ?? ''}`)).toEqual(['floor:raised:', 'dashboard:acknowledged:fin-sup', 'dashboard:investigating:qc-any']);
    expect(await auditOf(haltId)).toEqual([
      { account_id: 'fin-sup', action: 'alert.acknowledge', note: '' },
      { account_id: 'qc-any', action: 'alert.investigate', note: 'checking the piece' },
    ]);
    // The station pulls the step.
    const pulled = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: finishing.auth });
    const alert = pulled.json<{ documents: PulledDocument[] }>().documents.find((d) => d.kind === 'alert' && d.id === haltId);
    expect((alert?.body as AlertDoc | undefined)?.status).toBe('investigating');
  });

  it('a halt is not closed from the dashboard while the line is halted; the station’s release closes it, and nothing is left to do', async () => {
    const refused = await act('fin-sup', 'close', 'closing it from the office');
    expect([refused.statusCode, refused.json().error]).toEqual([409, 'alert_cause_active']);
    expect((await storedBody<LineDoc>(server.db, 'line', LINE))?.halt?.haltId).toBe(haltId);
    expect((await view('fin-sup'))?.actions).toEqual([]);

    await push('OP-FINSV', { type: 'line.released', payload: { lineId: LINE, haltId, supervisorId: 'OP-FINSV', disposition: 'destroyed', correctiveAction: 'piece destroyed, detector re-verified' } });
    expect(await view('fin-sup')).toMatchObject({ status: 'closed', closedBecause: 'line_released', haltsLine: false, actions: [] });
    expect((await act('fin-sup', 'close', 'closing it after the release')).json().error).toBe('alert_closed');
  });

  it('a detector fault is closed from the dashboard; the line keeps its other open alert; a station’s late acknowledgement is refused', async () => {
    const fault = await push(null, { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 1, description: 'belt jam' } });
    const other = await push(null, { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 2, description: 'sensor dirty' } });
    expect((await storedBody<LineDoc>(server.db, 'line', LINE))?.alerts).toEqual([fault, other]);
    expect((await view('qc-any', fault))?.actions).toEqual(['acknowledge', 'investigate', 'close']);

    expect((await act('qc-any', 'close', 'belt cleaned, test pieces detected', fault)).statusCode).toBe(200);
    expect(await storedBody<AlertDoc>(server.db, 'alert', fault)).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
    expect((await storedBody<LineDoc>(server.db, 'line', LINE))?.alerts).toEqual([other]);

    const late = f.event('ST-FIN-1', 'OP-FINSV', { type: 'alert.acknowledged', payload: { alertId: fault } });
    const res = await pushAs(server.app, finishing, [late]);
    expect(res.json<PushResponse>().results[0]?.refusal?.code).toBe('alert_closed');
  });

  it('two at once: one is recorded, the other told', async () => {
    const event = await push(null, { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 4, description: 'belt jam' } });
    const answers = await Promise.all([act('fin-sup', 'acknowledge', '', event), act('qc-any', 'acknowledge', '', event)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect((await storedBody<AlertDoc>(server.db, 'alert', event))?.steps).toHaveLength(1);
  });
  it('what a person may do depends on the role and department only: two accounts alike are offered the same steps', async () => {
    // An alert fin-sup acknowledged and one fin-sup is investigating, beside the closed, raised and acknowledged ones above.
    const acked = await push(null, { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 8, description: 'belt slips' } });
    expect((await act('fin-sup', 'acknowledge', '', acked)).statusCode).toBe(200);
    const taken = await push(null, { type: 'md.fault', payload: { lineId: LINE, deviceId: 'MD01', bits: 16, description: 'reject bin full' } });
    expect((await act('fin-sup', 'investigate', 'emptying the bin', taken)).statusCode).toBe(200);
    const loaded = await loadAlerts(server.db);
    expect(loaded.length).toBeGreaterThanOrEqual(5);
    const steps = (who: Account) => alertsFor(who, loaded).alerts.map((a) => [a.id, a.actions]);
    for (const [role, department] of [['supervisor', 'finishing'], ['qc', null], ['admin', null]] as const) {
      const [one, other] = [`${role}-one`, `${role}-other`].map((id): Account => ({ id, name: id, role, department }));
      expect(steps(one!), role).toEqual(steps(other!));
    }
    // The one who acknowledged is offered what anyone of the role is: the rules do not ask who took the earlier step.
    const finSup: Account = { id: 'fin-sup', name: 'fin-sup', role: 'supervisor', department: 'finishing' };
    expect(steps(finSup)).toEqual(steps({ ...finSup, id: 'someone-else' }));
    expect(steps(finSup).find(([id]) => id === acked)?.[1]).toEqual(['investigate', 'close']);
  });
});
