/** The Conflicts view lists what the server refused (with the reason) and what it applied flagged, newest first. */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, cuttingOutput, mo } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, seedOperatorAndOrder, type EnrolledStation } from '../testing';
import type { ConflictsView } from './contract';
import { loginAs, makeAccount } from './testing';

const server = appForFile();
let skewMs = 0;
const f = new EventFactory(() => Date.now() + skewMs);
let cutting: EnrolledStation;
const ORDER = mo(1);

beforeAll(async () => {
  cutting = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  await seedOperatorAndOrder(server.app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, ORDER);
  await makeAccount(server.db, 'ppic', 'ppic');
});

async function pushOne(goodQty: number, workOrderId: string) {
  const event = f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(workOrderId, goodQty));
  const res = await pushAs(server.app, cutting, [event]);
  expect(res.statusCode, res.body).toBe(200);
  return { id: event.id, result: res.json<PushResponse>().results[0] };
}

describe('the Conflicts view', () => {
  it('shows a refused event with its reason and a flagged one with its flag, to any dashboard role', async () => {
    const refused = await pushOne(5, 'MO-2026-0999-CUT');
    expect(refused.result?.refusal?.code).toBe('unknown_work_order');
    skewMs = 24 * 3600_000; // the station's clock a day fast: applied, flagged
    const flagged = await pushOne(5, `${ORDER.id}-CUT`);
    expect(flagged.result?.flag?.code).toBe('clock_ahead');

    const s = await loginAs(server.app, 'ppic');
    const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/conflicts', headers: s.read });
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<ConflictsView>();
    expect(view.refused).toEqual([
      expect.objectContaining({ eventId: refused.id, stationId: 'ST-CUT-1', seq: 1, type: 'cutting.output', operatorId: 'OP-CUT1', code: 'unknown_work_order' }),
    ]);
    expect(view.flagged).toEqual([expect.objectContaining({ eventId: flagged.id, seq: 2, code: 'clock_ahead', message: expect.stringMatching(/ahead/) })]);
    expect(view.conflicts).toEqual([]);
  });
});
