/** Fixtures for the barcode codecs' tests. */
import type { TransferSlipFields } from './transfer-slip';

/** A slip for 240 pieces from cutting to sewing, sent by ST-CUT-01 (the tests sign it with a fresh key pair). */
export const SLIP_FIELDS: Readonly<TransferSlipFields> = {
  transferId: '019b76da-a800-7123-8456-0123456789ab',
  workOrderId: 'MO-2026-0001-CUT',
  toWorkOrderId: 'MO-2026-0001-SEW',
  articleCode: 'QT-TEDDY-30',
  quantity: 240,
  from: 'cutting',
  to: 'sewing',
  fromStationId: 'ST-CUT-01',
};
