/**
 * The detector's verification state as the station screen shows it (due / ok / failed, last pass, when the hourly one
 * falls due), and the walk's finding (issue #12 item 2) at the level of the rules: a new lot made verification due and
 * every piece went on hold; a supervisor's hold release did not lift that, only a passing run does, and a run started
 * from the station (an operator's md.verification) is such a run.
 */
import { describe, expect, it } from 'vitest';
import { newLineDoc, type LineDoc } from '../docs';
import type { PayloadOf } from '../events';
import { formatHlc } from '../hlc';
import { workOrderIdFor } from '../master';
import { Floor } from '../testing/flow';
import { lineOf, mo, operatorOf, supervisorOf } from '../testing/fixtures';
import { VERIFICATION_INTERVAL_MS, verificationStatus } from './detector';

const T0 = Date.UTC(2026, 10, 21, 8);
const iso = (ms: number): string => new Date(ms).toISOString();
const FIN = lineOf('finishing');
const lineWith = (verification: LineDoc['verification']): LineDoc => ({ ...newLineDoc(FIN, 'finishing'), verification });
const passedAt = (ms: number) => ({ lastPassAt: formatHlc({ wallMs: ms, counter: 3, nodeId: 'ST-FIN-1' }), lastPassEventId: 'E-PASS' });

describe('the verification state the station screen shows', () => {
  it('ok within the hour after a pass, with when the next one falls due; due once the hour is up, before the timer records it', () => {
    const ok = lineWith({ status: 'ok', ...passedAt(T0) });
    const shown = { lastPassAt: iso(T0), dueAt: iso(T0 + VERIFICATION_INTERVAL_MS) };
    expect(verificationStatus(ok, T0 + 10 * 60_000)).toEqual({ status: 'ok', ...shown });
    expect(verificationStatus(ok, T0 + VERIFICATION_INTERVAL_MS)).toEqual({ status: 'ok', ...shown });
    expect(verificationStatus(ok, T0 + VERIFICATION_INTERVAL_MS + 1)).toEqual({ status: 'due', ...shown });
  });

  it('due before any pass and after a power-on or a new lot; failed after a failed run, however recent the last pass', () => {
    expect(verificationStatus(undefined, T0)).toEqual({ status: 'due', lastPassAt: null, dueAt: null });
    expect(verificationStatus(newLineDoc(FIN, 'finishing'), T0)).toEqual({ status: 'due', lastPassAt: null, dueAt: null });
    expect(verificationStatus(lineWith({ status: 'due', ...passedAt(T0) }), T0 + 60_000)).toMatchObject({ status: 'due', lastPassAt: iso(T0) });
    expect(verificationStatus(lineWith({ status: 'failed', ...passedAt(T0) }), T0 + 60_000)).toMatchObject({ status: 'failed', lastPassAt: iso(T0) });
    expect(verificationStatus(lineWith({ status: 'failed', lastPassAt: null, lastPassEventId: null }), T0)).toEqual({ status: 'failed', lastPassAt: null, dueAt: null });
  });
});

describe('the walk (issue #12 item 2): a lot reached finishing, verification fell due, every piece went on hold', () => {
  it('a hold release does not lift the due state; a run started at the station does; what ran before it stays held until released', () => {
    const A = mo(50, { route: 'R2', quantity: 20 });
    const WO = workOrderIdFor(A.id, 'finishing');
    const floor = new Floor([A]);
    floor.cut(A, 20);
    floor.accept(A, floor.send(A, 'cutting', 20), 'sewing', 20);
    floor.sew(A, 20);
    // The detector's start-up run passed before the first lot arrived.
    floor.verify('pass');
    floor.accept(A, floor.send(A, 'sewing', 20), 'finishing', 20);
    floor.finish(A, 20);
    const line = () => floor.state.line[FIN];
    const held = () => floor.wo(A.id, 'finishing').heldQty;
    const openHolds = () => Object.values(floor.state.hold).filter((h) => h.status === 'open');
    expect(line()?.verification.status).toBe('due');

    floor.detectPass(A, 4);
    expect(held()).toBe(4);
    const [first] = openHolds();
    floor.do('finishing', { type: 'hold.released', payload: { holdId: first?.id ?? '', supervisorId: supervisorOf('finishing'), results: [{ workOrderId: WO, passedQty: 4, rejectedQty: 0 }] } }, operatorOf('finishing'));
    expect(held()).toBe(0);
    // The release settled those four pieces, not the detector: the next pieces go on hold again.
    expect(line()?.verification.status).toBe('due');
    floor.detectPass(A, 3);
    expect(held()).toBe(3);

    // The operator starts a lot-start verification at the station; the detector's run is recorded in their name.
    const run: PayloadOf<'md.verification'> = {
      lineId: FIN,
      deviceId: 'MD01',
      trigger: 'lot_start',
      result: 'pass',
      pieces: [
        { metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-10', detected: true },
        { metal: 'nonfe', sizeMm: 1.5, pieceId: 'TP-NFE-15', detected: true },
        { metal: 'stainless', sizeMm: 2.0, pieceId: 'TP-SS-20', detected: true },
      ],
      requiredMetals: ['fe', 'nonfe', 'stainless'],
    };
    const pass = floor.do('finishing', { type: 'md.verification', payload: run }, operatorOf('finishing'));
    expect(line()?.verification).toEqual({ status: 'ok', lastPassAt: pass.hlc, lastPassEventId: pass.id });
    floor.detectPass(A, 5);
    expect(held()).toBe(3);
    expect(line()?.sinceLastPass).toEqual({ [WO]: 5 });

    // The three pieces from before the pass stay on hold until the supervisor records what re-inspection found.
    const [second] = openHolds();
    expect(second?.items).toEqual({ [WO]: 3 });
    floor.do('finishing', { type: 'hold.released', payload: { holdId: second?.id ?? '', supervisorId: supervisorOf('finishing'), results: [{ workOrderId: WO, passedQty: 2, rejectedQty: 1 }] } }, operatorOf('finishing'));
    expect(held()).toBe(0);
    expect(openHolds()).toEqual([]);
    expect(floor.wo(A.id, 'finishing')).toMatchObject({ scrappedQty: 1 });
    expect(line()?.verification.status).toBe('ok');
  });
});
