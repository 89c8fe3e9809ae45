/**
 * Detector verification runs: the one judgement the hardware bridge builds its runs with and the rules (station and
 * server) check recorded runs with. What an operator or an auditor would notice: a run that skipped a required metal
 * never counts as a pass, wherever it is recorded; a run the bridge records is always accepted by the rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PayloadOf, TestMetal, TestPiece } from '../events';
import { Floor } from '../testing/flow';
import { fixtureMaster, lineOf } from '../testing/fixtures';
import {
  FLOOR_REQUIRED_METALS,
  TEST_METALS,
  certifiedPiece,
  checkRecordedRun,
  completeRun,
  judgeRun,
  requiredMetals,
  runTrigger,
  testPieceOf,
  untestedMetals,
} from './verification';

type Run = PayloadOf<'md.verification'>;
const ALL: TestMetal[] = ['fe', 'nonfe', 'stainless'];
const piece = (metal: TestMetal, detected = true): TestPiece => ({ metal, sizeMm: 1.5, pieceId: `TP-${metal}`, detected });
const run = (result: Run['result'], pieces: TestPiece[], requiredMetals?: TestMetal[]): Run => ({
  lineId: lineOf('finishing'),
  deviceId: 'MD01',
  trigger: 'hourly',
  result,
  pieces,
  ...(requiredMetals ? { requiredMetals } : {}),
});
const certifiedOf = (metal: TestMetal) => certifiedPiece(metal, 'MD01');

describe('required metals', () => {
  it('are the floor minimum (Fe) plus what the device adds, never fewer', () => {
    expect(FLOOR_REQUIRED_METALS).toEqual(['fe']);
    expect(requiredMetals()).toEqual(['fe']);
    expect(requiredMetals(['nonfe'])).toEqual(['fe', 'nonfe']);
    expect(requiredMetals(['stainless', 'fe', 'nonfe', 'fe'])).toEqual(ALL);
  });
});

describe('judging a run', () => {
  it('passes only when every required metal was tested and every piece detected', () => {
    expect(judgeRun(ALL, ALL.map((m) => piece(m)))).toEqual({ result: 'pass', missing: [] });
    expect(judgeRun(ALL, [piece('fe'), piece('stainless')])).toEqual({ result: 'fail', missing: ['nonfe'] });
    expect(judgeRun(ALL, [piece('fe'), piece('nonfe', false), piece('stainless')])).toEqual({ result: 'fail', missing: [] });
    // A device that requires only stainless still has to show Fe.
    expect(judgeRun(['stainless'], [piece('stainless')])).toEqual({ result: 'fail', missing: ['fe'] });
    expect(untestedMetals(ALL, [piece('nonfe'), piece('nonfe')])).toEqual(['fe', 'stainless']);
  });

  it('a run that ends without a required metal is recorded with NOT-TESTED pieces, not detected, and fails', () => {
    const done = completeRun(ALL, [piece('fe'), piece('stainless')], certifiedOf);
    expect(done.result).toBe('fail');
    expect(done.missing).toEqual(['nonfe']);
    expect(done.pieces.map((p) => [p.metal, p.pieceId, p.detected])).toEqual([
      ['fe', 'TP-fe', true],
      ['stainless', 'TP-stainless', true],
      ['nonfe', 'NOT-TESTED-nonfe', false],
    ]);
    expect(done.pieces[2]?.sizeMm).toBe(1.5); // the usual non-Fe piece
  });

  it('a reading becomes a certified piece up to 20 mm; the certified piece fills in what the detector did not send', () => {
    const cert = { metal: 'fe' as const, sizeMm: 1.2, pieceId: 'CERT-FE-7' };
    expect(testPieceOf({ metal: 'fe', detected: true }, cert)).toEqual({ metal: 'fe', sizeMm: 1.2, pieceId: 'CERT-FE-7', detected: true });
    expect(testPieceOf({ metal: 'fe', sizeMm: 20, pieceId: 'BIG', detected: false }, cert)).toEqual({ metal: 'fe', sizeMm: 20, pieceId: 'BIG', detected: false });
    expect(testPieceOf({ metal: 'fe', sizeMm: 20.5, pieceId: 'BALL', detected: true }, cert)).toEqual({
      ignored: 'test piece BALL of 20.5 mm is not a certified piece (max 20 mm): ignored',
    });
    const long = testPieceOf({ metal: 'fe', pieceId: 'X'.repeat(60), detected: true }, cert);
    expect('pieceId' in long && long.pieceId.length).toBe(40);
    expect(certifiedPiece('stainless', 'D'.repeat(40))).toMatchObject({ sizeMm: 2, pieceId: expect.stringMatching(/^D{39}…$/) });
  });

  it('names the trigger, most specific first', () => {
    const base = { powerOnPending: false, startupRunDone: true, lotChanged: false };
    expect(runTrigger(base)).toBe('hourly');
    expect(runTrigger({ ...base, lotChanged: true })).toBe('lot_start');
    expect(runTrigger({ ...base, lotChanged: true, startupRunDone: false })).toBe('startup');
    expect(runTrigger({ ...base, lotChanged: true, startupRunDone: false, powerOnPending: true })).toBe('power_on');
  });

  it('a run started from the station is recorded with the trigger its operator gave', () => {
    const base = { powerOnPending: false, startupRunDone: true, lotChanged: false };
    expect(runTrigger({ ...base, requested: 'lot_end' })).toBe('lot_end');
    expect(runTrigger({ ...base, requested: 'end_of_day' })).toBe('end_of_day');
    // The operator says why, whatever the bridge would have guessed (a power-on is recorded on its own as md.powerOn).
    expect(runTrigger({ powerOnPending: true, startupRunDone: false, lotChanged: true, requested: 'manual' })).toBe('manual');
    expect(runTrigger({ ...base, lotChanged: true, requested: undefined })).toBe('lot_start');
  });
});

describe('the check a recorded run must pass', () => {
  it('refuses a pass that skipped a metal its device required', () => {
    expect(checkRecordedRun(run('pass', [piece('fe')], ALL))).toEqual({
      code: 'verification_incomplete',
      message: 'result pass but nonfe, stainless not tested: a run must test fe, nonfe, stainless',
    });
  });

  it('refuses a pass without Fe even when the run names no required metals (events from older stations)', () => {
    expect(checkRecordedRun(run('pass', [piece('nonfe'), piece('stainless')]))?.code).toBe('verification_incomplete');
    expect(checkRecordedRun(run('pass', [piece('stainless')], ['stainless']))?.code).toBe('verification_incomplete');
    expect(checkRecordedRun(run('pass', [piece('fe')]))).toBeNull();
  });

  it('accepts a failed run that skipped a metal (it fails safe), refuses a result its pieces contradict', () => {
    expect(checkRecordedRun(run('fail', [piece('fe')], ALL))).toBeNull();
    expect(checkRecordedRun(run('pass', [piece('fe', false)]))?.code).toBe('verification_inconsistent');
    expect(checkRecordedRun(run('fail', ALL.map((m) => piece(m)), ALL))?.code).toBe('verification_inconsistent');
  });
});

describe('through the rule book, on a station and on the server', () => {
  for (const asServer of [false, true]) {
    it(`${asServer ? 'server' : 'station'}: a pass that skipped a required metal is refused and the line stays unverified`, () => {
      const floor = new Floor([], fixtureMaster(), undefined, asServer);
      const skipped = floor.try('finishing', { type: 'md.verification', payload: run('pass', [piece('fe'), piece('stainless')], ALL) }, null);
      expect(skipped.ok ? 'applied' : skipped.refusal.code).toBe('verification_incomplete');
      expect(floor.state.line[lineOf('finishing')]?.verification.status ?? 'never verified').toBe('never verified');

      floor.do('finishing', { type: 'md.verification', payload: run('pass', ALL.map((m) => piece(m)), ALL) }, null);
      expect(floor.state.line[lineOf('finishing')]?.verification.status).toBe('ok');
      // The same skipped run recorded as failed is taken: the detector is not proven, the line goes to failed.
      floor.do('finishing', { type: 'md.verification', payload: run('fail', [piece('fe'), piece('stainless')], ALL) }, null);
      expect(floor.state.line[lineOf('finishing')]?.verification.status).toBe('failed');
    });
  }
});

const metals = fc.subarray(ALL);
const anyPiece = fc.record({
  metal: fc.constantFrom(...ALL),
  sizeMm: fc.double({ min: 0.1, max: 20, noNaN: true }),
  pieceId: fc.string({ minLength: 1, maxLength: 40 }),
  detected: fc.boolean(),
});
const anyRun = fc.record({
  result: fc.constantFrom('pass' as const, 'fail' as const),
  pieces: fc.array(anyPiece, { minLength: 1, maxLength: 6 }),
  requiredMetals: fc.option(fc.subarray(ALL, { minLength: 1 }), { nil: undefined }),
});
const runOf = (r: { result: Run['result']; pieces: TestPiece[]; requiredMetals: TestMetal[] | undefined }): Run => run(r.result, r.pieces, r.requiredMetals);

describe('properties', () => {
  it('required metals contain the floor minimum and the device list, in the floor order, whatever the list', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ALL), { maxLength: 6 }), (list) => {
        const req = requiredMetals(list);
        for (const m of [...FLOOR_REQUIRED_METALS, ...list]) expect(req).toContain(m);
        expect(req).toEqual(TEST_METALS.filter((m) => req.includes(m)));
        expect(requiredMetals(req)).toEqual(req);
      }),
      { numRuns: 200 },
    );
  });

  it('every run the bridge completes passes the check the rules apply, and passes only if every required metal was detected', () => {
    fc.assert(
      fc.property(metals, fc.array(anyPiece, { maxLength: 6 }), (deviceList, tested) => {
        const done = completeRun(deviceList, tested, certifiedOf);
        const recorded = run(done.result, done.pieces, done.required);
        expect(checkRecordedRun(recorded)).toBeNull();
        // Also when a server reads it as an older event (no required list): the floor minimum is always in the record.
        expect(checkRecordedRun({ ...recorded, requiredMetals: undefined })).toBeNull();
        expect(untestedMetals(requiredMetals(deviceList), done.pieces)).toEqual([]);
        const everyRequiredDetected = requiredMetals(deviceList).every((m) => tested.some((p) => p.metal === m));
        expect(done.result === 'pass').toBe(everyRequiredDetected && tested.every((p) => p.detected));
      }),
      { numRuns: 300 },
    );
  });

  it('an accepted pass tested every required metal and detected every piece; a refused run names why', () => {
    fc.assert(
      fc.property(anyRun, (r) => {
        const recorded = runOf(r);
        const refusal = checkRecordedRun(recorded);
        const required = requiredMetals(recorded.requiredMetals);
        const skipped = required.filter((m) => !recorded.pieces.some((p) => p.metal === m));
        if (refusal === null && recorded.result === 'pass') {
          expect(skipped).toEqual([]);
          expect(recorded.pieces.every((p) => p.detected)).toBe(true);
        }
        if (recorded.result === 'pass' && skipped.length > 0) expect(refusal?.code).toBe('verification_incomplete');
        expect(refusal === null).toBe(judgeRun(required, recorded.pieces).result === recorded.result);
      }),
      { numRuns: 500 },
    );
  });

  it('station and server decide every recorded run alike, and the line is verified only by an accepted pass', () => {
    fc.assert(
      fc.property(fc.array(anyRun, { minLength: 1, maxLength: 8 }), (runs) => {
        const station = new Floor([], fixtureMaster());
        const server = new Floor([], fixtureMaster(), undefined, true);
        for (const r of runs) {
          const payload = runOf(r);
          const atStation = station.try('finishing', { type: 'md.verification', payload }, null);
          const atServer = server.try('finishing', { type: 'md.verification', payload }, null);
          expect(atStation.ok ? 'applied' : atStation.refusal.code).toBe(atServer.ok ? 'applied' : atServer.refusal.code);
          expect(atStation.ok).toBe(checkRecordedRun(payload) === null);
          if (atStation.ok) expect(station.state.line[lineOf('finishing')]?.verification.status).toBe(payload.result === 'pass' ? 'ok' : 'failed');
        }
      }),
      { numRuns: 100 },
    );
  });
});
