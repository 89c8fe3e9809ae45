import { useState } from 'react';
import type { WorkOrderDoc } from '../../../shared/docs';
import { nextPlace } from '../../../shared/master';
import { readyToSend } from '../../../shared/rules/pipeline';
import { useScreen, useStation, useT } from '../context';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';

/** QT-09 LOCK: the pieces leave this SPK in a transfer, and the signed slip prints for the receiver to scan. */
export function Handover({ wo }: { wo: WorkOrderDoc }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const ready = Math.max(0, readyToSend(wo));
  const [qty, setQty] = useState('');
  const [eventId, setEventId] = useState(() => crypto.randomUUID());
  const submit = async () => {
    const r = await screen.run('transfer.create', { workOrderId: wo.id, quantity: Number(qty), eventId }, { field: 'handover' });
    if (!r) return;
    setQty('');
    setEventId(crypto.randomUUID());
    screen.store.setState({
      printedSlip: { transferId: r.transferId, slip: r.slip, workOrderId: wo.id, articleCode: wo.articleCode, quantity: Number(qty), from: wo.place, to: nextPlace(wo.route, wo.place) ?? '', at: new Date().toISOString() },
    });
  };
  return (
    <FormCard testId="handover" title={t('handover')} onSubmit={() => void submit()}>
      <p>
        {t('produced')}: <strong data-testid="ready-qty">{ready}</strong>
      </p>
      <label className="field">
        <span>{t('handoverQty')}</span>
        <input data-testid="handover-qty" inputMode="numeric" value={qty} onChange={(e) => setQty(e.target.value.replace(/\D/g, ''))} autoComplete="off" />
      </label>
      <NoticeLine field="handover" />
      <button type="submit" className="btn btn-primary" data-testid="handover-submit" disabled={busy || !qty}>
        {t('lockAndPrint')}
      </button>
    </FormCard>
  );
}
