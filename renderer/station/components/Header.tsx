import { DEPARTMENT } from '../messages';
import { useClock, timeOf as time } from '../clock';
import { useScreen, useStation, useT } from '../context';

/** Station, line, who is logged in, connectivity (since when), unsent events, devices, clock: never stale. */
export function Header() {
  const screen = useScreen();
  const view = useStation((s) => s.view);
  const sync = useStation((s) => s.sync);
  const since = useStation((s) => s.syncSince);
  const hardware = useStation((s) => s.hardware);
  const busy = useStation((s) => s.busy);
  const { t, tb, lang } = useT();
  const now = useClock();
  if (!view) return null;
  const state = sync?.state ?? 'connecting';
  const unsent = view.pendingEvents;
  const devicesOk = hardware.filter((d) => d.connected).length;
  return (
    <header className="header">
      <div className="header-cell header-station">
        <div className="header-big" data-testid="station-name">
          {tb(DEPARTMENT[view.station.department])} · {view.station.name}
        </div>
        <div className="header-small">
          {t('station')} {view.station.id} · {t('line')} {view.station.lineId}
        </div>
      </div>
      <div className="header-cell">
        <div className="header-small">{t('operator')}</div>
        <div className="header-big" data-testid="operator-name">
          {view.operator ? view.operator.name : t('nobody')}
        </div>
      </div>
      <div className={`header-cell sync sync-${state}`} data-testid="sync-state" data-state={state}>
        <div className="header-big">{t(`sync.${state}`)}</div>
        <div className="header-small">{since ? t('since', { time: time(since, lang) }) : ''}</div>
      </div>
      <div className="header-cell" data-testid="unsent">
        <div className="header-small">{t('unsent')}</div>
        <div className={`header-big ${unsent > 0 ? 'warn' : ''}`} data-testid="unsent-count">{unsent}</div>
      </div>
      <div className="header-cell" data-testid="devices" title={hardware.map((d) => `${d.deviceId}: ${d.connected ? 'ok' : (d.message ?? 'down')}`).join('\n')}>
        <div className="header-small">{t('devices')}</div>
        <div className={`header-big ${devicesOk < hardware.length ? 'warn' : ''}`}>{hardware.length === 0 ? t('noDevices') : `${devicesOk}/${hardware.length}`}</div>
      </div>
      <div className="header-cell">
        <div className="header-big" data-testid="clock">{time(now, lang)}</div>
        {busy ? <div className="header-small progress" role="progressbar" aria-label={t('working')}>{t('working')}</div> : null}
      </div>
      <div className="header-cell header-actions">
        <button type="button" className="btn btn-secondary" data-testid="lang" onClick={() => screen.setLang(lang === 'id' ? 'en' : 'id')}>
          {t('language')}
        </button>
        {view.operator ? (
          <button type="button" className="btn btn-secondary" data-testid="logout" onClick={() => void screen.run('session.logout', {})}>
            {t('logout')}
          </button>
        ) : null}
      </div>
    </header>
  );
}
