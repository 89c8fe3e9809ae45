/**
 * The simulated dashboards' worker thread (load-dashboard.ts openDashboards): opens one dashboard per account (four
 * at a time), says `open`; on `close` ends them and answers their figures.
 *
 * The thread runs at the lowest CPU priority (nice 19, Linux: worker-thread.ts lowerThreadPriority). On a floor the
 * dashboards are browsers on the supervisors' own PCs; here they share the server's cores, and reading 50 streams'
 * updates took CPU that no real dashboard takes from the server, on the side of the benchmark with dashboards only
 * (bench:dashboard's push-ack ratio). At the lowest priority they read in the time the server, PostgreSQL and the
 * stations leave. What the server does for the dashboards is measured as before; their updates are read later when
 * the cores are busy, so the push → dashboard latency measured here can only come out longer, not shorter.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { mapLimit } from '../bench/sync/harness';
import { lowerThreadPriority } from '../../sync-server/worker-thread';
import { openDashboard, type Dashboard, type DashboardsMessage } from './load-dashboard';

const port = parentPort;
if (!port) throw new Error('dashboards-worker.ts runs only as a worker thread (load-dashboard.ts starts it)');
const { baseUrl, accounts, trace } = z.object({ baseUrl: z.string(), accounts: z.array(z.string()), trace: z.boolean() }).parse(workerData);
const send = (m: z.input<typeof DashboardsMessage>) => port.postMessage(m);

lowerThreadPriority(19);

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
