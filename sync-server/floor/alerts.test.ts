/**
 * Alerts whose cause is gone close on the server too, through the real push route: the rules find a line's open
 * alerts through the line (LineDoc.alerts) and the server loads them all in one go, however many there are.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlertDoc, LineDoc } from '../../shared/docs';
import type { Action } from '../../shared/events';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf, verificationRun } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, storedBody, type EnrolledStation } from '../testing';

const server = appForFile();
const f = new EventFactory(() => Date.now());
const LINE = lineOf('finishing');
let finishing: EnrolledStation;

beforeAll(async () => {
  finishing = await enrollStation(server.app, 'ST-FIN-1', 'finishing');
});

async function push(actions: Action[]): Promise<{ ids: string[]; statuses: string[] }> {
  const events = actions.map((a) => f.event('ST-FIN-1', null, a));
  const res = await pushAs(server.app, finishing, events);
  expect(res.statusCode, res.body).toBe(200);
  return { ids: events.map((e) => e.id), statuses: res.json<PushResponse>().results.map((r) => (r.refusal ? `${r.status}:${r.refusal.code}` : r.status)) };
}
const pass = (): Action => verificationRun(LINE);

describe(`alerts on the server (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('a dozen "verification overdue" alerts on a line all close, with the reason, when the next verification passes', async () => {
    expect((await push([pass()])).statuses).toEqual(['applied']);
    const overdue: Action = { type: 'md.verificationOverdue', payload: { lineId: LINE, deviceId: 'MD01', dueAtMs: Date.now() } };
    const raised = await push(Array.from({ length: 12 }, () => overdue));
    expect(raised.statuses).toEqual(Array.from({ length: 12 }, () => 'applied'));
    expect((await storedBody<LineDoc>(server.db, 'line', LINE))?.alerts).toEqual(raised.ids);

    // Pushed on its own: the group loads the line, then the twelve alerts it lists.
    const verified = await push([pass()]);
    expect(verified.statuses).toEqual(['applied']);
    for (const id of raised.ids) {
      expect(await storedBody<AlertDoc>(server.db, 'alert', id)).toMatchObject({ status: 'closed', closedEventId: verified.ids[0], closedBecause: 'verification_passed' });
    }
    expect((await storedBody<LineDoc>(server.db, 'line', LINE))?.alerts).toEqual([]);
  });
});
