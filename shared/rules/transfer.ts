import type { TransferDoc, WorkOrderDoc } from '../docs';
import type { EventOf, FloorEvent, SlipCopy } from '../events';
import { nextPlace, receivingDepartment, workOrderIdFor } from '../master';
import { parkAcceptance, raiseConflict, releaseDispute, replay, type Decide } from './conflict';
import { readyToSend } from './pipeline';
import { checkPartsCounted } from './bom';
import { enterLine } from './line';
import { newAlert } from './alerts';
import { refuse, type Tx } from './tx';

/** A transfer in transit: nobody has counted it yet. */
const NOT_YET_ACCEPTED = {
  countedQty: null,
  discrepancyReason: null,
  acceptedEventId: null,
  acceptedBy: null,
  acceptedStationId: null,
  acceptedAt: null,
} as const;

/** QT-09 LOCK: the sender creates the transfer; its quantity leaves the sender's WIP and cannot be sent twice. */
export function lockTransfer(tx: Tx, e: EventOf<'transfer.created'>, decide: Decide): void {
  const p = e.payload;
  const wo = tx.ownWorkOrder(p.workOrderId);
  if (p.from !== wo.place) refuse('wrong_department', `transfer from ${p.from} but ${wo.id} is at ${wo.place}`);
  const to = nextPlace(wo.route, wo.place);
  if (to === undefined || p.to !== to) refuse('not_next_on_route', `${wo.route} sends ${wo.place} goods to ${to ?? 'the FG warehouse'}, not ${p.to}`);
  const receiver = receivingDepartment(wo.route, to);
  if (receiver === undefined || p.toWorkOrderId !== workOrderIdFor(wo.moId, receiver)) {
    refuse('wrong_work_order', `goods for ${to} go to work order ${receiver ? workOrderIdFor(wo.moId, receiver) : '(none)'}`);
  }
  if (p.articleCode !== wo.articleCode) refuse('article_mismatch', `${wo.id} is article ${wo.articleCode}, not ${p.articleCode}`);
  enterLine(tx, p.lineId, wo, 'send');

  const existing = tx.get('transfer', p.transferId);
  if (existing && existing.createdEventId !== null) {
    refuse('transfer_already_locked', `transfer ${p.transferId} was already created`);
  }
  if (existing) {
    // The receiver accepted offline from the slip before this LOCK arrived: it must be the same handover.
    const same =
      existing.workOrderId === p.workOrderId &&
      existing.toWorkOrderId === p.toWorkOrderId &&
      existing.articleCode === p.articleCode &&
      existing.quantity === p.quantity &&
      existing.from === p.from &&
      existing.to === p.to &&
      existing.fromStationId === e.stationId;
    if (!same) refuse('slip_mismatch', `transfer ${p.transferId} was accepted from a slip that says something else`);
    const stamped: TransferDoc = { ...existing, createdEventId: e.id, createdBy: e.operatorId, createdAt: e.hlc };
    if (existing.status === 'awaiting_lock') {
      // The acceptance waits for this LOCK: apply it, then what waited (or open a conflict if the pieces are gone).
      const claimed = claimPieces(tx, wo, stamped, e);
      if (claimed.status === 'locked') settleWaiting(tx, claimed.id, e, decide);
      return;
    }
    if (existing.senderDebited === true || existing.status === 'disputed' || existing.status === 'void') {
      tx.put(stamped); // the slip applied this LOCK already (or a supervisor decided): the audit trail only
      return;
    }
    // A document from before slips applied the LOCK: the LOCK event debits, as it did then.
    const ready = readyToSend(wo);
    if (p.quantity > ready) refuse('exceeds_available', `only ${ready} pieces of ${wo.id} are ready to hand over, not ${p.quantity}`);
    debitSender(tx, wo, { ...stamped, senderDebited: true });
    return;
  }
  // A receiving SPK already closed (packing closed the order, perhaps short) takes nothing more: the pieces stay in
  // the sender's WIP for PPIC's follow-up order. A station that does not hold the receiver's SPK leaves it to the server.
  if (tx.get('workOrder', p.toWorkOrderId)?.status === 'closed') {
    refuse('work_order_closed', `${p.toWorkOrderId} is closed: it takes no more goods; they stay at ${wo.place} for a follow-up order`);
  }
  claimPieces(tx, wo, {
    kind: 'transfer',
    id: p.transferId,
    moId: wo.moId,
    workOrderId: wo.id,
    toWorkOrderId: p.toWorkOrderId,
    articleCode: p.articleCode,
    quantity: p.quantity,
    from: p.from,
    to: p.to,
    receivingDepartment: receiver,
    fromStationId: e.stationId,
    status: 'locked',
    createdEventId: e.id,
    createdBy: e.operatorId,
    createdAt: e.hlc,
    ...NOT_YET_ACCEPTED,
    slip: null,
  }, e);
}

