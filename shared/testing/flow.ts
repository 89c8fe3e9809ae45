/** Drives a state through station actions in tests, failing loudly when a step that should pass is refused. */
import type { FloorState } from '../docs';
import type { Action, FloorEvent } from '../events';
import type { Department, ManufacturingOrder, MasterData } from '../master';
import { workOrderIdFor, nextPlace, receivingDepartment } from '../master';
import { applyEvent, type ApplyResult } from '../reducer';
import { uuidv7 } from '../ids';
import { EventFactory, fixtureMaster, lineOf, stateWithOrders, verificationRun } from './fixtures';

export class Floor {
  state: FloorState;
  readonly events: FloorEvent[] = [];
  readonly f: EventFactory;

  constructor(
    mos: readonly ManufacturingOrder[],
    readonly master: MasterData = fixtureMaster(),
    now?: () => number,
    /** Decide as the server does: every document is here, and events are facts recorded at their stations. */
    readonly asServer = false,
  ) {
    this.state = stateWithOrders(mos);
    this.f = new EventFactory(now);
  }

  /** Apply an action at a department; returns the result without throwing. */
  try(d: Department, action: Action, operatorId?: string | null): ApplyResult & { event: FloorEvent } {
    const event = this.f.at(d, action, operatorId);
    this.events.push(event);
    const r = applyEvent(this.state, event, this.master, this.asServer ? { recorded: true, complete: true } : {});
    this.state = r.state;
    return { ...r, event };
  }

  /** Apply an action that must be accepted. */
  do(d: Department, action: Action, operatorId?: string | null): FloorEvent {
    const r = this.try(d, action, operatorId);
    if (!r.ok) throw new Error(`${action.type} refused: ${r.refusal.code}: ${r.refusal.message}`);
    return r.event;
  }

  wo(moId: string, place: Parameters<typeof workOrderIdFor>[1]) {
    const wo = this.state.workOrder[workOrderIdFor(moId, place)];
    if (!wo) throw new Error(`no work order ${moId} ${place}`);
    return wo;
  }

  /** Create (LOCK) a transfer of `qty` from `from` to the next place; returns its id. */
  send(m: ManufacturingOrder, from: Department, qty: number): string {
    const to = nextPlace(m.route, from);
    if (!to) throw new Error('end of route');
    const receiver = receivingDepartment(m.route, to);
    if (!receiver) throw new Error('no receiver');
    const transferId = uuidv7();
    this.do(from, {
      type: 'transfer.created',
      payload: {
        transferId,
        workOrderId: workOrderIdFor(m.id, from),
        toWorkOrderId: workOrderIdFor(m.id, receiver),
        articleCode: m.articleCode,
        quantity: qty,
        from,
        to,
        lineId: lineOf(from),
      },
    });
    return transferId;
  }

  accept(m: ManufacturingOrder, transferId: string, receiver: Department, countedQty: number): ApplyResult & { event: FloorEvent } {
    const t = this.state.transfer[transferId];
    if (!t) throw new Error(`no transfer ${transferId}`);
    return this.try(receiver, {
      type: 'transfer.accepted',
      payload: { transferId, workOrderId: t.workOrderId, toWorkOrderId: t.toWorkOrderId, countedQty, lineId: lineOf(receiver) },
    });
  }

  /** Cut `qty` complete sets: every part on the order's bill of cut parts, `qtyPerSet` of each per set. */
  cut(m: ManufacturingOrder, qty: number): void {
    for (const { part, qtyPerSet } of m.cutParts) {
      this.do('cutting', { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(m.id, 'cutting'), lineId: lineOf('cutting'), size: 'M', part, goodQty: qty * qtyPerSet } });
    }
  }

  sew(m: ManufacturingOrder, qty: number): void {
    const workOrderId = workOrderIdFor(m.id, 'sewing');
    const lineId = lineOf('sewing');
    this.do('sewing', { type: 'sewing.stage', payload: { workOrderId, lineId, stage: 'assembly', goodQty: qty } });
    this.do('sewing', { type: 'sewing.stage', payload: { workOrderId, lineId, stage: 'labelling', goodQty: qty, destinationLabel: m.destination } });
    this.do('sewing', { type: 'sewing.stage', payload: { workOrderId, lineId, stage: 'back_loop', goodQty: qty } });
  }

  finish(m: ManufacturingOrder, qty: number): void {
    const workOrderId = workOrderIdFor(m.id, 'finishing');
    const lineId = lineOf('finishing');
    for (const step of ['stuffing', 'closing', 'grooming'] as const) {
      this.do('finishing', { type: 'finishing.step', payload: { workOrderId, lineId, step, qty } });
    }
  }

  verify(result: 'pass' | 'fail' = 'pass'): FloorEvent {
    return this.do('finishing', verificationRun(lineOf('finishing'), result), null);
  }

  detectPass(m: ManufacturingOrder, count: number): void {
    this.do('finishing', { type: 'md.pass', payload: { lineId: lineOf('finishing'), workOrderId: workOrderIdFor(m.id, 'finishing'), deviceId: 'MD01', count } }, null);
  }
}
