/**
 * Property tests over random station action sequences on every route: the floor's invariants hold after every
 * prefix, duplicates change nothing, quantities are conserved, and a halted line records nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FloorState, WorkOrderDoc } from './docs';
import type { Action, FloorEvent } from './events';
import { lineOf as lineOfEvent } from './events';
import { uuidv7 } from './ids';
import { ROUTES, nextPlace, receivingDepartment, workOrderIdFor, type Department, type ManufacturingOrder } from './master';
import { makeSscc } from './barcode/gs1';
import { applyEvent, fold } from './reducer';
import { PIPELINE, availableFor, readyToSend } from './rules/pipeline';
import { EventFactory, fixtureMaster, lineOf, mo, operatorOf, stateWithOrders, supervisorOf } from './testing/fixtures';

const MOS: ManufacturingOrder[] = [
  mo(1, { route: 'R1', quantity: 40 }),
  mo(2, { route: 'R2', quantity: 30, articleCode: 'BUNNY-25' }),
  mo(3, { route: 'R3', quantity: 20, destination: 'US-DC2' }),
];
const master = fixtureMaster();

/** A random intent; the interpreter turns it into a concrete action against the current state. */
const intent = fc.record({
  // 0–15 pick a random action (often invalid); 16–27 take the next step forward for the MO.
  kind: fc.integer({ min: 0, max: 27 }),
  mo: fc.integer({ min: 0, max: MOS.length - 1 }),
  qty: fc.integer({ min: 1, max: 45 }),
  pick: fc.nat(),
  flag: fc.boolean(),
  minutes: fc.integer({ min: 0, max: 70 }),
});
type Intent = typeof intent extends fc.Arbitrary<infer T> ? T : never;

/** The next step that moves MO `m` forward, latest place first, as a careful operator would take it. */
function progress(state: FloorState, m: ManufacturingOrder, it: Intent): { dept: Department; action: Action; operator: string | null } | undefined {
  const places = ROUTES[m.route].filter((p): p is Department => p !== 'subcon');
  for (const dept of [...places].reverse()) {
    const woId = workOrderIdFor(m.id, dept);
    const w = state.workOrder[woId];
    if (!w) continue;
    const lineId = lineOf(dept);
    const line = state.line[lineId];
    const op = operatorOf(dept);
    if (line?.halt) {
      return { dept, operator: op, action: { type: 'line.released', payload: { lineId, haltId: line.halt.haltId, supervisorId: supervisorOf(dept), disposition: 'rescan_passed', correctiveAction: 'rescanned, line cleaned' } } };
    }
    const incoming = Object.values(state.transfer).find((t) => t.toWorkOrderId === woId && t.status === 'locked');
    if (incoming) {
      if (line?.occupant && (line.occupant.articleCode !== w.articleCode || line.occupant.destination !== w.destination)) {
        return { dept, operator: op, action: { type: 'line.cleared', payload: { lineId, step: dept === 'sewing' ? 290 : dept === 'finishing' ? 380 : 405, checklist: [{ item: 'line empty', ok: true }] } } };
      }
      return { dept, operator: op, action: { type: 'transfer.accepted', payload: { transferId: incoming.id, workOrderId: incoming.workOrderId, toWorkOrderId: woId, countedQty: incoming.quantity, lineId } } };
    }
    const to = nextPlace(m.route, dept);
    const receiver = to ? receivingDepartment(m.route, to) : undefined;
    if (to && receiver && readyToSend(w) > 0) {
      return { dept, operator: op, action: { type: 'transfer.created', payload: { transferId: uuidv7(), workOrderId: woId, toWorkOrderId: workOrderIdFor(m.id, receiver), articleCode: m.articleCode, quantity: readyToSend(w), from: dept, to, lineId } } };
    }
    for (const stage of [...PIPELINE[dept]].reverse()) {
      const n = Math.min(availableFor(w, stage), it.qty);
      if (n <= 0) continue;
      switch (stage) {
        case 'cut':
          return { dept, operator: op, action: { type: 'cutting.output', payload: { workOrderId: woId, lineId, size: 'M', part: 'body', goodQty: n } } };
        case 'embroidered':
          return { dept, operator: op, action: { type: 'embroidery.output', payload: { workOrderId: woId, lineId, goodQty: n, defectQty: 0 } } };
        case 'assembly':
        case 'labelling':
        case 'back_loop':
          return { dept, operator: op, action: { type: 'sewing.stage', payload: { workOrderId: woId, lineId, stage, goodQty: n, destinationLabel: m.destination } } };
        case 'stuffing':
        case 'closing':
        case 'grooming':
          return { dept, operator: op, action: { type: 'finishing.step', payload: { workOrderId: woId, lineId, step: stage, qty: n } } };
        case 'metal_detected':
          return { dept, operator: null, action: { type: 'md.pass', payload: { lineId, workOrderId: woId, deviceId: 'MD01', count: Math.min(n, 5) } } };
        case 'converted':
          return { dept, operator: op, action: { type: 'fg.converted', payload: { workOrderId: woId, lineId, qty: n, fgArticleCode: m.articleCode } } };
        case 'sorted':
          return { dept, operator: op, action: { type: 'packing.sorted', payload: { workOrderId: woId, destination: m.destination, shipWeek: m.shipWeek, qty: n } } };
        case 'packed':
          return { dept, operator: op, action: { type: 'packing.carton', payload: { workOrderId: woId, lineId, sscc: makeSscc(0, '1234567', it.pick % 1_000_000_000), destination: m.destination, shipWeek: m.shipWeek, qty: n } } };
      }
    }
  }
  return undefined;
}

