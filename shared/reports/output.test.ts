import { describe, expect, it } from 'vitest';
import type { CutPart } from '../master';
import { EventFactory, lineOf } from '../testing/fixtures';
import { outputPerBucket, outputRecords, type OutputRecord } from './output';

const HOUR = 3_600_000;
let now = Date.UTC(2026, 11, 5, 1, 0);
const f = new EventFactory(() => now);
const BEAR: CutPart[] = [{ part: 'body', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }];

describe('output per department', () => {
  it('cutting counts complete sets, across events, by the SPK’s BOM', () => {
    const wo = 'MO-2026-0001-CUT';
    const events = [
      f.at('cutting', { type: 'cutting.output', payload: { workOrderId: wo, lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: 10 } }),
      f.at('cutting', { type: 'cutting.output', payload: { workOrderId: wo, lineId: lineOf('cutting'), size: 'M', part: 'ear', goodQty: 7 } }),
      f.at('cutting', { type: 'cutting.output', payload: { workOrderId: wo, lineId: lineOf('cutting'), size: 'M', part: 'ear', goodQty: 13 } }),
    ];
    const records = outputRecords(events, () => BEAR);
    // 10 bodies: no set yet; 7 ears: 3 sets; 13 more ears (20): 10 sets, 7 more.
    expect(records.map((r) => r.qty)).toEqual([3, 7]);
    // Without a BOM a piece is a set.
    expect(outputRecords(events, () => undefined).map((r) => r.qty)).toEqual([10, 7, 13]);
  });

  it('sewing counts only the last stage; embroidery good pieces; finishing conversions; packing cartons', () => {
    const events = [
      f.at('sewing', { type: 'sewing.stage', payload: { workOrderId: 'MO-2026-0001-SEW', lineId: lineOf('sewing'), stage: 'assembly', goodQty: 9 } }),
      f.at('sewing', { type: 'sewing.stage', payload: { workOrderId: 'MO-2026-0001-SEW', lineId: lineOf('sewing'), stage: 'back_loop', goodQty: 4 } }),
      f.at('embroidery', { type: 'embroidery.output', payload: { workOrderId: 'MO-2026-0001-EMB', lineId: lineOf('embroidery'), goodQty: 6, defectQty: 2, defectReason: 'thread' } }),
      f.at('finishing', { type: 'finishing.step', payload: { workOrderId: 'MO-2026-0001-FIN', lineId: lineOf('finishing'), step: 'stuffing', qty: 8 } }),
      f.at('finishing', { type: 'fg.converted', payload: { workOrderId: 'MO-2026-0001-FIN', lineId: lineOf('finishing'), qty: 5, fgArticleCode: 'BEAR-30' } }),
      f.at('packing', { type: 'packing.carton', payload: { workOrderId: 'MO-2026-0001-PCK', lineId: lineOf('packing'), sscc: '001234560000000018', destination: 'DE-DC1', shipWeek: '2026-W50', qty: 12 } }),
    ];
    expect(outputRecords(events, () => undefined).map((r) => [r.department, r.qty])).toEqual([
      ['sewing', 4],
      ['embroidery', 6],
      ['finishing', 5],
      ['packing', 12],
    ]);
  });

  it('buckets by hour from the first start; outside the range is left out; departments in floor order', () => {
    const t0 = Date.UTC(2026, 11, 5, 0);
    const starts = [t0, t0 + HOUR, t0 + 2 * HOUR];
    const rec = (department: OutputRecord['department'], atMs: number, qty: number): OutputRecord => ({ department, workOrderId: 'x', atMs, qty });
    const out = outputPerBucket(
      [rec('sewing', t0 + 10, 3), rec('cutting', t0 + HOUR + 5, 4), rec('sewing', t0 + 2 * HOUR + 1, 5), rec('sewing', t0 - 1, 100), rec('sewing', t0 + 3 * HOUR, 100), rec('cutting', t0 + HOUR * 1.5, 1)],
      starts,
      t0 + 3 * HOUR,
    );
    expect(out).toEqual([
      { department: 'cutting', perBucket: [0, 5, 0], total: 5 },
      { department: 'sewing', perBucket: [3, 0, 5], total: 8 },
    ]);
    expect(outputPerBucket([rec('sewing', t0, 1)], [], t0 + HOUR)).toEqual([]);
  });

  it('records carry the station’s time of the event', () => {
    now = Date.UTC(2026, 11, 5, 6, 15);
    const [r] = outputRecords([f.at('embroidery', { type: 'embroidery.output', payload: { workOrderId: 'MO-2026-0002-EMB', lineId: lineOf('embroidery'), goodQty: 1, defectQty: 0 } })], () => undefined);
    expect(r?.atMs).toBe(now);
  });
});
