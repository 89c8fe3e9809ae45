/**
 * What a scanned code means at this station right now (`scan.submit`, and codes a serial scanner reads): a badge,
 * an SPK, a transfer slip (verified against the signer's key), a carton, or nothing known.
 */
import type { ScanOutcome } from '../../../shared/api';
import { classifyScan, verifyTransferSlip } from '../../../shared/barcode';
import type { CommandHost } from './host';

export async function interpretScan(host: CommandHost, p: { data: string; symbology?: string | undefined }): Promise<ScanOutcome> {
  const r = classifyScan(p.symbology ? { data: p.data, symbology: p.symbology } : { data: p.data });
  switch (r.kind) {
    case 'badge':
      return { kind: 'badge', operatorId: r.operatorId, known: host.master.operators.has(r.operatorId) };
    case 'spk':
      return { kind: 'spk', workOrderId: r.workOrderId, known: r.workOrderId in host.state.workOrder };
    case 'transferSlip': {
      const v = await verifyTransferSlip(r.payload, (id) => host.publicKeyOf(id));
      if (!v.ok) {
        return {
          kind: 'transferSlip',
          verified: false,
          reason: v.reason,
          message:
            v.reason === 'unknown_station'
              ? { en: 'This slip comes from a station this one does not know yet. Sync, then scan again.', id: 'Slip ini dari stasiun yang belum dikenal. Sinkronkan, lalu pindai lagi.' }
              : { en: `This slip cannot be trusted (${v.message}).`, id: `Slip ini tidak dapat dipercaya (${v.message}).` },
        };
      }
      const s = v.slip;
      return { kind: 'transferSlip', verified: true, transferId: s.transferId, workOrderId: s.workOrderId, quantity: s.quantity, fromStationId: s.fromStationId, slip: r.payload };
    }
    case 'carton':
      return { kind: 'carton', sscc: r.sscc };
    case 'gs1':
      return { kind: 'unknown', message: { en: 'A GS1 label that is not a carton here.', id: 'Label GS1 yang bukan karton di sini.' } };
    case 'unknown':
      return { kind: 'unknown', message: r.message };
  }
}