function interpret(state: FloorState, it: Intent): { dept: Department; action: Action; operator: string | null } | undefined {
  const m = MOS[it.mo] as ManufacturingOrder;
  const places = ROUTES[m.route].filter((p): p is Department => p !== 'subcon');
  // With `flag`, act where there is work to move on, so sequences reach finishing and packing.
  const withWork = places.filter((p) => {
    const w = state.workOrder[workOrderIdFor(m.id, p)];
    return w && readyToSend(w) > 0;
  });
  const pool = it.flag && withWork.length ? withWork : places;
  const dept = pool[it.pick % pool.length] as Department;
  const wo = workOrderIdFor(m.id, dept);
  const line = lineOf(dept);
  const op = operatorOf(dept);
  // Half the time take a quantity the rules allow, so sequences get far down the route; else a random one.
  const fit = (woId: string, avail: (w: WorkOrderDoc) => number): number => {
    const w = state.workOrder[woId];
    return it.flag && w ? Math.max(1, avail(w)) : it.qty;
  };
  if (it.kind >= 16) return progress(state, m, it);
  switch (it.kind) {
    case 0:
      return { dept: 'cutting', operator: operatorOf('cutting'), action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(m.id, 'cutting'), lineId: lineOf('cutting'), size: 'M', part: 'body', goodQty: it.qty } } };
    case 1: {
      const to = nextPlace(m.route, dept);
      if (!to) return undefined;
      const receiver = receivingDepartment(m.route, to);
      if (!receiver) return undefined;
      return { dept, operator: op, action: { type: 'transfer.created', payload: { transferId: uuidv7(), workOrderId: wo, toWorkOrderId: workOrderIdFor(m.id, receiver), articleCode: m.articleCode, quantity: fit(wo, readyToSend), from: dept, to, lineId: line } } };
    }
    case 2:
    case 3: {
      const all = Object.values(state.transfer);
      const locked = all.filter((t) => t.status === 'locked');
      const ts = it.pick % 5 && locked.length ? locked : all;
      const t = ts[it.pick % Math.max(1, ts.length)];
      if (!t) return undefined;
      const base = { transferId: t.id, workOrderId: t.workOrderId, toWorkOrderId: t.toWorkOrderId, lineId: lineOf(t.receivingDepartment) };
      const counted = it.kind === 2 || it.flag ? t.quantity : Math.max(0, t.quantity - (it.qty % 3) - 1);
      return it.kind === 2 || counted === t.quantity
        ? { dept: t.receivingDepartment, operator: operatorOf(t.receivingDepartment), action: { type: 'transfer.accepted', payload: { ...base, countedQty: t.quantity } } }
        : { dept: t.receivingDepartment, operator: operatorOf(t.receivingDepartment), action: { type: 'transfer.discrepancy', payload: { ...base, countedQty: counted, reason: 'recount' } } };
    }
    case 4:
      return { dept: 'embroidery', operator: operatorOf('embroidery'), action: { type: 'embroidery.output', payload: { workOrderId: workOrderIdFor(m.id, 'embroidery'), lineId: lineOf('embroidery'), goodQty: fit(workOrderIdFor(m.id, 'embroidery'), (w) => availableFor(w, 'embroidered')), defectQty: it.qty % 4 === 0 ? 1 : 0, defectReason: 'thread' } } };
    case 5: {
      const stage = (['assembly', 'labelling', 'back_loop'] as const)[it.pick % 3] as 'assembly';
      return { dept: 'sewing', operator: operatorOf('sewing'), action: { type: 'sewing.stage', payload: { workOrderId: workOrderIdFor(m.id, 'sewing'), lineId: lineOf('sewing'), stage, goodQty: fit(workOrderIdFor(m.id, 'sewing'), (w) => availableFor(w, stage)), destinationLabel: m.destination } } };
    }
    case 6: {
      const step = (['stuffing', 'closing', 'grooming'] as const)[it.pick % 3] as 'stuffing';
      return { dept: 'finishing', operator: operatorOf('finishing'), action: { type: 'finishing.step', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), step, qty: fit(workOrderIdFor(m.id, 'finishing'), (w) => availableFor(w, step)) } } };
    }
    case 7:
      return { dept: 'finishing', operator: null, action: { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: workOrderIdFor(m.id, 'finishing'), deviceId: 'MD01', count: fit(workOrderIdFor(m.id, 'finishing'), (w) => Math.min(5, availableFor(w, 'metal_detected'))) } } };
    case 8:
      if (it.qty % 3 !== 0) return interpret(state, { ...it, kind: 7 });
      return { dept: 'finishing', operator: null, action: { type: 'md.detection', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', metal: 'fe' } } };
    case 9: {
      const l = state.line[lineOf('finishing')];
      const haltId = l?.halt?.haltId ?? uuidv7();
      return { dept: 'finishing', operator: operatorOf('finishing'), action: { type: 'line.released', payload: { lineId: lineOf('finishing'), haltId, supervisorId: it.flag || it.qty % 2 ? supervisorOf('finishing') : operatorOf('finishing'), disposition: 'rescan_passed', correctiveAction: 'rescanned and cleaned' } } };
    }
    case 10:
      return { dept: 'finishing', operator: null, action: { type: 'md.verification', payload: { lineId: lineOf('finishing'), deviceId: 'MD01', trigger: 'hourly', result: it.flag ? 'pass' : 'fail', pieces: [{ metal: 'fe', sizeMm: 1, pieceId: 'TP1', detected: it.flag }] } } };
    case 11:
      return { dept: 'finishing', operator: operatorOf('finishing'), action: { type: 'fg.converted', payload: { workOrderId: workOrderIdFor(m.id, 'finishing'), lineId: lineOf('finishing'), qty: it.qty, fgArticleCode: m.articleCode } } };
    case 12: {
      const holds = Object.values(state.hold).filter((h) => h.status === 'open');
      const h = holds[it.pick % Math.max(1, holds.length)];
      if (!h) return undefined;
      const results = Object.entries(h.items).map(([workOrderId, n]) => ({ workOrderId, passedQty: it.flag ? n : 0, rejectedQty: it.flag ? 0 : n }));
      return { dept: 'finishing', operator: operatorOf('finishing'), action: { type: 'hold.released', payload: { holdId: h.id, supervisorId: supervisorOf('finishing'), results } } };
    }
    case 13:
      return { dept, operator: op, action: { type: 'line.cleared', payload: { lineId: line, step: dept === 'sewing' ? 290 : dept === 'finishing' ? 380 : 405, checklist: [{ item: 'empty', ok: true }] } } };
    case 14:
      return { dept: 'sewing', operator: operatorOf('sewing'), action: { type: 'qc.inline', payload: { workOrderId: workOrderIdFor(m.id, 'sewing'), lineId: lineOf('sewing'), stage: 'assembly', result: it.flag ? 'scrap' : 'rework', qty: Math.min(it.qty, 3), defectReason: 'seam' } } };
    default:
      if (it.qty % 4 !== 0) return interpret(state, { ...it, kind: it.qty % 2 ? 1 : 2 });
      return { dept: 'finishing', operator: operatorOf('finishing'), action: { type: 'line.halted', payload: { lineId: lineOf('finishing'), reason: 'manual stop' } } };
  }
}

