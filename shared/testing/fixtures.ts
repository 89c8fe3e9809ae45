/**
 * A small factory for tests of every part: roster, stations, MOs and an event builder that stamps envelopes the
 * way a station does (per-station seq, HLC, UUIDv7).
 */
import { emptyState, newWorkOrderDoc, withChanges, type FloorState } from '../docs';
import { makeEvent, type Action, type FloorEvent } from '../events';
import { createHlc, type Hlc } from '../hlc';
import { uuidv7 } from '../ids';
import { PLACE_CODE, fanOut, masterData, type CutPart, type Department, type ManufacturingOrder, type MasterData, type Operator, type Station } from '../master';

export const DEPARTMENTS: readonly Department[] = ['cutting', 'embroidery', 'sewing', 'finishing', 'packing'];
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;

/** Test PIN hash placeholder: roster fixtures never log in through scrypt here. */
const PIN = 'scrypt$test';

export function fixtureStations(perDept = 1): Station[] {
  return DEPARTMENTS.flatMap((d) =>
    Array.from({ length: perDept }, (_, i) => ({
      id: `ST-${CODE[d]}-${i + 1}`,
      department: d,
      name: `${d} station ${i + 1}`,
      lineId: `LN-${CODE[d]}-${i + 1}`,
    })),
  );
}

export function fixtureOperators(): Operator[] {
  return [
    ...DEPARTMENTS.map((d) => ({ id: `OP-${CODE[d]}1`, name: `${d} operator`, roles: ['operator' as const], departments: [d], pinHash: PIN, active: true })),
    ...DEPARTMENTS.map((d) => ({ id: `OP-${CODE[d]}SV`, name: `${d} supervisor`, roles: ['supervisor' as const], departments: [d], pinHash: PIN, active: true })),
    { id: 'OP-ADMIN', name: 'admin', roles: ['admin' as const], departments: [], pinHash: PIN, active: true },
  ];
}

export function fixtureMaster(perDept = 1): MasterData {
  return masterData({ operators: fixtureOperators(), stations: fixtureStations(perDept) });
}

export const operatorOf = (d: Department): string => `OP-${CODE[d]}1`;
export const supervisorOf = (d: Department): string => `OP-${CODE[d]}SV`;
export const stationOf = (d: Department, n = 1): string => `ST-${CODE[d]}-${n}`;
export const lineOf = (d: Department, n = 1): string => `LN-${CODE[d]}-${n}`;

/**
 * A one-part bill of cut parts: one body cut is one set. The default for fixture orders, so flows that are not about
 * the BOM count sets directly; BOM rules and the demo floor use the articles' real bills below.
 */
export const ONE_PART_BOM: readonly CutPart[] = [{ part: 'body', qtyPerSet: 1 }];

/** The demo articles' real bills of cut parts (what cutting records, part by part). */
export const ARTICLE_BOMS: Readonly<Record<'BEAR-30' | 'BUNNY-25' | 'ELEPHANT-40', readonly CutPart[]>> = {
  'BEAR-30': [
    { part: 'body', qtyPerSet: 1 },
    { part: 'head', qtyPerSet: 1 },
    { part: 'ear', qtyPerSet: 2 },
    { part: 'arm', qtyPerSet: 2 },
    { part: 'leg', qtyPerSet: 2 },
  ],
  'BUNNY-25': [
    { part: 'body', qtyPerSet: 1 },
    { part: 'head', qtyPerSet: 1 },
    { part: 'ear', qtyPerSet: 2 },
    { part: 'leg', qtyPerSet: 2 },
  ],
  'ELEPHANT-40': [
    { part: 'body', qtyPerSet: 1 },
    { part: 'head', qtyPerSet: 1 },
    { part: 'ear', qtyPerSet: 2 },
    { part: 'trunk', qtyPerSet: 1 },
    { part: 'leg', qtyPerSet: 4 },
  ],
};

export function mo(n: number, over: Partial<ManufacturingOrder> = {}): ManufacturingOrder {
  return {
    id: `MO-2026-${String(n).padStart(4, '0')}`,
    articleCode: 'BEAR-30',
    quantity: 100,
    route: 'R1',
    destination: 'DE-DC1',
    shipWeek: '2026-W50',
    cutParts: [...ONE_PART_BOM],
    ...over,
  };
}

/** State holding the work orders of the given MOs, as PPIC would have released them. */
export function stateWithOrders(mos: readonly ManufacturingOrder[], base: FloorState = emptyState()): FloorState {
  return withChanges(base, mos.flatMap((m) => fanOut(m).map((wo) => newWorkOrderDoc(wo))));
}

/** Cutting reports `goodQty` bodies in size M for a work order (on the cutting department's first line unless told). */
export const cuttingOutput = (workOrderId: string, goodQty: number, lineId: string = lineOf('cutting')): Action => ({
  type: 'cutting.output',
  payload: { workOrderId, lineId, size: 'M', part: 'body', goodQty },
});

/** A detector's verification run on `lineId` with certified Fe and stainless pieces: both detected unless it failed. */
export const verificationRun = (lineId: string, result: 'pass' | 'fail' = 'pass'): Action => ({
  type: 'md.verification',
  payload: {
    lineId,
    deviceId: 'MD01',
    trigger: 'startup',
    result,
    pieces: [
      { metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-1', detected: true },
      { metal: 'stainless', sizeMm: 1.5, pieceId: 'TP-SS-1', detected: result === 'pass' },
    ],
  },
});

/** Builds events like a station does: ids UUIDv7, seq per station, HLC per station. */
export class EventFactory {
  private readonly seqs = new Map<string, number>();
  private readonly clocks = new Map<string, Hlc>();
  constructor(private readonly now: () => number = () => Date.UTC(2026, 10, 21, 8)) {}

  event(stationId: string, operatorId: string | null, action: Action): FloorEvent {
    const seq = (this.seqs.get(stationId) ?? 0) + 1;
    this.seqs.set(stationId, seq);
    let clock = this.clocks.get(stationId);
    if (!clock) {
      clock = createHlc(stationId, this.now);
      this.clocks.set(stationId, clock);
    }
    return makeEvent({ id: uuidv7(this.now), stationId, seq, hlc: clock.send(), operatorId, v: 1 }, action);
  }

  /** An event from the department's first station by its operator. */
  at(d: Department, action: Action, operatorId: string | null = operatorOf(d)): FloorEvent {
    return this.event(stationOf(d), operatorId, action);
  }
}
