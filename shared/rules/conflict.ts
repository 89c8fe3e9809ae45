/**
 * Competing claims on the same pieces (QT-09): the conflict document's mechanics. A claim that lost (see
 * `claimPieces` in transfer.ts) opens a conflict; the receiver's acceptance of the disputed transfer, and later work of
 * the receiver that needed those pieces, wait in it (`parked`) instead of being refused in a cascade; a supervisor's
 * decision voids the claim or applies it and replays what waited, in order (see `resolveConflict` in transfer.ts).
 */
import type { ConflictDoc, Doc, DocReader, TransferDoc, WorkOrderDoc } from '../docs';
import type { FloorEvent } from '../events';
import type { MasterData } from '../master';
import type { Refusal } from '../refusal';
import { NeedDocs, refuse, Tx } from './tx';

/** The rule book's `decide`, passed in (reducer.ts imports this module). */
export type Decide = (
  reader: DocReader,
  event: FloorEvent,
  master: MasterData,
  opts: { recorded?: boolean; replaying?: boolean },
) => { ok: true; changes: Doc[] } | { ok: false; refusal: Refusal } | { ok: 'need'; keys: NeedDocs['keys'] };

function newConflict(transfer: TransferDoc, e: FloorEvent, type: ConflictDoc['type']): ConflictDoc {
  return {
    kind: 'conflict',
    id: transfer.id,
    type,
    moId: transfer.moId,
    workOrderId: transfer.workOrderId,
    toWorkOrderId: transfer.toWorkOrderId,
    quantity: transfer.quantity,
    from: transfer.from,
    receivingDepartment: transfer.receivingDepartment,
    claim: { eventId: e.id, type: e.type, stationId: e.stationId, operatorId: e.operatorId, at: e.hlc, fromStationId: transfer.fromStationId },
    holders: [],
    readyAtClaim: null,
    parked: [],
    status: type === 'competing_claim' ? 'open' : 'waiting',
    resolution: null,
    raisedAt: e.hlc,
  };
}

/**
 * A competing claim: opens the conflict for a disputed transfer (or turns the acceptance's waiting one into it),
 * naming the other side: the transfers of the same work order that hold the pieces.
 */
export function raiseConflict(tx: Tx, senderWo: WorkOrderDoc, disputed: TransferDoc, e: FloorEvent, ready: number): void {
  const holders = (senderWo.transfersOut ?? [])
    .map((id) => tx.get('transfer', id))
    .filter((t): t is TransferDoc => t !== undefined && t.id !== disputed.id)
    .map((t) => ({ transferId: t.id, fromStationId: t.fromStationId, quantity: t.quantity, status: t.status, acceptedStationId: t.acceptedStationId }));
  const base = tx.get('conflict', disputed.id) ?? newConflict(disputed, e, 'competing_claim');
  const claim = { eventId: e.id, type: e.type, stationId: e.stationId, operatorId: e.operatorId, at: e.hlc, fromStationId: disputed.fromStationId };
  tx.put({ ...base, type: 'competing_claim', status: 'open', claim, holders, readyAtClaim: ready });
}

/** The receiving work order stops waiting on this conflict (decided either way). */
export function releaseDispute(tx: Tx, conflict: ConflictDoc): void {
  const wo = tx.get('workOrder', conflict.toWorkOrderId);
  if (wo?.disputes?.includes(conflict.id)) tx.put({ ...wo, disputes: wo.disputes.filter((id) => id !== conflict.id) });
}

function withDispute(wo: WorkOrderDoc, conflictId: string): WorkOrderDoc {
  const disputes = wo.disputes ?? [];
  return disputes.includes(conflictId) ? wo : { ...wo, disputes: [...disputes, conflictId] };
}

const isAcceptance = (e: FloorEvent, transferId: string): boolean =>
  (e.type === 'transfer.accepted' || e.type === 'transfer.discrepancy') && e.payload.transferId === transferId;

/**
 * The receiver's acceptance of a transfer whose LOCK is not applied (awaiting the sender, or disputed): kept in the
 * transfer's conflict, its pieces counted nowhere until the LOCK arrives or a supervisor decides.
 */
export function parkAcceptance(tx: Tx, transfer: TransferDoc, receiverWo: WorkOrderDoc, e: FloorEvent): void {
  const conflict = tx.get('conflict', transfer.id) ?? newConflict(transfer, e, transfer.status === 'disputed' ? 'competing_claim' : 'awaiting_lock');
  if (conflict.parked.some((p) => isAcceptance(p, transfer.id))) {
    refuse('transfer_already_accepted', `transfer ${transfer.id} was already accepted; that acceptance waits for the sender's LOCK or a supervisor`);
  }
  tx.put({ ...conflict, parked: [...conflict.parked, e] });
  tx.put(withDispute(receiverWo, conflict.id));
}

/**
 * Replays `events` on top of `tx` (a nested decide that reads through the changes staged so far): each change that
 * passes is staged; each refusal is returned. A document the server has not loaded yet stops the whole decision
 * (NeedDocs), so it is loaded and the resolution decided again.
 */
export function replay(tx: Tx, events: readonly FloorEvent[], decide: Decide): { eventId: string; code: string; message: string }[] {
  const failed: { eventId: string; code: string; message: string }[] = [];
  for (const ev of events) {
    const d = decide(tx, ev, tx.master, { recorded: true, replaying: true });
    if (d.ok === 'need') throw new NeedDocs(d.keys);
    if (d.ok) for (const doc of d.changes) tx.put(doc);
    else failed.push({ eventId: ev.id, code: d.refusal.code, message: d.refusal.message });
  }
  return failed;
}

/**
 * Work of the receiver refused for lack of pieces, on a work order whose disputed acceptances would supply them: it is
 * parked in the (latest) open conflict instead of refused, so a supervisor's "apply" counts it. Decided by replaying
 * the open conflicts' parked events as if applied and deciding the event on top; work that would fail even then is
 * refused as usual. Returns the conflict to write, or undefined (refuse).
 */
export function parkIfDisputed(reader: DocReader, event: FloorEvent, master: MasterData, decide: Decide): ConflictDoc | undefined {
  const woId = (event.payload as { workOrderId?: unknown }).workOrderId;
  if (typeof woId !== 'string' || isAcceptance(event, (event.payload as { transferId?: string }).transferId ?? '')) return undefined;
  const wo = reader.get('workOrder', woId);
  const station = master.stations.get(event.stationId);
  if (!wo || !station || wo.place !== station.department || !wo.disputes?.length) return undefined;
  const open = wo.disputes.map((id) => reader.get('conflict', id)).filter((c): c is ConflictDoc => c !== undefined && c.status !== 'resolved');
  const last = open[open.length - 1];
  if (!last) return undefined;
  const overlay = new Tx(reader, event, master, station, undefined, true);
  for (const c of open) {
    const t = overlay.get('transfer', c.id);
    if (t) overlay.put({ ...t, status: 'locked', senderDebited: true });
    replay(overlay, c.parked, decide);
  }
  const d = decide(overlay, event, master, { recorded: true, replaying: true });
  if (d.ok === 'need') throw new NeedDocs(d.keys);
  return d.ok ? { ...last, parked: [...last.parked, event] } : undefined;
}