function eventsFrom(intents: Intent[]): { events: FloorEvent[]; states: FloorState[] } {
  let now = Date.UTC(2026, 10, 21, 6);
  const f = new EventFactory(() => now);
  let state = stateWithOrders(MOS);
  const events: FloorEvent[] = [];
  const states: FloorState[] = [state];
  for (const it of intents) {
    now += it.minutes * 60_000;
    const cmd = interpret(state, it);
    if (!cmd) continue;
    const e = f.event(`ST-${{ cutting: 'CUT', embroidery: 'EMB', sewing: 'SEW', finishing: 'FIN', packing: 'PCK' }[cmd.dept]}-1`, cmd.operator, cmd.action);
    events.push(e);
    state = applyEvent(state, e, master).state;
    states.push(state);
  }
  return { events, states };
}

function checkInvariants(state: FloorState): void {
  const wos = Object.values(state.workOrder);
  for (const wo of wos) {
    const fields: (keyof WorkOrderDoc)[] = ['receivedQty', 'producedQty', 'scrappedQty', 'sentQty', 'heldQty', 'inputScrapQty', 'reworkQty'];
    for (const k of fields) expect(wo[k], `${wo.id}.${k}`).toBeGreaterThanOrEqual(0);
    const stages = PIPELINE[wo.place];
    const counts = stages.map((s) => wo.stageQty[s] ?? 0);
    counts.forEach((c, i) => {
      expect(c, `${wo.id} ${stages[i]}`).toBeGreaterThanOrEqual(0);
      if (i > 0) expect(c, `${wo.id} ${stages[i]} <= ${stages[i - 1]}`).toBeLessThanOrEqual(counts[i - 1] as number);
    });
    if (wo.place !== 'cutting' && stages.length) expect(counts[0] as number).toBeLessThanOrEqual(wo.receivedQty - wo.inputScrapQty);
    if (wo.place === 'cutting') expect(counts[0] as number).toBeLessThanOrEqual(wo.plannedQty);
    if (stages.length) expect(wo.sentQty, `${wo.id} sent <= finished`).toBeLessThanOrEqual(counts[counts.length - 1] as number);

    // QT-09 conservation: what was sent = accepted + discrepancies + still in transit.
    const out = Object.values(state.transfer).filter((t) => t.workOrderId === wo.id && t.createdEventId !== null);
    const sent = out.reduce((s, t) => s + t.quantity, 0);
    const accepted = out.filter((t) => t.status === 'accepted').reduce((s, t) => s + (t.countedQty ?? 0), 0);
    const discrepancies = out.filter((t) => t.status === 'discrepancy').reduce((s, t) => s + t.quantity, 0);
    const inTransit = out.filter((t) => t.status === 'locked').reduce((s, t) => s + t.quantity, 0);
    expect(wo.sentQty).toBe(sent);
    expect(sent).toBe(accepted + discrepancies + inTransit);
    const into = Object.values(state.transfer).filter((t) => t.toWorkOrderId === wo.id && t.status !== 'locked');
    expect(wo.receivedQty).toBe(into.reduce((s, t) => s + (t.countedQty ?? 0), 0));

    const held = Object.values(state.hold).filter((h) => h.status === 'open').reduce((s, h) => s + (h.items[wo.id] ?? 0), 0);
    expect(wo.heldQty, `${wo.id} held = open holds`).toBe(held);
  }
  for (const t of Object.values(state.transfer)) {
    if (t.status === 'accepted') expect(t.countedQty).toBe(t.quantity);
    if (t.status === 'discrepancy') expect(t.countedQty).not.toBe(t.quantity);
  }
  const OPEN = ['raised', 'acknowledged', 'investigating'];
  for (const line of Object.values(state.line)) {
    if (line.halt) expect(OPEN).toContain(state.alert[line.halt.haltId]?.status);
    // The line lists exactly its alerts not closed yet.
    const open = Object.values(state.alert).filter((a) => a.lineId === line.id && OPEN.includes(a.status)).map((a) => a.id);
    expect([...(line.alerts ?? [])].sort(), `${line.id} alerts`).toEqual(open.sort());
  }
  // No alert stays open once its cause is gone; every closed one says why, and its last step is the close.
  for (const a of Object.values(state.alert)) {
    const line = a.lineId === null ? undefined : state.line[a.lineId];
    const holdReleased = !a.holdId || state.hold[a.holdId]?.status === 'released';
    if (a.status === 'closed') {
      expect(a.closedBecause, a.id).not.toBeNull();
      expect(a.steps?.at(-1)).toMatchObject({ status: 'closed', eventId: a.closedEventId });
    } else if (a.type === 'metal_detection' || a.type === 'manual_halt') {
      expect(line?.halt?.haltId, `${a.type} ${a.id} open without its halt`).toBe(a.id);
    } else if (a.type === 'verification_overdue' || a.type === 'verification_failed') {
      const passedSince = line?.verification.lastPassAt != null && line.verification.lastPassAt > a.raisedAt;
      expect(passedSince && holdReleased, `${a.type} ${a.id} open after a pass and its hold's release`).toBe(false);
    } else if (a.type === 'needle_fragments_missing') {
      expect(holdReleased).toBe(false);
    }
  }
}

