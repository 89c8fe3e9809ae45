import type { TransferDoc, WorkOrderDoc } from '../docs';
import type { EventOf, SlipCopy } from '../events';
import { nextPlace, receivingDepartment, workOrderIdFor } from '../master';
import { readyToSend } from './pipeline';
import { enterLine } from './line';
import { refuse, type Tx } from './tx';

/** QT-09 LOCK: the sender creates the transfer; its quantity leaves the sender's WIP and cannot be sent twice. */
export function lockTransfer(tx: Tx, e: EventOf<'transfer.created'>): void {
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
  const ready = readyToSend(wo);
  if (p.quantity > ready) refuse('exceeds_available', `only ${ready} pieces of ${wo.id} are ready to hand over, not ${p.quantity}`);

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
    tx.put({ ...existing, createdEventId: e.id, createdBy: e.operatorId, createdAt: e.hlc });
  } else {
    tx.put({
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
      countedQty: null,
      discrepancyReason: null,
      acceptedEventId: null,
      acceptedBy: null,
      acceptedStationId: null,
      acceptedAt: null,
      slip: null,
    });
  }
  tx.put({ ...wo, sentQty: wo.sentQty + p.quantity });
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
    countedQty: null,
    discrepancyReason: null,
    acceptedEventId: null,
    acceptedBy: null,
    acceptedStationId: null,
    acceptedAt: null,
    slip,
  };
}

/**
 * QT-09 UNLOCK: the receiver accepts (counted = sent) or records a discrepancy (counted ≠ sent, with a reason).
 * Either way the counted pieces enter the receiver's WIP. A transfer is accepted once; a second acceptance is refused.
 * A receiver that has not synced the transfer yet accepts from the signed slip (verified before the rules run).
 */
export function acceptTransfer(tx: Tx, e: EventOf<'transfer.accepted'> | EventOf<'transfer.discrepancy'>): void {
  const p = e.payload;
  let transfer = tx.get('transfer', p.transferId);
  const receiverWo: WorkOrderDoc = tx.ownWorkOrder(p.toWorkOrderId);
  if (!transfer) {
    if (!p.slip) refuse('unknown_transfer', `transfer ${p.transferId} is not known here; scan its slip`);
    transfer = transferFromSlip(tx, p.transferId, p.slip, receiverWo);
  }
  if (transfer.status !== 'locked') {
    refuse('transfer_already_accepted', `transfer ${p.transferId} was already accepted (${transfer.status})`);
  }
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
  if (!discrepancy && p.countedQty !== transfer.quantity) {
    refuse('count_mismatch', `counted ${p.countedQty} but ${transfer.quantity} were sent; record a discrepancy`);
  }
  if (discrepancy && p.countedQty === transfer.quantity) {
    refuse('count_mismatch', `counted ${p.countedQty} equals what was sent; accept instead of recording a discrepancy`);
  }
  enterLine(tx, p.lineId, receiverWo, 'receive');
  tx.put({
    ...transfer,
    status: discrepancy ? 'discrepancy' : 'accepted',
    countedQty: p.countedQty,
    discrepancyReason: e.type === 'transfer.discrepancy' ? e.payload.reason : null,
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
}
