import { useEffect } from 'react';
import { AccountsView } from './components/AccountsView';
import { AlertsView } from './components/AlertsView';
import { ConflictsView } from './components/ConflictsView';
import { FleetView } from './components/FleetView';
import { FloorView } from './components/FloorView';
import { Header } from './components/Header';
import { ImportView } from './components/ImportView';
import { Login } from './components/Login';
import { OrdersView } from './components/OrdersView';
import { PasswordView } from './components/PasswordView';
import { ReportsView } from './components/ReportsView';
import { RosterView } from './components/RosterView';
import { useDash, useT } from './context';

export function App() {
  const session = useDash((s) => s.session);
  const view = useDash((s) => s.view);
  const live = useDash((s) => s.live);
  const lang = useDash((s) => s.lang);
  const { t } = useT();
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('appTitle');
  }, [lang, t]);

  if (session === undefined) {
    return (
      <main className="boot" aria-busy="true">
        <p>{t('loading')}</p>
      </main>
    );
  }
  if (session === null) return <Login />;
  return (
    <div className="app">
      <Header />
      {live === 'down' ? (
        <div className="banner banner-error" role="alert" data-testid="live-down">
          {t('live.down')}
        </div>
      ) : null}
      {session.mustChangePassword || view === 'password' ? <PasswordView /> : view === 'floor' ? <FloorView /> : view === 'orders' ? <OrdersView /> : view === 'fleet' ? <FleetView /> : view === 'alerts' ? <AlertsView /> : view === 'conflicts' ? <ConflictsView /> : view === 'reports' ? <ReportsView /> : view === 'import' ? <ImportView /> : view === 'roster' ? <RosterView /> : <AccountsView />}
    </div>
  );
}
