/**
 * Browser tests' set-up: Debian's Chromium driven by playwright-core (Playwright's own browser download does not
 * work here), a real sync server (real PostgreSQL with TEST_DATABASE_URL, else PGlite) and real station cores, each
 * serving the built station screen on its kiosk port, enrolled and syncing like a station on the floor.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Department } from '../../shared/master';
import { PLACE_CODE } from '../../shared/master';
import { StationCore } from '../../electron/core/station-core';
import { stationConfig, tempDir } from '../../electron/core/testing';
import { startKioskServer } from '../../electron/kiosk/server';
import { startHardwareBridge, type HardwareBridge } from '../../electron/hardware/bridge';
import { FramedDetectorSimulator, openPortSink, openPtyPair, type ByteSink, type PtyPair } from '../../electron/hardware/simulator';
import { until } from '../../electron/hardware/testing/bridge';
import { startSync, type SyncClient } from '../../electron/sync';
import { ensureStationScreen } from '../../renderer/build';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../sync-server/app';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN, storedBody } from '../../sync-server/testing';
import { writeDocuments, writeTx } from '../../sync-server/changes';
import type { WorkOrderDoc } from '../../shared/docs';
import { floorDocScope } from '../../shared/sync';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots the README shows, kept as test artifacts. */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'screens');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The sync server, which a test can stop and start again on the same port and database (a server restart: every
 * station goes offline, then converges).
 */
export interface FloorServer {
  base: string;
  /** The server's database (test set-up writes documents the office or another department would have written). */
  db: TestDb['db'];
  adminPost(path: string, body: unknown): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startFloorServer(options: Pick<BuildAppOptions, 'sscc'> = {}): Promise<FloorServer> {
  const db: TestDb = await createTestDb();
  let app: FastifyInstance | null = null;
  let port = 0;
  const start = async () => {
    app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000, ...options });
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as { port: number }).port;
  };
  const stop = async () => {
    const running = app;
    if (!running) return;
    app = null;
    // Live streams and keep-alive sockets would hold close() open: cut them, as a server going down does.
    const closing = running.close();
    const kill = setInterval(() => running.server.closeAllConnections(), 100);
    running.server.closeAllConnections();
    try {
      await closing;
    } finally {
      clearInterval(kill);
    }
  };
  await start();
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  return {
    base,
    db: db.db,
    async adminPost(path, body) {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as Record<string, unknown>;
    },
    stop,
    start,
    async close() {
      await stop();
      await db.cleanup();
    },
  };
}

export interface ScreenStation {
  core: StationCore;
  sync: SyncClient;
  url: string;
  stop(): Promise<void>;
}

