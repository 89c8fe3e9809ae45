/**
 * Helpers for the example rule tests (shared/rules.gaps.test.ts, shared/rules.sop.test.ts): an order walked to a
 * department, and what an accepted or a refused event must leave behind.
 */
import { expect } from 'vitest';
import type { Action } from '../events';
import { workOrderIdFor, type Department, type ManufacturingOrder } from '../master';
import type { RefusalCode } from '../refusal';
import { Floor } from './flow';
import { lineOf } from './fixtures';

/** A checklist with every item ticked. */
export const CHECKED = [{ item: 'line empty', ok: true }];
/** The clearance step of each receiving line (CLEARANCE_STEP in master.ts). */
export const CLEARANCE = { sewing: 290, finishing: 380, packing: 405 } as const;

/** The action must be refused with `code` and leave every document exactly as it was. Returns the refusal's message. */
export function expectRefusedUnchanged(floor: Floor, d: Department, action: Action, code: RefusalCode, operatorId?: string | null): string {
  const before = floor.state;
  const snapshot = structuredClone(before);
  const r = floor.try(d, action, operatorId);
  expect(r.ok ? 'ok' : r.refusal.code).toBe(code);
  expect(floor.state).toBe(before);
  expect(floor.state).toEqual(snapshot);
  return r.ok ? '' : r.refusal.message;
}

/** The action must be accepted and change no document (the event itself is the record). */
export function expectAcceptedNoChange(floor: Floor, d: Department, action: Action, operatorId?: string | null): void {
  const before = floor.state;
  const r = floor.try(d, action, operatorId);
  expect(r.ok ? 'ok' : `${r.refusal.code}: ${r.refusal.message}`).toBe('ok');
  if (r.ok) expect(r.changes).toEqual([]);
  expect(floor.state).toBe(before);
}

/** The receiving line `d` is cleared (its clearance step, checklist ticked). */
export function clearLine(floor: Floor, d: keyof typeof CLEARANCE): void {
  floor.do(d, { type: 'line.cleared', payload: { lineId: lineOf(d), step: CLEARANCE[d], checklist: CHECKED } });
}

/** Route 1 order `m`: cut, embroider and hand `qty` pieces to sewing (accepted there). */
export function walkToSewing(m: ManufacturingOrder, qty: number, floor: Floor = new Floor([m])): Floor {
  floor.cut(m, qty);
  expect(floor.accept(m, floor.send(m, 'cutting', qty), 'embroidery', qty).ok).toBe(true);
  floor.do('embroidery', { type: 'embroidery.output', payload: { workOrderId: workOrderIdFor(m.id, 'embroidery'), lineId: lineOf('embroidery'), goodQty: qty, defectQty: 0 } });
  expect(floor.accept(m, floor.send(m, 'embroidery', qty), 'sewing', qty).ok).toBe(true);
  return floor;
}

/** ... then sew them, hand them to finishing, stuff, close and groom them (the detector not yet verified). */
export function walkToFinishing(m: ManufacturingOrder, qty: number, floor: Floor = new Floor([m])): Floor {
  walkToSewing(m, qty, floor);
  floor.sew(m, qty);
  expect(floor.accept(m, floor.send(m, 'sewing', qty), 'finishing', qty).ok).toBe(true);
  floor.finish(m, qty);
  return floor;
}

/** Route 2 order `m`: cut `qty` sets, hand them to sewing (accepted there) and sew them through its three stages. */
export function cutAndSew(floor: Floor, m: ManufacturingOrder, qty: number): void {
  floor.cut(m, qty);
  expect(floor.accept(m, floor.send(m, 'cutting', qty), 'sewing', qty).ok).toBe(true);
  floor.sew(m, qty);
}

/** Route 2 order `m` from cutting to the LOCK into packing, clearing each line before it enters. Returns the transfer. */
export function walkToPackingLock(floor: Floor, m: ManufacturingOrder, qty: number): string {
  floor.cut(m, qty);
  const t1 = floor.send(m, 'cutting', qty);
  clearLine(floor, 'sewing');
  expect(floor.accept(m, t1, 'sewing', qty).ok).toBe(true);
  floor.sew(m, qty);
  const t2 = floor.send(m, 'sewing', qty);
  clearLine(floor, 'finishing');
  expect(floor.accept(m, t2, 'finishing', qty).ok).toBe(true);
  floor.finish(m, qty);
  floor.verify('pass'); // lot start
  floor.detectPass(m, qty);
  floor.do('finishing', { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), qty, fgArticleCode: m.articleCode } });
  return floor.send(m, 'finishing', qty);
}
