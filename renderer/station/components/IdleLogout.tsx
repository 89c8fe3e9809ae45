import { useEffect, useState } from 'react';
import { useScreen, useStation, useT } from '../context';

/** Input that says someone is at the station: a touch, a click, a key (a wedge scanner types keys too). */
const ACTIVITY = ['pointerdown', 'keydown', 'touchstart', 'wheel'] as const;
/** The countdown shows for the last half minute. */
const WARN_SECONDS = 30;

/**
 * Idle logout: after the station's idle time without input the operator is logged out (`session.logout`), so the
 * next person cannot record in their name. The last 30 s count down on screen; any input starts the time again.
 */
export function IdleLogout() {
  const screen = useScreen();
  const idleSeconds = useStation((s) => s.idleSeconds);
  const { t } = useT();
  const [left, setLeft] = useState(idleSeconds);
  useEffect(() => {
    let lastInput = Date.now();
    let loggingOut = false;
    const touched = () => {
      lastInput = Date.now();
      setLeft(idleSeconds);
    };
    for (const type of ACTIVITY) window.addEventListener(type, touched, { capture: true, passive: true });
    const tick = setInterval(() => {
      const remaining = Math.max(0, idleSeconds - Math.floor((Date.now() - lastInput) / 1000));
      setLeft(remaining);
      if (remaining === 0 && !loggingOut) {
        loggingOut = true;
        // Recorded as a timeout, not a manual logout; the core pauses the operator's running clocks.
        void screen.run('session.logout', { reason: 'timeout' }).finally(() => {
          loggingOut = false;
        });
      }
    }, 250);
    return () => {
      clearInterval(tick);
      for (const type of ACTIVITY) window.removeEventListener(type, touched, { capture: true });
    };
  }, [idleSeconds, screen]);
  if (left > WARN_SECONDS) return null;
  return (
    <div className="banner banner-idle" role="timer" aria-live="assertive" data-testid="idle-warning">
      {t('idleWarning', { s: left })}
    </div>
  );
}

/** The station's idle logout setting (kept per station, like its language), on the login screen. */
export function IdleSetting() {
  const screen = useScreen();
  const idleSeconds = useStation((s) => s.idleSeconds);
  const { t } = useT();
  return (
    <section className="card settings" aria-labelledby="settings-title" data-testid="station-settings">
      <h2 id="settings-title">{t('stationSettings')}</h2>
      <div className="field">
        <span id="idle-label">{t('idleSetting')}</span>
        <div className="choices" role="radiogroup" aria-labelledby="idle-label">
          {[5, 10, 15, 30].map((minutes) => (
            <button
              key={minutes}
              type="button"
              role="radio"
              aria-checked={idleSeconds === minutes * 60}
              className={`btn choice ${idleSeconds === minutes * 60 ? 'choice-on' : ''}`}
              data-testid={`idle-${minutes}`}
              onClick={() => screen.setIdleSeconds(minutes * 60)}
            >
              {t('minutes', { n: minutes })}
            </button>
          ))}
        </div>
      </div>
    </section>
  );
}
