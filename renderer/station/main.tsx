/**
 * The station screen's entry: connects to the station core that served this page (kiosk WebSocket on the same
 * origin) and renders. In Electron the preload's transport takes the kiosk's place behind the same interface.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectIpc } from '../transport/ipc-client';
import { BRIDGE_KEY, type QutyBridge } from '../transport/ipc-wire';
import { connectKiosk, type WsConstructor } from '../transport/ws-client';
import { App } from './App';
import { ScreenContext } from './context';
import { createStationScreen } from './store';
import './styles.css';

// The Electron shell's preload exposes the station API as window.quty; a kiosk browser has none.
const bridge = (window as { [BRIDGE_KEY]?: QutyBridge })[BRIDGE_KEY];
const transport = bridge ? connectIpc(bridge) : connectKiosk(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`, WebSocket as unknown as WsConstructor);
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
