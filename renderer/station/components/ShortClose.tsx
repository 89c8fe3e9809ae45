import { useState } from 'react';
import type { WorkOrderDoc } from '../../../shared/docs';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { Credentials } from './Credentials';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';

/**
 * Packing, step 580 for an order that will not arrive whole (`packing.shortClose`): a packing supervisor, with their
 * own badge + PIN and a reason, completes it with what is packed while pieces are still upstream or in transit.
 */
export function ShortClose({ wo }: { wo: WorkOrderDoc }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [reason, setReason] = useState('');
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const field = 'short-close';
  const submit = async () => {
    await screen.run('packing.shortClose', { workOrderId: wo.id, reason: reason.trim(), supervisorBadge: badge, supervisorPin: pin, eventId }, { field, ok: text('recorded') });
    setPin('');
  };
  return (
    <FormCard testId={field} title={t('shortClose')} onSubmit={() => void submit()}>
      <p className="hint">{t('shortCloseHint')}</p>
      <label className="field">
        <span>{t('reason')}</span>
        <textarea data-testid="short-close-reason" value={reason} onChange={(e) => setReason(e.target.value)} rows={2} />
      </label>
      <Credentials badge={badge} pin={pin} onBadge={setBadge} onPin={setPin} labels={{ badge: 'supervisorBadge', pin: 'supervisorPin' }} testIds={{ badge: 'short-close-badge', pin: 'short-close-pin', keypad: 'short-close-keypad' }} />
      <NoticeLine field={field} />
      <button type="submit" className="btn btn-danger" data-testid="short-close-submit" disabled={busy || wo.status === 'closed' || !reason.trim() || !badge || pin.length < 4}>
        {t('closeShort')}
      </button>
    </FormCard>
  );
}
