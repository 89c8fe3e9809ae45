/**
 * The load test's and dashboard benchmark's simulated dashboards (tests/load/floor-load.ts): each as the screen's store
 * (renderer/dashboard/store.ts) keeps up, logged in, one read of the views, then the live channel. They run in a process
 * of their own at the lowest CPU priority (dashboards-process.ts, `openDashboards`): on real floors dashboards are
 * browsers on other PCs, and here, in the thread that also times the stations' pushes, reading 50 dashboards'
 * updates (each round's 50 messages parsed back to back) held up the reading of push acknowledgements and lengthened
 * the push-ack tail the benchmark measures. The process still shares the machine's cores with the server.
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CSRF_HEADER, SessionInfo, ViewsRevisions } from '../../sync-server/dashboard/contract';
import { openLiveStream, TEST_PASSWORD } from '../../sync-server/dashboard/testing';
import { heldAfter, livePath, VIEW_NAMES, viewsPath, type HeldRevisions } from '../../sync-server/dashboard/views-sync';
import { liveViewsOf } from '../../renderer/dashboard/store';
import { nodeProcess } from '../bench/sync/harness';

export interface Dashboard {
  /** Live updates received and fitting what was held. */
  updates: number;
  /** Failed: the first read, a `failed` message, or an update not fitting the revisions held. */
  failed: number;
  /** Each live update: the server's `asOf` and when it was read here (epoch ms). */
  log: { asOf: number; received: number }[];
  stream: { endedEarly: boolean; close(): void };
  close(): void;
}

/** Epoch milliseconds with performance.now()'s resolution (compared with the server's `asOf`, same machine). */
export const epochNow = () => performance.timeOrigin + performance.now();

/** A live message as a load dashboard reads it: the views' revisions only (it does not keep the views). */
const LiveRevisions = z.discriminatedUnion('type', [
  z.object({ type: z.literal('views'), asOf: z.number(), update: ViewsRevisions }),
  z.object({ type: z.enum(['hello', 'failed', 'ended']) }),
]);

/**
 * A live message read: the last text's reading kept, since a round sends the same bytes to every stream (live.ts) and
 * these dashboards share one thread. Each dashboard still checks the message against the revisions it holds (`fits`);
 * only the reading of identical text is not repeated 50 times (on a real floor each browser reads its own, on its own
 * PC, not on the server's cores as here).
 */
let lastRead: { data: string; msg: z.output<typeof LiveRevisions> } | null = null;
function readLive(data: string): z.output<typeof LiveRevisions> {
  if (lastRead?.data !== data) lastRead = { data, msg: LiveRevisions.parse(JSON.parse(data)) };
  return lastRead.msg;
}

/** The views a landed screen keeps live: the Floor's (the screen opens on it), as the store asks for them. */
const LANDED = liveViewsOf('floor');

/**
 * A supervisor's open dashboard, as the screen's store on the Floor: logged in, one read of the views, then the live
 * channel opened from the revisions it brought, each update checked to start from the revision held (as applyDelta does).
 */
export async function openDashboard(baseUrl: string, account: string): Promise<Dashboard> {
  const res = await fetch(`${baseUrl}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: account, password: TEST_PASSWORD }) });
  if (res.status !== 200) throw new Error(`dashboard login ${account}: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = SessionInfo.parse(await res.json());
  const headers = { cookie, [CSRF_HEADER]: csrfToken };
  const read = await fetch(`${baseUrl}${viewsPath({ instance: null }, 'open', LANDED)}`, { headers });
  if (read.status !== 200) throw new Error(`dashboard views ${account}: ${read.status} ${await read.text()}`);
  let held: HeldRevisions = heldAfter({ instance: null }, ViewsRevisions.parse(await read.json()));
  const d: Dashboard = { updates: 0, failed: 0, log: [], stream: { endedEarly: false, close: () => undefined }, close: () => d.stream.close() };
  const fits = (update: z.output<typeof LiveRevisions> & { type: 'views' }) =>
    update.update.instance === held.instance && VIEW_NAMES.every((v) => { const u = update.update[v]; return u === null || u.base === null || u.base === held[v]; });
  d.stream = await openLiveStream(baseUrl, headers, livePath(held, 'open', LANDED), (data) => {
    const msg = readLive(data);
    if (msg.type === 'failed') d.failed++;
    if (msg.type !== 'views') return;
    if (!fits(msg)) d.failed++;
    else d.updates++;
    held = heldAfter(held, msg.update);
    d.log.push({ asOf: msg.asOf, received: epochNow() });
  });
  return d;
}

/** What the open dashboards did, read when they are closed. */
export interface DashboardsFigures {
  updates: number;
  failed: number;
  endedEarly: number;
  /** Each dashboard's live updates (`Dashboard.log`), with `trace`. */
  logs: Dashboard['log'][];
}

export const DashboardsMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('open') }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('figures'), updates: z.number(), failed: z.number(), endedEarly: z.number(), logs: z.array(z.array(z.object({ asOf: z.number(), received: z.number() }))) }),
]);

/** The simulated dashboards' process, open. */
export interface OpenDashboards {
  /** The process's id (its CPU time: processCpuMs). */
  pid: number;
  close(): Promise<DashboardsFigures>;
}

/** `accounts`' dashboards opened in a process of their own at nice 19 (dashboards-process.ts); `close` ends them and answers their figures. */
export async function openDashboards(baseUrl: string, accounts: readonly string[], trace: boolean): Promise<OpenDashboards> {
  const entry = fileURLToPath(new URL('./dashboards-process.ts', import.meta.url));
  const child = fork(entry, [JSON.stringify({ baseUrl, accounts, trace })], {
    ...nodeProcess(['--import', 'tsx'], 19),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () =>
    new Promise<z.output<typeof DashboardsMessage>>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`dashboards process exited (${code})`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.once('message', (m: unknown) => {
        child.off('exit', onExit);
        child.off('error', reject);
        resolve(DashboardsMessage.parse(m));
      });
    });
  const end = async () => {
    child.kill();
    await exited;
  };
  const opened = await next().catch(async (err: unknown) => {
    await end();
    throw err;
  });
  if (opened.type !== 'open') {
    await end();
    throw new Error(`dashboards: ${opened.type === 'error' ? opened.message : opened.type}`);
  }
  return {
    pid: child.pid ?? -1,
    async close() {
      const answer = next();
      child.send('close');
      const m = await answer.finally(end);
      if (m.type !== 'figures') throw new Error(`dashboards: ${m.type === 'error' ? m.message : m.type}`);
      return m;
    },
  };
}