/** The sender's work order gives up the transfer's pieces (QT-09 LOCK): `sentQty` and the list of transfers out. */
function debitSender(tx: Tx, wo: WorkOrderDoc, transfer: TransferDoc): void {
  tx.put({ ...transfer, senderDebited: true });
  tx.put({ ...wo, sentQty: wo.sentQty + transfer.quantity, transfersOut: [...(wo.transfersOut ?? []), transfer.id] });
}

/**
 * The sender's LOCK against what the work order has ready. Pieces that are there are debited (the transfer is
 * `locked`, in transit). A command that asks for more is refused: the operator sees the pieces are not there. A
 * recorded LOCK that finds them gone (another station of the same order sent them first while both were offline) is
 * a competing claim: the transfer is `disputed`, counts nowhere, and a conflict opens for a supervisor.
 */
function claimPieces(tx: Tx, wo: WorkOrderDoc, transfer: TransferDoc, e: FloorEvent): TransferDoc {
  const ready = readyToSend(wo);
  if (transfer.quantity <= ready) {
    const locked: TransferDoc = { ...transfer, status: 'locked' };
    debitSender(tx, wo, locked);
    return locked;
  }
  if (!tx.recorded) refuse('exceeds_available', `only ${ready} pieces of ${wo.id} are ready to hand over, not ${transfer.quantity}`);
  const disputed: TransferDoc = { ...transfer, status: 'disputed', senderDebited: false };
  tx.put(disputed);
  raiseConflict(tx, wo, disputed, e, ready);
  return disputed;
}

/**
 * A slip the receiver holds before the sender's LOCK arrived: its signature was checked at the boundary; here it must
 * also describe a legal handover into this work order (same MO and article, from the place before it on the route).
 */
function transferFromSlip(tx: Tx, transferId: string, slip: SlipCopy, receiverWo: WorkOrderDoc): TransferDoc {
  const moId = receiverWo.moId;
  const receiver = receivingDepartment(receiverWo.route, slip.to);
  if (slip.toWorkOrderId !== receiverWo.id || receiver !== receiverWo.place) {
    refuse('wrong_work_order', `the slip is for ${slip.toWorkOrderId}, not ${receiverWo.id}`);
  }
  if (nextPlace(receiverWo.route, slip.from) !== slip.to || slip.workOrderId !== workOrderIdFor(moId, slip.from)) {
    refuse('not_next_on_route', `${receiverWo.route} does not send ${slip.from} goods of ${slip.workOrderId} to ${slip.to}`);
  }
  if (slip.articleCode !== receiverWo.articleCode) {
    refuse('article_mismatch', `the slip says article ${slip.articleCode}, ${receiverWo.id} is ${receiverWo.articleCode}`);
  }
  // Only a station of the sending department can commit its pieces; a station unknown here is judged by the server.
  const signer = tx.master.stations.get(slip.fromStationId);
  if (signer ? signer.department !== slip.from : tx.complete) {
    refuse('slip_signer_not_sender', `the slip is signed by ${slip.fromStationId}${signer ? ` (${signer.department})` : ''}, not by a ${slip.from} station`);
  }
  return {
    kind: 'transfer',
    id: transferId,
    moId,
    workOrderId: slip.workOrderId,
    toWorkOrderId: slip.toWorkOrderId,
    articleCode: slip.articleCode,
    quantity: slip.quantity,
    from: slip.from,
    to: slip.to,
    receivingDepartment: receiver,
    fromStationId: slip.fromStationId,
    status: 'locked',
    createdEventId: null,
    createdBy: null,
    createdAt: null,
    ...NOT_YET_ACCEPTED,
    slip,
  };
}

