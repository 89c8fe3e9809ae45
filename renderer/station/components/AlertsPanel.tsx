import { useState } from 'react';
import type { AlertDoc } from '../../../shared/docs';
import { hlcWallTime } from '../../../shared/hlc';
import { timeOf } from '../clock';
import { useScreen, useStation, useT } from '../context';
import { text } from '../store';
import { Credentials } from './Credentials';
import { NoticeLine } from './NoticeLine';

/**
 * The open alerts of this line (or of this department's SPKs): the operator acknowledges one ("I saw it"); a
 * supervisor or QC inspector of the department, with their own badge + PIN and a note, records that they are
 * investigating, or closes it. A halt's alert closes with the line's release (HALT), not here.
 */
export function AlertsPanel() {
  const alerts = useStation((s) => s.view?.alerts ?? []);
  const { t } = useT();
  return (
    <section className="card alerts" aria-labelledby="alerts-title" data-testid="alerts">
      <h2 id="alerts-title">{t('alerts')}</h2>
      {alerts.length === 0 ? <p className="empty">{t('noAlerts')}</p> : null}
      {alerts.map((a) => (
        <AlertItem key={a.id} alert={a} />
      ))}
    </section>
  );
}

function AlertItem({ alert }: { alert: AlertDoc }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t, lang } = useT();
  const [signing, setSigning] = useState(false);
  const [ackId, setAckId] = useState(() => crypto.randomUUID());
  const field = `alert-${alert.id}`;
  const acknowledge = async () => {
    if (await screen.run('alert.acknowledge', { alertId: alert.id, eventId: ackId }, { field, ok: text('recorded') })) setAckId(crypto.randomUUID());
  };
  return (
    <div className={`alert-item sev-border-${alert.severity}`} data-testid={field} data-status={alert.status}>
      <div className="alert-head">
        <strong className={`sev-${alert.severity}`}>{alert.severity}</strong> {alert.message}
      </div>
      <div className="muted">
        {t(`alert.${alert.status}`)} · {timeOf(new Date(hlcWallTime(alert.raisedAt)), lang)}
      </div>
      <NoticeLine field={field} />
      <div className="row wrap">
        {alert.status === 'raised' ? (
          <button type="button" className="btn btn-primary" data-testid="alert-ack" disabled={busy} onClick={() => void acknowledge()}>
            {t('acknowledge')}
          </button>
        ) : null}
        <button type="button" className="btn btn-secondary" data-testid="alert-sign" aria-expanded={signing} onClick={() => setSigning(!signing)}>
          {t('signAlert')}
        </button>
      </div>
      {signing ? <AlertSignature alert={alert} field={field} /> : null}
    </div>
  );
}

/** A supervisor's or QC inspector's step on an alert: their own credential and a note; investigating or closed. */
function AlertSignature({ alert, field }: { alert: AlertDoc; field: string }) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [note, setNote] = useState('');
  const [eventIds, setEventIds] = useState(() => ({ investigate: crypto.randomUUID(), close: crypto.randomUUID() }));
  const sign = async (step: 'investigate' | 'close') => {
    const params = { alertId: alert.id, supervisorBadge: badge, supervisorPin: pin, note, eventId: eventIds[step] };
    const ack = await screen.run(step === 'investigate' ? 'alert.investigate' : 'alert.close', params, { field, ok: text('recorded') });
    setPin('');
    if (ack) setEventIds({ ...eventIds, [step]: crypto.randomUUID() });
  };
  const ready = !busy && badge !== '' && pin.length >= 4;
  return (
    <div className="alert-sign">
      <Credentials badge={badge} pin={pin} onBadge={setBadge} onPin={setPin} labels={{ badge: 'supervisorOrQcBadge', pin: 'supervisorOrQcPin' }} testIds={{ badge: 'alert-badge', pin: 'alert-pin', keypad: 'alert-keypad' }} />
      <label className="field">
        <span>{t('alertNote')}</span>
        <textarea data-testid="alert-note" value={note} onChange={(e) => setNote(e.target.value)} rows={2} />
      </label>
      <div className="row wrap">
        {alert.status !== 'investigating' ? (
          <button type="button" className="btn btn-secondary" data-testid="alert-investigate" disabled={!ready} onClick={() => void sign('investigate')}>
            {t('investigate')}
          </button>
        ) : null}
        <button type="button" className="btn btn-danger" data-testid="alert-close" disabled={!ready} onClick={() => void sign('close')}>
          {t('closeAlert')}
        </button>
      </div>
    </div>
  );
}
