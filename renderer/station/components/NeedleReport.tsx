import { useState } from 'react';
import type { WorkOrderDoc } from '../../../shared/docs';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { Credentials } from './Credentials';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';
import { YesNo } from './YesNo';

/**
 * Broken-needle log at sewing (`needle.report`): the machine, whether every fragment was found, the one-for-one
 * needle exchange and the pieces in process, countersigned by the supervisor's badge + PIN. Missing fragments
 * quarantine those pieces (a hold and an alert) until they pass the detector.
 */
export function NeedleReport({ wo }: { wo: WorkOrderDoc }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [machineId, setMachineId] = useState('');
  const [allFound, setAllFound] = useState<boolean | null>(null);
  const [exchanged, setExchanged] = useState<boolean | null>(null);
  const [pieces, setPieces] = useState('0');
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [eventId, setEventId] = useState(() => crypto.randomUUID());
  const field = 'needle';
  const submit = async () => {
    if (allFound === null || exchanged === null) return;
    const params = { machineId: machineId.trim(), workOrderId: wo.id, allFragmentsFound: allFound, needleExchanged: exchanged, piecesInProcess: Number(pieces || '0'), supervisorBadge: badge, supervisorPin: pin, eventId };
    const ack = await screen.run('needle.report', params, { field, ok: text('recorded') });
    setPin('');
    if (!ack) return;
    setMachineId('');
    setAllFound(null);
    setExchanged(null);
    setPieces('0');
    setBadge('');
    setEventId(crypto.randomUUID());
  };
  return (
    <FormCard testId={field} title={t('needleReport')} onSubmit={() => void submit()}>
      <label className="field">
        <span>{t('machine')}</span>
        <input data-testid="needle-machine" value={machineId} onChange={(e) => setMachineId(e.target.value)} autoComplete="off" />
      </label>
      <YesNo label="allFragmentsFound" value={allFound} onChange={setAllFound} testId="needle-fragments" />
      {allFound === false ? <p className="warn" data-testid="needle-quarantine-hint">{t('needleQuarantine')}</p> : null}
      <YesNo label="needleExchanged" value={exchanged} onChange={setExchanged} testId="needle-exchanged" />
      <label className="field">
        <span>{t('piecesInProcess')}</span>
        <input data-testid="needle-pieces" inputMode="numeric" value={pieces} onChange={(e) => setPieces(e.target.value.replace(/\D/g, ''))} autoComplete="off" />
      </label>
      <Credentials badge={badge} pin={pin} onBadge={setBadge} onPin={setPin} labels={{ badge: 'supervisorBadge', pin: 'supervisorPin' }} testIds={{ badge: 'needle-badge', pin: 'needle-pin', keypad: 'needle-keypad' }} />
      <NoticeLine field={field} />
      <button type="submit" className="btn btn-danger" data-testid="needle-submit" disabled={busy || !machineId.trim() || allFound === null || exchanged === null || !badge || pin.length < 4}>
        {t('reportNeedle')}
      </button>
    </FormCard>
  );
}
