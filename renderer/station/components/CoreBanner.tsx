import { useClock } from '../clock';
import { useStation, useT } from '../context';

/**
 * The station core cannot be reached. While the Electron shell restarts its process the banner says so, counting
 * down to the next try (everything the core confirmed is on disk); otherwise the screen is reconnecting to it.
 */
export function CoreBanner() {
  const restart = useStation((s) => s.coreRestart);
  const { t } = useT();
  const now = useClock();
  const left = restart ? Math.ceil((restart.retryAt - now.getTime()) / 1000) : 0;
  const message = !restart ? t('coreDown') : left > 0 ? t('coreRestarting', { s: left }) : t('coreRestartingNow');
  return (
    <div className="banner banner-error" role="alert" data-testid="core-down" data-state={restart ? 'restarting' : 'unreachable'}>
      {message}
    </div>
  );
}
