import { useState } from 'react';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { NoticeLine } from './NoticeLine';
import type { WorkOrderDoc } from '../../../shared/docs';
import { PLACE_CODE, type CutPart } from '../../../shared/master';
import { completeSets } from '../../../shared/rules/bom';

/**
 * QT-09 UNLOCK: accept what was sent here, by scanning its slip (works offline: the slip carries the signed
 * transfer) or from the synced list. A count that differs needs a discrepancy reason.
 */
export function Incoming() {
  const view = useStation((s) => s.view);
  const scanned = useStation((s) => s.scannedSlip);
  const { t } = useT();
  if (!view) return null;
  const listed = view.incoming.filter((tr) => tr.id !== scanned?.transferId);
  return (
    <section className="incoming" aria-label={t('incoming')}>
      <h2>{t('incoming')}</h2>
      <p className="hint">{t('scanSlipHint')}</p>
      <NoticeLine field="incoming" />
      {scanned ? (
        <AcceptCard
          key={scanned.transferId}
          transferId={scanned.transferId}
          workOrderId={scanned.workOrderId}
          quantity={scanned.quantity}
          slip={scanned.slip}
          bom={cutPartsToCount(view.workOrders, scanned.workOrderId)}
        />
      ) : null}
      {listed.length === 0 && !scanned ? <p className="empty">{t('noIncoming')}</p> : null}
      {listed.map((tr) => (
        <AcceptCard key={tr.id} transferId={tr.id} workOrderId={tr.workOrderId} quantity={tr.quantity} bom={cutPartsToCount(view.workOrders, tr.workOrderId)} />
      ))}
    </section>
  );
}

/**
 * Cut parts arriving from cutting are counted part by part against the receiving SPK's bill (step 300); the sets
 * they make are the count. Undefined when the goods are not cut parts or the bill has a single part.
 */
function cutPartsToCount(workOrders: readonly WorkOrderDoc[], fromWorkOrderId: string): readonly CutPart[] | undefined {
  if (!fromWorkOrderId.endsWith(`-${PLACE_CODE.cutting}`)) return undefined;
  const receiving = workOrders.find((wo) => fromWorkOrderId.startsWith(`${wo.moId}-`));
  return receiving?.cutParts && receiving.cutParts.length > 1 ? receiving.cutParts : undefined;
}

function AcceptCard({ transferId, workOrderId, quantity, slip, bom }: { transferId: string; workOrderId: string; quantity: number; slip?: string; bom?: readonly CutPart[] }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [typed, setTyped] = useState(String(quantity));
  const [parts, setParts] = useState<Record<string, string>>(() => Object.fromEntries((bom ?? []).map((p) => [p.part, String(quantity * p.qtyPerSet)])));
  const [reason, setReason] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const partCounts = bom ? bom.map((p) => ({ part: p.part, qty: Number(parts[p.part] ?? '0') })) : undefined;
  const counted = partCounts && bom ? String(completeSets(bom, Object.fromEntries(partCounts.map((p) => [p.part, p.qty])))) : typed;
  const differs = Number(counted) !== quantity;
  const accept = async () => {
    const params = {
      transferId,
      countedQty: Number(counted),
      eventId,
      ...(slip ? { slip } : {}),
      ...(partCounts ? { partsCounted: partCounts } : {}),
      ...(differs && reason.trim() ? { discrepancyReason: reason.trim() } : {}),
    };
    const ack = await screen.run('transfer.accept', params, { field: 'incoming', ok: text('acceptedN', { qty: counted }) });
    if (ack && screen.store.getState().scannedSlip?.transferId === transferId) screen.store.setState({ scannedSlip: null });
  };
  return (
    <form
      className="card form"
      data-testid={`accept-${transferId}`}
      onSubmit={(e) => {
        e.preventDefault();
        void accept();
      }}
    >
      <div>
        {workOrderId} · {t('sent')} <strong>{quantity}</strong>
      </div>
      {bom ? (
        <fieldset className="parts-count" data-testid="accept-parts">
          <legend>{t('countParts')}</legend>
          {bom.map((p) => (
            <label key={p.part} className="field">
              <span>
                {p.part} ×{p.qtyPerSet}
              </span>
              <input
                data-testid={`accept-part-${p.part}`}
                inputMode="numeric"
                value={parts[p.part] ?? ''}
                onChange={(e) => setParts({ ...parts, [p.part]: e.target.value.replace(/\D/g, '') })}
              />
            </label>
          ))}
          <div>
            {t('counted')} <strong data-testid="accept-counted-sets">{counted}</strong>
          </div>
        </fieldset>
      ) : (
        <label className="field">
          <span>{t('counted')}</span>
          <input data-testid="accept-counted" inputMode="numeric" value={typed} onChange={(e) => setTyped(e.target.value.replace(/\D/g, ''))} />
        </label>
      )}
      {differs ? (
        <label className="field">
          <span>{t('discrepancyReason')}</span>
          <input data-testid="accept-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
      ) : null}
      <button type="submit" className="btn btn-primary" data-testid="accept-submit" disabled={busy || counted === ''}>
        {t('accept')}
      </button>
    </form>
  );
}