/**
 * QT-09 UNLOCK: the receiver accepts (counted = sent) or records a discrepancy (counted ≠ sent, with a reason).
 * Either way the counted pieces enter the receiver's WIP. A transfer is accepted once; a second acceptance is refused.
 * A receiver that has not synced the transfer yet accepts from the signed slip (verified before the rules run); the
 * slip is the sender's signed commitment, so it applies the sender's LOCK where the sender's work order is known (the
 * server: always). No transfer is accepted without a LOCK the sender's pieces covered: an acceptance of a disputed
 * transfer waits in its conflict for a supervisor.
 */
export function acceptTransfer(tx: Tx, e: EventOf<'transfer.accepted'> | EventOf<'transfer.discrepancy'>): void {
  const p = e.payload;
  const known = tx.get('transfer', p.transferId);
  const receiverWo: WorkOrderDoc = tx.ownWorkOrder(p.toWorkOrderId);
  let transfer: TransferDoc;
  if (known) transfer = known;
  else if (p.slip) transfer = transferFromSlip(tx, p.transferId, p.slip, receiverWo);
  else refuse('unknown_transfer', `transfer ${p.transferId} is not known here; scan its slip`);

  if (transfer.status === 'accepted' || transfer.status === 'discrepancy') {
    refuse('transfer_already_accepted', `transfer ${p.transferId} was already accepted (${transfer.status})`);
  }
  if (transfer.status === 'void') refuse('transfer_already_accepted', `transfer ${p.transferId} was voided by a supervisor`);
  if (transfer.workOrderId !== p.workOrderId || transfer.toWorkOrderId !== p.toWorkOrderId) {
    refuse('wrong_work_order', `transfer ${p.transferId} is ${transfer.workOrderId} → ${transfer.toWorkOrderId}`);
  }
  if (p.slip && (p.slip.quantity !== transfer.quantity || p.slip.workOrderId !== transfer.workOrderId || p.slip.fromStationId !== transfer.fromStationId)) {
    refuse('slip_mismatch', `the slip does not match transfer ${p.transferId}`);
  }
  if (transfer.receivingDepartment !== tx.department) {
    refuse('wrong_department', `transfer ${p.transferId} is addressed to ${transfer.receivingDepartment}`);
  }
  const discrepancy = e.type === 'transfer.discrepancy';
  if (p.countedQty > transfer.quantity) {
    refuse('count_exceeds_sent', `counted ${p.countedQty} but only ${transfer.quantity} were sent: count again; pieces beyond the slip are not this transfer's`);
  }
  if (!discrepancy && p.countedQty !== transfer.quantity) {
    refuse('count_mismatch', `counted ${p.countedQty} but ${transfer.quantity} were sent; record a discrepancy`);
  }
  if (discrepancy && p.countedQty === transfer.quantity) {
    refuse('count_mismatch', `counted ${p.countedQty} equals what was sent; accept instead of recording a discrepancy`);
  }
  const partsCounted = p.partsCounted ? checkPartsCounted(receiverWo, p.partsCounted, p.countedQty) : undefined;

  if (!known) transfer = lockFromSlip(tx, transfer);
  if (transfer.status === 'disputed' || transfer.status === 'awaiting_lock') {
    parkAcceptance(tx, transfer, receiverWo, e);
    return;
  }
  enterLine(tx, p.lineId, receiverWo, 'receive');
  tx.put({
    ...transfer,
    status: discrepancy ? 'discrepancy' : 'accepted',
    countedQty: p.countedQty,
    discrepancyReason: e.type === 'transfer.discrepancy' ? e.payload.reason : null,
    ...(partsCounted ? { partsCounted } : {}),
    acceptedEventId: e.id,
    acceptedBy: e.operatorId,
    acceptedStationId: e.stationId,
    acceptedAt: e.hlc,
  });
  tx.put({
    ...receiverWo,
    receivedQty: receiverWo.receivedQty + p.countedQty,
    status: receiverWo.status === 'open' ? 'received' : receiverWo.status,
  });
  if (e.type === 'transfer.discrepancy') {
    // Pieces unaccounted for between two departments: a P3 for the receiving department's supervisor, closed by a
    // person once the difference is found or written off (no floor event can tell that).
    const missing = transfer.quantity - p.countedQty;
    tx.put(
      newAlert(e, {
        severity: 'P3',
        type: 'transfer_discrepancy',
        lineId: null,
        workOrderId: receiverWo.id,
        message: `Transfer from ${transfer.from}: ${p.countedQty} counted of ${transfer.quantity} sent (${missing} missing) on ${receiverWo.id}: ${e.payload.reason}`,
      }),
    );
  }
}

