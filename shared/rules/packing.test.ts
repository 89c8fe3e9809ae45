/**
 * The SPK's packing list (carton manifest) from its work order document: each carton's SSCC, pieces and when, as
 * "carton n of N", kept by the reducer when the carton is packed, so a station prints it offline from what it holds.
 */
import { describe, expect, it } from 'vitest';
import { WorkOrderDocSchema } from '../docs';
import { hlcWallTime } from '../hlc';
import { workOrderIdFor, type ManufacturingOrder } from '../master';
import { Floor } from '../testing/flow';
import { lineOf, mo } from '../testing/fixtures';
import { cartonNumber, packingList } from './packing';

const M = mo(40, { route: 'R2', quantity: 30, destination: 'SE-DC1' });
const PCK = workOrderIdFor(M.id, 'packing');
const SSCCS = ['012345670000000015', '012345670000000022', '012345670000000039'] as const;

/** 30 pieces through to packing, accepted and sorted there. */
function atPacking(m: ManufacturingOrder = M, qty = 30): Floor {
  const floor = new Floor([m]);
  floor.cut(m, qty);
  floor.accept(m, floor.send(m, 'cutting', qty), 'sewing', qty);
  floor.sew(m, qty);
  floor.accept(m, floor.send(m, 'sewing', qty), 'finishing', qty);
  floor.finish(m, qty);
  floor.verify('pass');
  floor.detectPass(m, qty);
  floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), qty, fgArticleCode: m.articleCode } });
  floor.accept(m, floor.send(m, 'finishing', qty), 'packing', qty);
  floor.do('packing', { type: 'packing.sorted', payload: { workOrderId: PCK, destination: m.destination, shipWeek: m.shipWeek, qty } });
  return floor;
}

const carton = (sscc: string, qty: number) =>
  ({ type: 'packing.carton', payload: { workOrderId: PCK, lineId: lineOf('packing'), sscc, destination: M.destination, shipWeek: M.shipWeek, qty } }) as const;

describe('packing list (carton manifest)', () => {
  it('keeps each carton packed on the SPK with its pieces and HLC, and lists them as "n of N" with the totals', () => {
    const floor = atPacking();
    const first = floor.do('packing', carton(SSCCS[0], 12));
    const second = floor.do('packing', carton(SSCCS[1], 10));
    // A refused carton (the same SSCC again) adds no line.
    expect(floor.try('packing', carton(SSCCS[0], 2)).ok).toBe(false);

    const wo = floor.wo(M.id, 'packing');
    expect(wo.packedCartons).toEqual([
      { sscc: SSCCS[0], qty: 12, at: first.hlc },
      { sscc: SSCCS[1], qty: 10, at: second.hlc },
    ]);
    // What the rule keeps is what a station accepts when it pulls the document; a manifest line whose time is not an
    // HLC is not.
    expect(WorkOrderDocSchema.safeParse(wo).success).toBe(true);
    expect(WorkOrderDocSchema.safeParse({ ...wo, packedCartons: [{ sscc: SSCCS[0], qty: 12, at: 'yesterday' }] }).success).toBe(false);
    expect(packingList(wo)).toEqual({
      workOrderId: PCK,
      moId: M.id,
      articleCode: M.articleCode,
      destination: 'SE-DC1',
      shipWeek: M.shipWeek,
      plannedQty: 30,
      cartonCount: 2,
      packedQty: 22,
      lines: [
        { n: 1, sscc: SSCCS[0], qty: 12, packedAtMs: hlcWallTime(first.hlc) },
        { n: 2, sscc: SSCCS[1], qty: 10, packedAtMs: hlcWallTime(second.hlc) },
      ],
    });
    expect(cartonNumber(wo, SSCCS[1])).toBe(2);
    expect(cartonNumber(wo, SSCCS[2])).toBeNull();
  });

  it('lists a carton packed before its manifest line was kept by its SSCC, pieces unknown, still counted in the totals', () => {
    const floor = atPacking();
    floor.do('packing', carton(SSCCS[0], 12));
    // The document as an older version wrote it: SSCCs only.
    const { packedCartons: _kept, ...older } = floor.wo(M.id, 'packing');
    floor.state.workOrder[PCK] = older;
    const third = floor.do('packing', carton(SSCCS[1], 8));

    const list = packingList(floor.wo(M.id, 'packing'));
    expect(list.cartonCount).toBe(2);
    expect(list.packedQty).toBe(20);
    expect(list.lines).toEqual([
      { n: 1, sscc: SSCCS[0], qty: null, packedAtMs: null },
      { n: 2, sscc: SSCCS[1], qty: 8, packedAtMs: hlcWallTime(third.hlc) },
    ]);
  });

  it('is empty for an SPK with nothing packed yet', () => {
    const list = packingList(atPacking().wo(M.id, 'packing'));
    expect(list).toMatchObject({ cartonCount: 0, packedQty: 0, lines: [] });
  });
});
