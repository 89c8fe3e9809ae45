import { useEffect, useState } from 'react';
import { useScreen, useStation, useT } from '../context';
import { Credentials } from './Credentials';
import { IdleSetting } from './IdleLogout';
import { NoticeLine } from './NoticeLine';

/** Badge scan (or typed) + PIN on the keypad. */
export function Login() {
  const screen = useScreen();
  const scanned = useStation((s) => s.scannedBadge);
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  useEffect(() => {
    if (scanned) setBadge(scanned);
  }, [scanned]);
  const submit = async () => {
    const ok = await screen.run('session.login', { badge, pin }, { field: 'login' });
    setPin('');
    if (ok) {
      setBadge('');
      screen.store.setState({ scannedBadge: null });
    }
  };
  return (
    <main className="login">
      <h1>{t('loginTitle')}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Credentials badge={badge} pin={pin} onBadge={setBadge} onPin={setPin} labels={{ badge: 'badge', pin: 'pin' }} testIds={{ badge: 'badge', pin: 'pin', keypad: 'pin-keypad' }} autoFocus />
        <NoticeLine field="login" />
        <NoticeLine field="scan" />
        <button type="submit" className="btn btn-primary btn-wide" data-testid="login" disabled={busy || !badge || pin.length < 4}>
          {t('login')}
        </button>
      </form>
      <IdleSetting />
    </main>
  );
}