/**
 * The LOCK a slip commits the sender to, applied when the receiver's acceptance arrives first: the sender's signed
 * commitment, so the pieces it has ready are debited at once. Pieces the sender has not recorded yet (its output is
 * still offline) leave the transfer `awaiting_lock`: the acceptance waits in a conflict document until the sender's
 * LOCK arrives. Only the server judges the sender's pieces: a receiving station's copy of another department's work
 * order is out of its scope or stale, so it accepts optimistically and the server decides.
 */
function lockFromSlip(tx: Tx, transfer: TransferDoc): TransferDoc {
  if (!tx.complete) return transfer;
  const senderWo = tx.get('workOrder', transfer.workOrderId);
  if (!senderWo) refuse('unknown_work_order', `the slip's work order ${transfer.workOrderId} does not exist`);
  if (transfer.quantity <= readyToSend(senderWo)) {
    debitSender(tx, senderWo, transfer);
    return { ...transfer, senderDebited: true };
  }
  const waiting: TransferDoc = { ...transfer, status: 'awaiting_lock', senderDebited: false };
  tx.put(waiting);
  return waiting;
}

/** The LOCK that an acceptance waited for was applied: replay what waited, in order; the conflict closes. */
function settleWaiting(tx: Tx, conflictId: string, e: FloorEvent, decide: Decide): void {
  const conflict = tx.get('conflict', conflictId);
  if (!conflict) return;
  const notReplayed = replay(tx, conflict.parked, decide);
  releaseDispute(tx, conflict);
  tx.put({ ...conflict, status: 'resolved', resolution: { decision: 'locked', by: null, eventId: e.id, at: e.hlc, note: 'the sender\'s LOCK arrived', notReplayed } });
}

/**
 * A supervisor settles a competing claim (a supervisor of the sending or the receiving department, at one of its
 * stations). void: the claim was wrong (the same pieces on two slips); the transfer is void and what waited is listed
 * as not counted. apply: the pieces exist (the sender has since recorded the output that covers them): the LOCK is
 * applied against what is ready now, and the parked acceptance and later work are replayed in order; any that no
 * longer pass are listed with their reasons, never silently dropped.
 */
export function resolveConflict(tx: Tx, e: EventOf<'conflict.resolved'>, decide: Decide): void {
  const p = e.payload;
  const conflict = tx.get('conflict', p.conflictId);
  if (!conflict) refuse('unknown_conflict', `conflict ${p.conflictId} is not known here`);
  if (conflict.status !== 'open') refuse('conflict_not_open', `conflict ${p.conflictId} was already resolved`);
  if (tx.department !== conflict.from && tx.department !== conflict.receivingDepartment) {
    refuse('wrong_department', `conflict ${p.conflictId} is between ${conflict.from} and ${conflict.receivingDepartment}`);
  }
  tx.supervisor(p.supervisorId, tx.department);
  const transfer = tx.get('transfer', conflict.id);
  if (!transfer) refuse('unknown_transfer', `transfer ${conflict.id} is not known here`);
  releaseDispute(tx, conflict);
  let notReplayed: { eventId: string; code: string; message: string }[];
  if (p.decision === 'void') {
    tx.put({ ...transfer, status: 'void' });
    notReplayed = conflict.parked.map((ev) => ({ eventId: ev.id, code: 'conflict_voided', message: 'the claim was voided: not counted' }));
  } else {
    const senderWo = tx.get('workOrder', conflict.workOrderId);
    if (senderWo) {
      const ready = readyToSend(senderWo);
      if (conflict.quantity > ready) {
        refuse('exceeds_available', `only ${ready} pieces of ${senderWo.id} are ready, not ${conflict.quantity}: record the output that covers them first, or void the claim`);
      }
      debitSender(tx, senderWo, { ...transfer, status: 'locked' });
    } else if (tx.complete) {
      refuse('unknown_work_order', `work order ${conflict.workOrderId} does not exist`);
    } else {
      tx.put({ ...transfer, status: 'locked' }); // the sender's work order is another department's: the server debits
    }
    notReplayed = replay(tx, conflict.parked, decide);
  }
  tx.put({
    ...conflict,
    status: 'resolved',
    resolution: { decision: p.decision, by: p.supervisorId, eventId: e.id, at: e.hlc, note: p.note, notReplayed },
  });
}
