/**
 * The simulated dashboards' process (load-dashboard.ts openDashboards): opens one dashboard per account (four at a
 * time), says `open`; on `close` ends them and answers their figures.
 *
 * A process of its own, started at the lowest CPU priority (nice 19, every thread of it): on a floor the dashboards are
 * browsers on the supervisors' own PCs; here they share the 2 cores with the server, PostgreSQL and the stations.
 * In a worker thread of the process that times the stations' pushes (until issue 14's session of 2026-12-07, the
 * third), their work shared that process's V8 helper threads (garbage collection) at normal priority. What the
 * server does for the dashboards is measured as before; their updates are read later when the cores are busy, so the
 * push → dashboard latency measured here can only come out longer, not shorter.
 */
import { z } from 'zod';
import { mapLimit } from '../bench/sync/harness';
import { openDashboard, type Dashboard, type DashboardsMessage } from './load-dashboard';

if (!process.send) throw new Error('dashboards-process.ts runs only as a child process with IPC (load-dashboard.ts starts it)');
const { baseUrl, accounts, trace } = z
  .object({ baseUrl: z.string(), accounts: z.array(z.string()), trace: z.boolean() })
  .parse(JSON.parse(process.argv[2] ?? 'null'));
const send = (m: z.input<typeof DashboardsMessage>) => process.send?.(m);

let dashboards: Dashboard[] = [];
try {
  dashboards = await mapLimit(accounts, 4, (a) => openDashboard(baseUrl, a));
  send({ type: 'open' });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
process.on('message', () => {
  for (const d of dashboards) d.close();
  send({
    type: 'figures',
    updates: dashboards.reduce((n, d) => n + d.updates, 0),
    failed: dashboards.reduce((n, d) => n + d.failed, 0),
    endedEarly: dashboards.filter((d) => d.stream.endedEarly).length,
    logs: trace ? dashboards.map((d) => d.log) : [],
  });
});
process.on('disconnect', () => process.exit(0));
