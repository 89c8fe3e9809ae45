import { useState } from 'react';
import { hlcWallTime } from '../../../shared/hlc';
import { useScreen, useStation, useT } from '../context';
import { Credentials } from './Credentials';
import { NoticeLine } from './NoticeLine';

const DISPOSITIONS = ['metal_found', 'rescan_passed', 'destroyed', 'no_fault_found'] as const;

/**
 * Full-screen HALT while this station's line is halted. It is drawn from the line document, so it is back after a
 * reload or a restart, and it goes only when a supervisor's release (badge + PIN, disposition, corrective action)
 * is recorded.
 */
export function Halt() {
  const screen = useScreen();
  const line = useStation((s) => s.view?.line ?? null);
  const busy = useStation((s) => s.busy);
  const { t, lang } = useT();
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [disposition, setDisposition] = useState<(typeof DISPOSITIONS)[number]>('metal_found');
  const [action, setAction] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const halt = line?.halt;
  if (!halt) return null;
  const release = async () => {
    await screen.run(
      'line.release',
      { haltId: halt.haltId, supervisorBadge: badge, supervisorPin: pin, disposition, correctiveAction: action, eventId },
      { field: 'halt' },
    );
    setPin('');
  };
  return (
    <div className="halt" role="alertdialog" aria-modal="true" aria-labelledby="halt-title" data-testid="halt">
      <h1 id="halt-title">{halt.cause === 'manual' ? t('haltManual') : t('haltTitle')}</h1>
      <p className="halt-body">{t('haltBody')}</p>
      <p>
        {t('haltSince', { time: new Date(hlcWallTime(halt.since)).toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB') })}
        {halt.metal ? ` · ${t('metal')}: ${halt.metal}` : ''}
        {halt.reason ? ` · ${halt.reason}` : ''}
      </p>
      <form
        className="halt-form"
        onSubmit={(e) => {
          e.preventDefault();
          void release();
        }}
      >
        <Credentials badge={badge} pin={pin} onBadge={setBadge} onPin={setPin} labels={{ badge: 'supervisorBadge', pin: 'supervisorPin' }} testIds={{ badge: 'halt-badge', pin: 'halt-pin', keypad: 'halt-keypad' }} />
        <div className="field">
          <span>{t('disposition')}</span>
          <div className="choices" role="radiogroup" aria-label={t('disposition')}>
            {DISPOSITIONS.map((d) => (
              <button key={d} type="button" role="radio" aria-checked={disposition === d} className={`btn choice ${disposition === d ? 'choice-on' : ''}`} data-testid={`halt-disposition-${d}`} onClick={() => setDisposition(d)}>
                {t(`disposition.${d}`)}
              </button>
            ))}
          </div>
        </div>
        <label className="field">
          <span>{t('correctiveAction')}</span>
          <textarea data-testid="halt-action" value={action} onChange={(e) => setAction(e.target.value)} rows={2} />
        </label>
        <NoticeLine field="halt" />
        <button type="submit" className="btn btn-danger btn-wide" data-testid="halt-release" disabled={busy || !badge || pin.length < 4}>
          {t('release')}
        </button>
      </form>
    </div>
  );
}
