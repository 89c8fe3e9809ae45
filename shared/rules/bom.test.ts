/**
 * The bill of cut parts (issue #12 finding "cutting counts parts as toys"): cutting records parts; a complete set is
 * the minimum over the BOM's parts; WIP, transfers and SPK progress count sets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newWorkOrderDoc, type WorkOrderDoc } from '../docs';
import { parseAction, type Action } from '../events';
import { fanOut, workOrderIdFor, type CutPart } from '../master';
import { Floor } from '../testing/flow';
import { ARTICLE_BOMS, lineOf, mo } from '../testing/fixtures';
import { completeSets, cutParts, partsShortOfNextSet } from './bom';
import { readyToSend } from './pipeline';
import { Refused } from './tx';

const BEAR = mo(1, { route: 'R2', quantity: 80, articleCode: 'BEAR-30', cutParts: [...ARTICLE_BOMS['BEAR-30']] });
const CUT = workOrderIdFor(BEAR.id, 'cutting');
const cutting = (part: string, goodQty: number, workOrderId = CUT): Action => ({
  type: 'cutting.output',
  payload: { workOrderId, lineId: lineOf('cutting'), size: 'M', part, goodQty },
});

describe('completeSets', () => {
  const bom: CutPart[] = [
    { part: 'body', qtyPerSet: 1 },
    { part: 'ear', qtyPerSet: 2 },
  ];

  it('is the minimum over parts of parts cut ÷ qtyPerSet, rounded down', () => {
    expect(completeSets(bom, {})).toBe(0);
    expect(completeSets(bom, { body: 60 })).toBe(0);
    expect(completeSets(bom, { body: 60, ear: 60 })).toBe(30);
    expect(completeSets(bom, { body: 60, ear: 121 })).toBe(60);
    expect(completeSets(bom, { body: 59, ear: 200 })).toBe(59);
    // A part not on the BOM never makes a set.
    expect(completeSets(bom, { head: 500 })).toBe(0);
  });

  it('property: never more than any one part allows, and one more of each short part completes the next set', () => {
    const arbBom = fc.uniqueArray(fc.record({ part: fc.constantFrom('body', 'head', 'ear', 'arm', 'leg', 'tail'), qtyPerSet: fc.integer({ min: 1, max: 4 }) }), {
      minLength: 1,
      maxLength: 6,
      selector: (p) => p.part,
    });
    fc.assert(
      fc.property(arbBom, fc.array(fc.nat(300), { minLength: 6, maxLength: 6 }), (parts, counts) => {
        const cut: Record<string, number> = {};
        parts.forEach((p, i) => (cut[p.part] = counts[i] ?? 0));
        const sets = completeSets(parts, cut);
        for (const p of parts) expect(sets * p.qtyPerSet).toBeLessThanOrEqual(cut[p.part] ?? 0);
        expect(parts.some((p) => (sets + 1) * p.qtyPerSet > (cut[p.part] ?? 0))).toBe(true);
        const topUp = { ...cut };
        for (const s of partsShortOfNextSet(parts, cut)) topUp[s.part] = (topUp[s.part] ?? 0) + s.short;
        expect(completeSets(parts, topUp)).toBe(sets + 1);
      }),
    );
  });
});

describe('cutting records parts; sets are what moves on', () => {
  it('60 bodies and 60 heads are not 120 toys: no complete set until every part of the bear is cut', () => {
    const floor = new Floor([BEAR]);
    floor.do('cutting', cutting('body', 60));
    floor.do('cutting', cutting('head', 60));
    const wo = floor.wo(BEAR.id, 'cutting');
    expect(wo.partsCut).toEqual({ body: 60, head: 60 });
    expect(wo.stageQty.cut ?? 0).toBe(0);
    expect(readyToSend(wo)).toBe(0);
    // Ears, arms and legs come two per bear: 100 of each make 50 bears, the bodies and heads wait for the rest.
    for (const part of ['ear', 'arm', 'leg']) floor.do('cutting', cutting(part, 100));
    expect(floor.wo(BEAR.id, 'cutting').stageQty.cut).toBe(50);
    expect(readyToSend(floor.wo(BEAR.id, 'cutting'))).toBe(50);
  });

  it('a handover counts sets: 50 can be sent when parts for 50 bears are cut, 51 cannot', () => {
    const floor = new Floor([BEAR]);
    floor.do('cutting', cutting('body', 60));
    floor.do('cutting', cutting('head', 60));
    for (const part of ['ear', 'arm', 'leg']) floor.do('cutting', cutting(part, 100));
    const send = (quantity: number): Action => ({
      type: 'transfer.created',
      payload: { transferId: `T-${quantity}`, workOrderId: CUT, toWorkOrderId: workOrderIdFor(BEAR.id, 'sewing'), articleCode: BEAR.articleCode, quantity, from: 'cutting', to: 'sewing', lineId: lineOf('cutting') },
    });
    const tooMany = floor.try('cutting', send(51));
    expect(tooMany.ok ? 'accepted' : tooMany.refusal.code).toBe('exceeds_available');
    floor.do('cutting', send(50));
    expect(floor.wo(BEAR.id, 'cutting').sentQty).toBe(50);
  });

  it('a part the BOM does not list is refused (unknown_part) and changes nothing', () => {
    const floor = new Floor([BEAR]);
    floor.do('cutting', cutting('body', 10));
    const before = floor.state;
    const r = floor.try('cutting', cutting('tail', 10));
    expect(r.ok ? 'accepted' : r.refusal.code).toBe('unknown_part');
    expect(r.ok ? '' : r.refusal.message).toContain('body, head, ear, arm, leg');
    expect(floor.state.workOrder).toEqual(before.workOrder);
  });

  it('no part beyond the plan (80 bears: 80 bodies, 160 ears) until a surplus revises it', () => {
    const floor = new Floor([BEAR]);
    floor.do('cutting', cutting('ear', 160));
    const r = floor.try('cutting', cutting('ear', 1));
    expect(r.ok ? 'accepted' : r.refusal.code).toBe('exceeds_planned');
    expect(floor.wo(BEAR.id, 'cutting').partsCut).toEqual({ ear: 160 });
    floor.do('cutting', { type: 'cutting.surplus', payload: { workOrderId: CUT, surplusQty: 2, reason: 'extra fabric from the roll end' } });
    floor.do('cutting', cutting('ear', 4));
    expect(floor.wo(BEAR.id, 'cutting').partsCut?.ear).toBe(164);
  });

  it('sets QC scrapped at cutting (inline QC, stage final) are not counted again when the next parts come in', () => {
    const floor = new Floor([BEAR]);
    floor.cut(BEAR, 10);
    floor.do('cutting', { type: 'qc.inline', payload: { workOrderId: CUT, lineId: lineOf('cutting'), stage: 'final', result: 'scrap', qty: 2, defectReason: 'fabric flaw' } });
    expect(floor.wo(BEAR.id, 'cutting').stageQty.cut).toBe(8);
    floor.cut(BEAR, 5);
    const wo = floor.wo(BEAR.id, 'cutting');
    expect(wo.stageQty.cut).toBe(13);
    expect(wo.scrappedQty).toBe(2);
  });

  it('the fan-out puts the MO\'s bill of cut parts on every work order of the route', () => {
    for (const wo of fanOut(BEAR)) expect(newWorkOrderDoc(wo).cutParts).toEqual(ARTICLE_BOMS['BEAR-30']);
  });

  it('a work order released before BOMs (no cutParts) counts each piece as a set, as it did', () => {
    const { cutParts: _bom, ...legacy } = newWorkOrderDoc(fanOut(BEAR)[0] as NonNullable<ReturnType<typeof fanOut>[0]>);
    const wo: WorkOrderDoc = legacy;
    expect(cutParts(wo, 'anything', 7).stageQty.cut).toBe(7);
  });

  it('cutParts refuses by throwing Refused (the rule engine turns it into a refusal)', () => {
    const wo = newWorkOrderDoc(fanOut(BEAR)[0] as NonNullable<ReturnType<typeof fanOut>[0]>);
    expect(() => cutParts(wo, 'tail', 1)).toThrow(Refused);
  });
});

describe('step 300: sewing checks the quantity against the BOM', () => {
  /** 50 bears cut and sent to sewing; returns the floor and the transfer id. */
  function sent(qty = 50): { floor: Floor; transferId: string } {
    const floor = new Floor([BEAR]);
    floor.cut(BEAR, qty);
    const transferId = floor.send(BEAR, 'cutting', qty);
    return { floor, transferId };
  }
  const accept = (transferId: string, countedQty: number, partsCounted: { part: string; qty: number }[], reason?: string): Action => {
    const base = { transferId, workOrderId: CUT, toWorkOrderId: workOrderIdFor(BEAR.id, 'sewing'), countedQty, lineId: lineOf('sewing'), partsCounted };
    return reason ? { type: 'transfer.discrepancy', payload: { ...base, reason } } : { type: 'transfer.accepted', payload: base };
  };
  const allParts = (sets: number) => ARTICLE_BOMS['BEAR-30'].map((p) => ({ part: p.part, qty: sets * p.qtyPerSet }));

  it('parts that make the counted sets are accepted and kept on the transfer', () => {
    const { floor, transferId } = sent();
    floor.do('sewing', accept(transferId, 50, allParts(50)));
    expect(floor.state.transfer[transferId]).toMatchObject({ status: 'accepted', countedQty: 50, partsCounted: { body: 50, head: 50, ear: 100, arm: 100, leg: 100 } });
    expect(floor.wo(BEAR.id, 'sewing').receivedQty).toBe(50);
  });

  it('four ears missing: 50 sets cannot be accepted (parts_count_mismatch, naming what is short); 48 as a discrepancy can', () => {
    const { floor, transferId } = sent();
    const parts = allParts(50).map((p) => (p.part === 'ear' ? { ...p, qty: 96 } : p));
    const before = floor.state;
    const r = floor.try('sewing', accept(transferId, 50, parts));
    expect(r.ok ? 'accepted' : r.refusal.code).toBe('parts_count_mismatch');
    expect(r.ok ? '' : r.refusal.message).toContain('make 48 complete sets, not 50');
    expect(floor.state.transfer).toEqual(before.transfer);
    expect(floor.state.workOrder).toEqual(before.workOrder);
    floor.do('sewing', accept(transferId, 48, parts, 'four ears missing from the bundle'));
    expect(floor.state.transfer[transferId]).toMatchObject({ status: 'discrepancy', countedQty: 48 });
    expect(floor.wo(BEAR.id, 'sewing').receivedQty).toBe(48);
  });

  it('a part not on the bill is refused (unknown_part)', () => {
    const { floor, transferId } = sent();
    const r = floor.try('sewing', accept(transferId, 50, [...allParts(50), { part: 'tail', qty: 50 }]));
    expect(r.ok ? 'accepted' : r.refusal.code).toBe('unknown_part');
  });

  it('a part left out of the count counts as none of it (no complete set)', () => {
    const { floor, transferId } = sent();
    const r = floor.try('sewing', accept(transferId, 50, allParts(50).filter((p) => p.part !== 'leg')));
    expect(r.ok ? '' : r.refusal.message).toContain('make 0 complete sets, not 50');
  });

  it('the schema refuses a part counted twice', () => {
    const r = parseAction(accept('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 50, [{ part: 'ear', qty: 50 }, { part: 'ear', qty: 50 }]));
    expect(r.ok).toBe(false);
    expect(parseAction(accept('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 50, allParts(50))).ok).toBe(true);
  });
});
