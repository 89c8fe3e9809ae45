/** The dashboard's entry: served by the sync server at `/`, it speaks only to that server (same origin). */
// First: it starts the first views read before the rest of the bundle is evaluated (early-reads.ts).
import './early-start';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { DashboardContext } from './context';
import { createDashboard } from './store';
import './styles.css';

const dashboard = createDashboard(window.localStorage);
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <DashboardContext.Provider value={dashboard}>
      <App />
    </DashboardContext.Provider>
  </StrictMode>,
);
void dashboard.boot();
