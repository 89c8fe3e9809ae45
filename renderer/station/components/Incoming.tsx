import { useState } from 'react';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { NoticeLine } from './NoticeLine';

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
      {scanned ? <AcceptCard key={scanned.transferId} transferId={scanned.transferId} workOrderId={scanned.workOrderId} quantity={scanned.quantity} slip={scanned.slip} /> : null}
      {listed.length === 0 && !scanned ? <p className="empty">{t('noIncoming')}</p> : null}
      {listed.map((tr) => (
        <AcceptCard key={tr.id} transferId={tr.id} workOrderId={tr.workOrderId} quantity={tr.quantity} />
      ))}
    </section>
  );
}

function AcceptCard({ transferId, workOrderId, quantity, slip }: { transferId: string; workOrderId: string; quantity: number; slip?: string }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [counted, setCounted] = useState(String(quantity));
  const [reason, setReason] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const differs = Number(counted) !== quantity;
  const accept = async () => {
    const params = {
      transferId,
      countedQty: Number(counted),
      eventId,
      ...(slip ? { slip } : {}),
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
      <label className="field">
        <span>{t('counted')}</span>
        <input data-testid="accept-counted" inputMode="numeric" value={counted} onChange={(e) => setCounted(e.target.value.replace(/\D/g, ''))} />
      </label>
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
