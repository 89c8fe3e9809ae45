/**
 * The simulated dashboards' worker thread (load-dashboard.ts openDashboards): opens one dashboard per account (four
 * at a time), says `open`; on `close` ends them and answers their figures.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { mapLimit } from '../bench/sync/harness';
import { openDashboard, type Dashboard, type DashboardsMessage } from './load-dashboard';

const port = parentPort;
if (!port) throw new Error('dashboards-worker.ts runs only as a worker thread (load-dashboard.ts starts it)');
const { baseUrl, accounts, trace } = z.object({ baseUrl: z.string(), accounts: z.array(z.string()), trace: z.boolean() }).parse(workerData);
const send = (m: z.input<typeof DashboardsMessage>) => port.postMessage(m);

let dashboards: Dashboard[] = [];
try {
  dashboards = await mapLimit(accounts, 4, (a) => openDashboard(baseUrl, a));
  send({ type: 'open' });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
port.on('message', () => {
  for (const d of dashboards) d.close();
  send({
    type: 'figures',
    updates: dashboards.reduce((n, d) => n + d.updates, 0),
    failed: dashboards.reduce((n, d) => n + d.failed, 0),
    endedEarly: dashboards.filter((d) => d.stream.endedEarly).length,
    logs: trace ? dashboards.map((d) => d.log) : [],
  });
});
