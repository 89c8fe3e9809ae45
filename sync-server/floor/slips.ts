/**
 * The server re-verifies every transfer slip a station accepted offline: the signature (with the sending station's
 * enrolled key, refused once that station is revoked) and that the fields the event carries are exactly the signed
 * ones. A station verifies slips before accepting, so a failure here means a forged or tampered push: the event is
 * still stored, refused with its reason, never applied.
 */
import { importPublicKeyRaw, verifyTransferSlip } from '../../shared/barcode';
import type { FloorEvent } from '../../shared/events';
import type { Refusal } from '../../shared/refusal';
import type { Db } from '../db/types';

export async function checkSlips(db: Db, events: readonly FloorEvent[]): Promise<Map<string, Refusal>> {
  const withSlip = events.filter(
    (e): e is Extract<FloorEvent, { type: 'transfer.accepted' | 'transfer.discrepancy' }> =>
      (e.type === 'transfer.accepted' || e.type === 'transfer.discrepancy') && e.payload.slip !== undefined,
  );
  const bad = new Map<string, Refusal>();
  if (withSlip.length === 0) return bad;
  const senders = [...new Set(withSlip.map((e) => e.payload.slip?.fromStationId ?? ''))];
  const rows = await db.query<{ id: string; public_key: string; revoked_at: Date | null }>(
    'SELECT id, public_key, revoked_at FROM stations WHERE id = ANY($1::text[])',
    [senders],
  );
  const keys = new Map<string, CryptoKey>();
  for (const r of rows) if (!r.revoked_at) keys.set(r.id, await importPublicKeyRaw(r.public_key));
  for (const e of withSlip) {
    const copy = e.payload.slip;
    if (!copy) continue;
    const v = await verifyTransferSlip(copy.payload, (id) => keys.get(id));
    if (!v.ok) {
      bad.set(e.id, { code: 'slip_mismatch', message: `transfer slip not trusted (${v.reason}): ${v.message}` });
      continue;
    }
    const { transferId, ...signed } = v.slip;
    const same = transferId === e.payload.transferId && (Object.keys(signed) as (keyof typeof signed)[]).every((k) => signed[k] === copy[k]);
    if (!same) bad.set(e.id, { code: 'slip_mismatch', message: 'the event does not carry what the signed slip says' });
  }
  return bad;
}
