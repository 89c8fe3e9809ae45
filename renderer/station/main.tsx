/**
 * The station screen's entry: connects to the station core that served this page (kiosk WebSocket on the same
 * origin) and renders. In Electron the preload's transport takes the kiosk's place behind the same interface.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectKiosk, type WsConstructor } from '../transport/ws-client';
import { App } from './App';
import { ScreenContext } from './context';
import { createStationScreen } from './store';
import './styles.css';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
const transport = connectKiosk(url, WebSocket as unknown as WsConstructor);
const screen = createStationScreen(transport, window.localStorage);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <ScreenContext.Provider value={screen}>
      <App />
    </ScreenContext.Provider>
  </StrictMode>,
);
