/**
 * Detector verification through the real push route: the server judges a recorded run with the same function the
 * station's bridge builds it with (shared/rules/verification.ts), so a "pass" that skipped a required metal is kept,
 * refused, and never marks the line's detector as verified, whether the run names its required metals or not.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LineDoc } from '../../shared/docs';
import type { FloorEvent, PayloadOf, TestMetal } from '../../shared/events';
import type { PushResponse } from '../../shared/sync';
import { EventFactory, lineOf } from '../../shared/testing/fixtures';
import { appForFile, enrollStation, pushAs, type EnrolledStation } from '../testing';

const server = appForFile();
let finishing: EnrolledStation;
const f = new EventFactory(() => Date.now());
const LINE = lineOf('finishing');

beforeAll(async () => {
  finishing = await enrollStation(server.app, 'ST-FIN-1', 'finishing');
});

/** A run the detector reported with nobody logged in: one detected piece per metal in `tested`. */
function run(result: 'pass' | 'fail', tested: TestMetal[], requiredMetals?: TestMetal[]): FloorEvent {
  const payload: PayloadOf<'md.verification'> = {
    lineId: LINE,
    deviceId: 'MD01',
    trigger: 'hourly',
    result,
    pieces: tested.map((metal) => ({ metal, sizeMm: 1.5, pieceId: `TP-${metal}`, detected: true })),
    ...(requiredMetals ? { requiredMetals } : {}),
  };
  return f.event('ST-FIN-1', null, { type: 'md.verification', payload });
}

async function push(events: FloorEvent[]): Promise<string[]> {
  const res = await pushAs(server.app, finishing, events);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<PushResponse>().results.map((r) => (r.refusal ? `${r.status}:${r.refusal.code}` : r.status));
}

async function detectorStatus(): Promise<string> {
  const [row] = await server.db.query<{ body: LineDoc }>("SELECT body FROM documents WHERE kind = 'line' AND id = $1", [LINE]);
  return row?.body.verification.status ?? 'never verified';
}

describe(`detector verification on the server (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('refuses a pass run that skipped a required metal; accepts the full run and a failed run that skipped one', async () => {
    // The device required all three, the run tested Fe only and still says pass.
    expect(await push([run('pass', ['fe'], ['fe', 'nonfe', 'stainless'])])).toEqual(['refused:verification_incomplete']);
    // An event without a required list (an older station): the floor minimum, Fe, is still required.
    expect(await push([run('pass', ['nonfe', 'stainless'])])).toEqual(['refused:verification_incomplete']);
    expect(await detectorStatus()).toBe('never verified');

    expect(await push([run('pass', ['fe', 'nonfe', 'stainless'], ['fe', 'nonfe', 'stainless'])])).toEqual(['applied']);
    expect(await detectorStatus()).toBe('ok');

    // The same skipped run recorded as failed is a failure the floor must act on: applied, the detector is failed.
    expect(await push([run('fail', ['fe'], ['fe', 'nonfe', 'stainless'])])).toEqual(['applied']);
    expect(await detectorStatus()).toBe('failed');
    expect(await push([run('pass', ['stainless', 'fe'], ['stainless', 'nonfe'])])).toEqual(['refused:verification_incomplete']);
    expect(await detectorStatus()).toBe('failed');
  });
});
