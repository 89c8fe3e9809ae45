/**
 * Dashboard steps on alerts: who may (a supervisor or QC inspector of the alert's department, an admin; never PPIC),
 * in what order (each once, nothing on a closed alert), and that they are audited without touching the alert document,
 * whose status stays the floor's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertDoc } from '../../shared/docs';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, storedBody, type EnrolledStation } from '../testing';
import type { AlertsView } from './contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
const f = new EventFactory(() => Date.now());
let finishing: EnrolledStation;
const as: Record<string, DashboardLogin> = {};
let alertId: string;

beforeAll(async () => {
  finishing = await enrollStation(server.app, 'ST-FIN-1', 'finishing');
  await makeAccount(server.db, 'fin-sup', 'supervisor', 'finishing');
  await makeAccount(server.db, 'sew-sup', 'supervisor', 'sewing');
  await makeAccount(server.db, 'ppic', 'ppic');
  await makeAccount(server.db, 'qc-any', 'qc');
  for (const id of ['fin-sup', 'sew-sup', 'ppic', 'qc-any']) as[id] = await loginAs(server.app, id);
  const detection = f.event('ST-FIN-1', null, { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'fe' } });
  const res = await pushAs(server.app, finishing, [detection]);
  expect(res.json<PushResponse>().results[0]?.status).toBe('applied');
  alertId = detection.id;
});

const act = (who: string, action: string, note = '', id = alertId) =>
  server.app.inject({ method: 'POST', url: `/api/dashboard/alerts/${id}/${action}`, headers: as[who]!.write, payload: { note } });

async function view(who: string) {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/alerts', headers: as[who]!.read });
  expect(res.statusCode).toBe(200);
  return res.json<AlertsView>().alerts.find((a) => a.id === alertId);
}

describe('dashboard steps on an alert', () => {
  it('the alert is listed for everyone, with the actions each person may take', async () => {
    expect(await view('fin-sup')).toMatchObject({ severity: 'P1', department: 'finishing', status: 'raised', haltsLine: true, actions: ['acknowledge', 'investigate'] });
    expect((await view('qc-any'))?.actions).toEqual(['acknowledge', 'investigate']);
    expect((await view('sew-sup'))?.actions).toEqual([]);
    expect((await view('ppic'))?.actions).toEqual([]);
  });

  it('another department, PPIC, an unknown alert, a bad id or action and an investigation without a note are refused; nothing is recorded', async () => {
    expect((await act('sew-sup', 'acknowledge')).statusCode).toBe(403);
    expect((await act('ppic', 'acknowledge')).statusCode).toBe(403);
    expect((await act('fin-sup', 'acknowledge', '', '0190b1c2-0000-7000-8000-00000000abcd')).statusCode).toBe(404);
    expect((await act('fin-sup', 'acknowledge', '', 'not-a-uuid')).statusCode).toBe(400);
    expect((await act('fin-sup', 'close')).statusCode).toBe(400);
    const noNote = await act('fin-sup', 'investigate', ' ');
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().issues[0].path).toBe('body.note');
    const [row] = await server.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dashboard_audit WHERE target = $1', [alertId]);
    expect(row?.n).toBe(0);
  });

  it('acknowledge and investigate are recorded once each, audited with the person; the alert document is the floor’s', async () => {
    const before = await storedBody<AlertDoc>(server.db, 'alert', alertId);
    expect((await act('fin-sup', 'acknowledge')).statusCode).toBe(200);
    expect((await act('qc-any', 'acknowledge')).statusCode).toBe(409);
    expect((await act('qc-any', 'investigate', 'checking the piece')).statusCode).toBe(200);
    expect((await act('fin-sup', 'investigate', 'me too')).statusCode).toBe(409);
    const seen = await view('fin-sup');
    expect(seen?.actions).toEqual([]);
    expect(seen?.timeline.map((s) => `${s.source}:${s.status}:${s.by ?? ''}`)).toEqual(['floor:raised:', 'dashboard:acknowledged:fin-sup', 'dashboard:investigating:qc-any']);
    expect(await storedBody<AlertDoc>(server.db, 'alert', alertId)).toEqual(before);
    const audit = await server.db.query<{ account_id: string; action: string; note: string }>(
      "SELECT account_id, action, detail->>'note' AS note FROM dashboard_audit WHERE target = $1 ORDER BY id",
      [alertId],
    );
    expect(audit).toEqual([
      { account_id: 'fin-sup', action: 'alert.acknowledge', note: '' },
      { account_id: 'qc-any', action: 'alert.investigate', note: 'checking the piece' },
    ]);
  });

  it('two at once: one is recorded, the other told', async () => {
    const event = f.event('ST-FIN-1', null, { type: 'md.fault', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', bits: 1, description: 'belt jam' } });
    await pushAs(server.app, finishing, [event]);
    expect(await storedBody<AlertDoc>(server.db, 'alert', event.id)).toMatchObject({ severity: 'P2', type: 'detector_fault' });
    const answers = await Promise.all([act('fin-sup', 'acknowledge', '', event.id), act('qc-any', 'acknowledge', '', event.id)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
  });
});