const OUTPUT_TYPES = new Set(['cutting.output', 'embroidery.output', 'sewing.stage', 'qc.inline', 'finishing.step', 'finishing.physicalQc', 'fg.converted', 'md.pass', 'packing.carton', 'transfer.created', 'transfer.accepted', 'transfer.discrepancy']);

describe('reducer properties', () => {
  it('invariants hold after every prefix', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 120 }), (intents) => {
        const { states } = eventsFrom(intents);
        for (const s of states) checkInvariants(s);
      }),
      { numRuns: 150 },
    );
  });

  it('random sequences do reach the interesting states (the generator is not vacuous)', () => {
    let accepted = 0;
    let halted = 0;
    let held = 0;
    fc.assert(
      fc.property(fc.array(intent, { minLength: 80, maxLength: 120 }), (intents) => {
        const { states } = eventsFrom(intents);
        const last = states[states.length - 1] as FloorState;
        accepted += Object.values(last.transfer).filter((t) => t.status !== 'locked').length;
        halted += states.some((s) => s.line[lineOf('finishing')]?.halt) ? 1 : 0;
        held += Object.keys(last.hold).length;
      }),
      { numRuns: 60 },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(halted).toBeGreaterThan(0);
    expect(held).toBeGreaterThan(0);
  });

  it('applying an event twice equals applying it once (by id), duplicates anywhere', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 80 }), fc.array(fc.nat(), { maxLength: 20 }), (intents, dupAt) => {
        const { events } = eventsFrom(intents);
        const once = fold(events, master, stateWithOrders(MOS));
        const withDups = [...events];
        for (const d of dupAt) {
          if (events.length === 0) break;
          const e = events[d % events.length] as FloorEvent;
          withDups.splice(d % (withDups.length + 1), 0, e);
        }
        // A duplicate inserted before its original moves it earlier; keep the original order for the comparison.
        const firstSeen = new Map<string, number>();
        withDups.forEach((e, i) => firstSeen.has(e.id) || firstSeen.set(e.id, i));
        const reordered = withDups.filter((e, i) => firstSeen.get(e.id) === i);
        const twice = fold([...reordered, ...events], master, stateWithOrders(MOS));
        if (reordered.map((e) => e.id).join() === events.map((e) => e.id).join()) expect(twice.state).toEqual(once.state);
        expect(fold([...events, ...events], master, stateWithOrders(MOS)).state).toEqual(once.state);
      }),
      { numRuns: 100 },
    );
  });

  it("a halted line's output events are all refused", () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 120 }), (intents) => {
        const { events, states } = eventsFrom(intents);
        events.forEach((e, i) => {
          const before = states[i] as FloorState;
          const lineId = lineOfEvent(e);
          if (!lineId || !OUTPUT_TYPES.has(e.type) || !before.line[lineId]?.halt) return;
          const r = applyEvent(before, e, master);
          expect(r.ok, `${e.type} on halted ${lineId}`).toBe(false);
          if (!r.ok) expect(r.refusal.code).toBe('line_halted');
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a refused event leaves the state exactly as it was', () => {
    fc.assert(
      fc.property(fc.array(intent, { maxLength: 80 }), (intents) => {
        const { events, states } = eventsFrom(intents);
        events.forEach((e, i) => {
          const before = states[i] as FloorState;
          const r = applyEvent(before, e, master);
          if (!r.ok) expect(r.state).toBe(before);
        });
      }),
      { numRuns: 80 },
    );
  });
});
