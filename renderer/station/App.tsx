import { useEffect } from 'react';
import { useScreen, useStation, useT } from './context';
import { AlertsPanel } from './components/AlertsPanel';
import { CartonLabel } from './components/CartonLabel';
import { CoreBanner } from './components/CoreBanner';
import { DetectorPanel } from './components/DetectorPanel';
import { Attention, RefusedBanner } from './components/Floor';
import { Halt } from './components/Halt';
import { Header } from './components/Header';
import { IdleLogout } from './components/IdleLogout';
import { Incoming } from './components/Incoming';
import { LinePanel } from './components/LinePanel';
import { Login } from './components/Login';
import { NoticeLine } from './components/NoticeLine';
import { PackingList } from './components/PackingList';
import { ScanBar } from './components/ScanBar';
import { Slip } from './components/Slip';
import { WorkOrders } from './components/WorkOrders';
import { listenForWedgeScans } from './wedge-input';

export function App() {
  const screen = useScreen();
  const connected = useStation((s) => s.connected);
  const view = useStation((s) => s.view);
  const slip = useStation((s) => s.printedSlip);
  const carton = useStation((s) => s.printedCarton);
  const packingList = useStation((s) => s.printedPackingList);
  const lang = useStation((s) => s.lang);
  const offline = useStation((s) => s.sync?.state === 'offline');
  const { t } = useT();
  useEffect(() => listenForWedgeScans(window, (data, symbology) => void screen.submitScan(data, symbology)), [screen]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  if (!view) {
    return (
      <main className="boot" aria-busy="true">
        <div className="spinner" role="progressbar" aria-label={t('coreDown')} />
        <CoreBanner />
      </main>
    );
  }
  return (
    <div className="app">
      <Header />
      {!connected ? <CoreBanner /> : null}
      {view.operator ? <IdleLogout /> : null}
      {offline && connected ? (
        <div className="banner banner-offline" role="status" data-testid="offline-banner">
          {t('offlineBanner')}
        </div>
      ) : null}
      <RefusedBanner />
      <NoticeLine />
      {view.operator ? (
        <main className="main">
          <ScanBar />
          {slip ? (
            <Slip />
          ) : carton ? (
            <CartonLabel />
          ) : packingList ? (
            <PackingList />
          ) : (
            <div className="columns">
              <div className="col-main">
                <WorkOrders />
              </div>
              <div className="col-side">
                <DetectorPanel />
                <AlertsPanel />
                <LinePanel />
                {view.station.department !== 'cutting' ? <Incoming /> : null}
                <Attention />
              </div>
            </div>
          )}
        </main>
      ) : (
        <Login />
      )}
      <Halt />
    </div>
  );
}
