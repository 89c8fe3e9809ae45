import { describe, expect, it } from 'vitest';
import type { Action } from '../events';
import { EventFactory, lineOf } from '../testing/fixtures';
import { qcRecords, qcSummary, type QcRecord } from './qc-yield';

const now = Date.UTC(2026, 11, 5, 2);
const f = new EventFactory(() => now);
const SEW = 'MO-2026-0001-SEW';
const inline = (result: 'pass' | 'rework' | 'scrap', qty: number, workOrderId = SEW, stage: 'assembly' | 'back_loop' | 'final' = 'assembly'): Action => ({
  type: 'qc.inline',
  payload: { workOrderId, lineId: lineOf('sewing'), stage, result, qty, ...(result === 'pass' ? {} : { defectReason: 'open seam' }) },
});
const rec = (result: QcRecord['result'], qty: number, over: Partial<QcRecord> = {}): QcRecord => ({ department: 'sewing', workOrderId: SEW, stage: 'assembly', result, qty, atMs: 1000, ...over });
const ALL = [0, Number.MAX_SAFE_INTEGER] as const;

describe('QC pass rate and first-pass yield', () => {
  it('reads QC events: the department from the SPK, `final` as the last stage, physical QC at the detector stage', () => {
    const events = [
      f.at('sewing', inline('pass', 3, SEW, 'final')),
      f.at('finishing', { type: 'finishing.physicalQc', payload: { workOrderId: 'MO-2026-0001-FIN', lineId: lineOf('finishing'), result: 'scrap', qty: 1, defectReason: 'asymmetric' } }),
      f.at('cutting', { type: 'cutting.output', payload: { workOrderId: 'MO-2026-0001-CUT', lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 1 } }),
    ];
    expect(qcRecords(events).map((r) => [r.department, r.stage, r.result, r.qty, r.atMs])).toEqual([
      ['sewing', 'back_loop', 'pass', 3, now],
      ['finishing', 'metal_detected', 'scrap', 1, now],
    ]);
  });

  it('all passing first time: 100 % both', () => {
    expect(qcSummary([rec('pass', 10)], ...ALL)).toEqual([
      { department: 'sewing', recorded: 10, passed: 10, rework: 0, scrap: 0, passRate: 1, inspected: 10, passedFirstTime: 10, firstPassYield: 1 },
    ]);
  });

  it('a reworked piece that passes later counts for the pass rate, never for the yield', () => {
    // 10 inspected: 8 pass, 2 rework; the 2 come back and pass.
    const [s] = qcSummary([rec('pass', 8), rec('rework', 2), rec('pass', 2)], ...ALL);
    expect(s).toMatchObject({ recorded: 12, passed: 10, rework: 2, inspected: 10, passedFirstTime: 8 });
    expect(s?.passRate).toBeCloseTo(10 / 12);
    expect(s?.firstPassYield).toBeCloseTo(0.8);
  });

  it('a record larger than the reworked pieces waiting: the rest are first inspections', () => {
    // 2 reworked wait; then 5 pass: 2 re-inspections + 3 new pieces passing first time.
    const [s] = qcSummary([rec('rework', 2), rec('pass', 5)], ...ALL);
    expect(s).toMatchObject({ inspected: 5, passedFirstTime: 3 });
  });

  it('reworked twice: still one piece inspected once; scrap is no pass', () => {
    const [s] = qcSummary([rec('rework', 1), rec('rework', 1), rec('scrap', 1), rec('scrap', 2)], ...ALL);
    expect(s).toMatchObject({ recorded: 5, inspected: 3, passedFirstTime: 0, passRate: 0, firstPassYield: 0 });
  });

  it('rework at one stage or SPK does not make another’s pass a re-inspection', () => {
    const [s] = qcSummary([rec('rework', 4), rec('pass', 4, { stage: 'back_loop' }), rec('pass', 4, { workOrderId: 'MO-2026-0002-SEW' })], ...ALL);
    expect(s).toMatchObject({ inspected: 12, passedFirstTime: 8 });
  });

  it('only records in the range count, but an earlier rework still makes a pass in range a re-inspection', () => {
    const [s] = qcSummary([rec('rework', 3, { atMs: 10 }), rec('pass', 5, { atMs: 200 }), rec('pass', 9, { atMs: 400 })], 100, 300);
    expect(s).toMatchObject({ recorded: 5, passed: 5, rework: 0, inspected: 2, passedFirstTime: 2, passRate: 1, firstPassYield: 1 });
  });

  it('departments in floor order; nothing inspected is no department at all', () => {
    const out = qcSummary([rec('pass', 1, { department: 'finishing', workOrderId: 'MO-2026-0001-FIN' }), rec('scrap', 1)], ...ALL);
    expect(out.map((s) => [s.department, s.passRate])).toEqual([
      ['sewing', 0],
      ['finishing', 1],
    ]);
    expect(qcSummary([], ...ALL)).toEqual([]);
  });
});
