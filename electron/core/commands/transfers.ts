/**
 * QT-09 at the station: LOCK at the sender (`transfer.create`, answering with the signed slip to print) and UNLOCK
 * at the receiver (`transfer.accept`, from the synced transfer or, offline, from its scanned slip).
 */
import { verifyTransferSlip, type TransferSlipFields } from '../../../shared/barcode';
import type { Action, SlipCopy } from '../../../shared/events';
import { uuidv7 } from '../../../shared/ids';
import { nextPlace, receivingDepartment, workOrderIdFor } from '../../../shared/master';
import { fail, type CommandHandlers, type CommandHost } from './host';

/** The transfer an acceptance is for: known here (synced), or read from its verified slip (offline). */
async function whatIsAccepted(
  host: CommandHost,
  p: { transferId?: string | undefined; slip?: string | undefined },
): Promise<{ transferId: string; workOrderId: string; toWorkOrderId: string; slipCopy?: SlipCopy }> {
  const known = p.transferId ? host.state.transfer[p.transferId] : undefined;
  if (known) return { transferId: known.id, workOrderId: known.workOrderId, toWorkOrderId: known.toWorkOrderId };
  if (!p.slip) fail('not_found', `transfer ${p.transferId ?? ''} is not known here yet: scan its slip`);
  const v = await verifyTransferSlip(p.slip, (id) => host.publicKeyOf(id));
  if (!v.ok) fail('refused', `transfer slip rejected (${v.reason}): ${v.message}`, 'slip_mismatch');
  const { transferId, ...signed } = v.slip;
  if (p.transferId && p.transferId !== transferId) fail('bad_request', 'the slip is for another transfer');
  const ids = { transferId, workOrderId: signed.workOrderId, toWorkOrderId: signed.toWorkOrderId };
  // The slip travels with the acceptance only while the transfer itself has not reached this station.
  return host.state.transfer[transferId] ? ids : { ...ids, slipCopy: { ...signed, payload: p.slip } };
}

export function transferHandlers(host: CommandHost): Pick<CommandHandlers, 'transfer.create' | 'transfer.accept'> {
  return {
    'transfer.create': async (p) => {
      const operatorId = host.requireSession().operatorId;
      const fromStationId = host.station.id;
      if (p.eventId) {
        // A retry: answer with the transfer that was created (and its slip), never with a new one.
        const e = await host.ownEvent(p.eventId);
        if (e) {
          if (e.type !== 'transfer.created') fail('bad_request', `event ${p.eventId} is not a transfer`);
          const q = e.payload;
          const slip = await host.signSlip({ transferId: q.transferId, workOrderId: q.workOrderId, toWorkOrderId: q.toWorkOrderId, articleCode: q.articleCode, quantity: q.quantity, from: q.from, to: q.to, fromStationId });
          return { ack: { eventId: e.id, seq: e.seq }, transferId: q.transferId, slip };
        }
      }
      const wo = host.state.workOrder[p.workOrderId];
      if (!wo) fail('not_found', `work order ${p.workOrderId} is not known at this station`);
      const to = nextPlace(wo.route, wo.place);
      const receiver = to ? receivingDepartment(wo.route, to) : undefined;
      if (!to || !receiver) fail('refused', `${wo.id} is at the end of its route`, 'not_next_on_route');
      const fields: TransferSlipFields = {
        transferId: uuidv7(host.now),
        workOrderId: wo.id,
        toWorkOrderId: workOrderIdFor(wo.moId, receiver),
        articleCode: wo.articleCode,
        quantity: p.quantity,
        from: wo.place,
        to,
        fromStationId,
      };
      const slip = await host.signSlip(fields);
      const { fromStationId: _signer, ...payload } = fields;
      const ack = await host.record({ type: 'transfer.created', payload: { ...payload, lineId: host.station.lineId } }, { eventId: p.eventId, operatorId });
      return { ack, transferId: fields.transferId, slip };
    },

    'transfer.accept': async (p) => {
      const operatorId = host.requireSession().operatorId;
      const { transferId, workOrderId, toWorkOrderId, slipCopy } = await whatIsAccepted(host, p);
      const base = {
        transferId,
        workOrderId,
        toWorkOrderId,
        lineId: host.station.lineId,
        ...(slipCopy ? { slip: slipCopy } : {}),
        ...(p.partsCounted ? { partsCounted: p.partsCounted } : {}),
      };
      const action: Action = p.discrepancyReason
        ? { type: 'transfer.discrepancy', payload: { ...base, countedQty: p.countedQty, reason: p.discrepancyReason } }
        : { type: 'transfer.accepted', payload: { ...base, countedQty: p.countedQty } };
      if (action.type === 'transfer.accepted' && p.countedQty === 0) fail('bad_request', 'counted 0: record a discrepancy with a reason');
      return host.record(action, { eventId: p.eventId, operatorId });
    },
  };
}