/** A station core enrolled with the server, syncing, serving the built station screen. */
export async function startScreenStation(server: Pick<FloorServer, 'base' | 'adminPost'>, department: Department): Promise<ScreenStation> {
  const staticDir = await ensureStationScreen();
  const stationId = `ST-${PLACE_CODE[department]}-1`;
  const lineId = `LN-${PLACE_CODE[department]}-1`;
  const issued = await server.adminPost('/api/enrollment-codes', { stationId, department, lineId });
  const tmp = tempDir(`qsf-screen-${department}-`);
  const core = await StationCore.open(stationConfig(department, tmp.dir, { serverUrl: server.base, enrollmentCode: String(issued.code) }), { devMode: true });
  const sync = startSync(core, { retryTimeMs: 200, reconnect: { initialMs: 100, maxMs: 1_000 }, heartbeatMs: 60_000 });
  const kiosk = await startKioskServer(core, { port: 0, staticDir });
  return {
    core,
    sync,
    url: kiosk.url,
    async stop() {
      await kiosk.close();
      await sync.stop();
      await core.close();
      tmp.cleanup();
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Screenshots the README links: docs/screens/<department>-<flow>.png. */
export async function docsScreenshot(page: Page, department: Department, flow: string): Promise<void> {
  await page.screenshot({ path: join(process.cwd(), 'docs', 'screens', `${department}-${flow}.png`), fullPage: true });
}

/**
 * What the departments before this one already did to a work order (pieces received, stages counted), written on the
 * server as the office's and the other stations' events would have left it: the station pulls it when it starts.
 */
export async function setServerWorkOrder(server: Pick<FloorServer, 'db'>, id: string, patch: Partial<WorkOrderDoc>): Promise<void> {
  const wo = await storedBody<WorkOrderDoc>(server.db, 'workOrder', id);
  if (!wo) throw new Error(`no ${id} on the server`);
  const body = { ...wo, ...patch };
  await writeTx(server.db, (q) => writeDocuments(q, [{ kind: 'workOrder', id, body, scope: floorDocScope(body) }]));
}

/**
 * Types like a keyboard-wedge scanner: a burst of keydown events into whatever has focus, then Enter. Dispatched
 * inside the page, because Playwright's own typing makes a round trip per key (15–30 ms apart here, as slow as a
 * quick typist); a scanner sends a key every 1–15 ms.
 */
export async function wedgeScan(page: Page, code: string): Promise<void> {
  await page.evaluate((keys) => {
    const target = document.activeElement ?? document.body;
    for (const key of keys) target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  }, [...code, 'Enter']);
}

/** Logs in on the screen: badge typed, PIN on the touch keypad. */
export async function loginOnScreen(page: Page, badge: string, pin: string): Promise<void> {
  await page.getByTestId('badge').fill(badge);
  const keypad = page.getByTestId('pin-keypad');
  for (const d of pin) await keypad.getByRole('button', { name: d, exact: true }).click();
  await page.getByTestId('login').click();
}

/** A badge typed and a PIN tapped on a form's keypad (a supervisor's signature), once the screen's last try is done. */
export async function signOnScreen(page: Page, prefix: string, badge: string, pin: string): Promise<void> {
  await page.locator('.header .progress').waitFor({ state: 'detached' });
  await page.getByTestId(`${prefix}-badge`).fill(badge);
  const keypad = page.getByTestId(`${prefix}-keypad`);
  await keypad.getByRole('button', { name: 'Hapus', exact: true }).or(keypad.getByRole('button', { name: 'Clear', exact: true })).click();
  await page.waitForFunction((id) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | null)?.value === '', `${prefix}-pin`);
  for (const d of pin) await keypad.getByRole('button', { name: d, exact: true }).click();
  await page.waitForFunction(([id, want]) => (document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement | null)?.value === want, [`${prefix}-pin`, pin] as const);
}

/** axe-core's serious and critical violations on the page as it is now, as `rule: targets` lines (empty: none). */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** A framed metal detector (MD01) simulated into a pty pair (socat) and read by a hardware bridge of `core`. */
export interface SimulatedDetector {
  sim: FramedDetectorSimulator;
  /** Writes what the detector sends, in order. */
  send(...events: Parameters<FramedDetectorSimulator['encode']>[0][]): Promise<void>;
  close(): Promise<void>;
}

export async function attachSimulatedDetector(core: StationCore): Promise<SimulatedDetector> {
  const tmp = tempDir('qsf-screen-md-');
  const link = join(tmp.dir, 'md1');
  const pair: PtyPair = await openPtyPair({ linkA: link });
  const bridge: HardwareBridge = startHardwareBridge(core, [{ driver: 'framed-detector', deviceId: 'MD01', path: link }], { backoff: { initialMs: 20, maxMs: 100 }, checkIntervalMs: 3_600_000 });
  await until(() => bridge.health()[0]?.connected === true, 5000, 'detector connected');
  const sink: ByteSink = await openPortSink(pair.b);
  const sim = new FramedDetectorSimulator('MD01');
  return {
    sim,
    async send(...events) {
      for (const e of events) await sink.write(sim.encode(e));
    },
    async close() {
      await sink.close();
      await bridge.stop();
      await pair.close();
      tmp.cleanup();
    },
  };
}
