/**
 * `npm run bench:station`: the station screen in Debian's Chromium against a real station core.
 *   - scan-to-screen: a scanner line written to a real pty pair (socat) → serial bridge → core → kiosk WebSocket →
 *     the screen showing what the scan means; 500 scans, p50 / p95 (goal p95 < 50 ms). Timestamps: the write in
 *     Node and a MutationObserver in the page, both on the wall clock (performance.timeOrigin + now);
 *   - command-to-screen for a touch action (record output): the tap (pointerdown in the page) → the stage count on
 *     screen updated, 200 taps, p95 (goal < 50 ms);
 *   - cold load: a fresh browser context opening the station page until its first screen is drawn (goal < 1 s,
 *     median of 5), and the JavaScript it ships, gzipped.
 * Reference in the same run: the core's own command time for the same action (in process, no screen), so the
 * screen's share is visible.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { encodeSpkLabel } from '../../shared/barcode';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../../electron/core/testing';
import { startHardwareBridge } from '../../electron/hardware/bridge';
import { encodeScan, openPortSink, openPtyPair, socatAvailable } from '../../electron/hardware/simulator';
import { until } from '../../electron/hardware/testing/bridge';
import { startKioskServer } from '../../electron/kiosk/server';
import { ensureStationScreen, STATION_SCREEN_DIR } from '../../renderer/build';
import { launchChromium, loginOnScreen } from '../browser/testing';
import { meetsGoal, printBench, type BenchResult } from './bench-format';

const SCANS = Number(process.env.BENCH_SCANS ?? 500);
const TAPS = Number(process.env.BENCH_TAPS ?? 200);
const ORDER = mo(9101, { route: 'R2', quantity: 1_000_000 });
const WO = workOrderIdFor(ORDER.id, 'cutting');

const wallNow = (): number => performance.timeOrigin + performance.now();
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const result = (metric: string, value: number, unit: string, goal: string): BenchResult => ({
  metric,
  value: Math.round(value * 100) / 100,
  unit,
  goal,
  met: meetsGoal(value, goal),
});

/** Records, in the page, when the text of `[data-testid=testId]` changes: [text, wall-clock ms]. */
async function watchText(page: Page, testId: string): Promise<void> {
  await page.evaluate((id) => {
    const w = window as unknown as { seen: [string, number][]; last: string | null };
    w.seen = [];
    w.last = null;
    new MutationObserver(() => {
      const text = document.querySelector(`[data-testid="${id}"]`)?.textContent ?? null;
      if (text !== null && text !== w.last) {
        w.last = text;
        w.seen.push([text, performance.timeOrigin + performance.now()]);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  }, testId);
}

async function seenAt(page: Page, contains: string): Promise<number> {
  const handle = await page.waitForFunction(
    (c) => (window as unknown as { seen: [string, number][] }).seen.find(([text]) => text.includes(c))?.[1] ?? null,
    contains,
    { polling: 'raf', timeout: 10_000 },
  );
  return (await handle.jsonValue()) as number;
}

async function main(): Promise<void> {
  if (!socatAvailable()) throw new Error('bench:station needs socat (apt-get install socat) for the scanner pty');
  await ensureStationScreen((l) => console.error(l));
  const tmp = tempDir('qsf-bench-screen-');
  const core = await openTestStation('cutting', tmp.dir, [ORDER], { devMode: false });
  const link = join(tmp.dir, 'scanner');
  const pair = await openPtyPair({ linkA: link });
  const bridge = startHardwareBridge(core, [{ driver: 'scanner', deviceId: 'SC01', path: link }], { backoff: { initialMs: 20, maxMs: 100 } });
  await until(() => bridge.health()[0]?.connected === true, 5000, 'scanner connected');
  const sink = await openPortSink(pair.b);
  const kiosk = await startKioskServer(core, { port: 0, staticDir: STATION_SCREEN_DIR });
  const browser = await launchChromium();
  const results: BenchResult[] = [];
  try {
    // Cold load: a fresh context each time (no cache), until the first screen is drawn.
    const loads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const t0 = Date.now();
      await page.goto(`${kiosk.url}/`);
      await page.getByTestId('station-name').waitFor();
      loads.push(Date.now() - t0);
      await ctx.close();
    }
    const jsDir = join(STATION_SCREEN_DIR, 'assets');
    const jsGzipKb = readdirSync(jsDir)
      .filter((f) => f.endsWith('.js'))
      .reduce((sum, f) => sum + gzipSync(readFileSync(join(jsDir, f))).length, 0) / 1024;

    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${kiosk.url}/`);
    await page.getByTestId('station-name').waitFor();
    await loginOnScreen(page, badgeOf('cutting'), TEST_PIN);
    await page.getByTestId('scan-input').waitFor();

    // Scan-to-screen: SPK labels of orders not at this station, each a different message on screen.
    await watchText(page, 'notice-scan');
    const scanMs: number[] = [];
    for (let i = 0; i < SCANS; i++) {
      const wo = `MO-2026-${String(100000 + i)}-SEW`;
      const t0 = wallNow();
      await sink.write(encodeScan({ symbology: null, data: encodeSpkLabel({ workOrderId: wo, articleCode: 'BEAR-30', quantity: 10 }) }));
      scanMs.push((await seenAt(page, wo)) - t0);
    }

    // Command-to-screen: tap "record" (1 piece) and wait for the stage count to move.
    await page.getByTestId(`wo-card-${WO}`).click();
    await page.evaluate(() => {
      const w = window as unknown as { taps: number[] };
      w.taps = [];
      document.addEventListener('pointerdown', () => w.taps.push(performance.timeOrigin + performance.now()), true);
    });
    await watchText(page, 'stage-cut');
    const tapMs: number[] = [];
    for (let i = 1; i <= TAPS; i++) {
      await page.getByTestId('form-output-goodQty').fill('1');
      await page.getByTestId('form-output-submit').click();
      const shown = await seenAt(page, String(i));
      const tapped = await page.evaluate(() => (window as unknown as { taps: number[] }).taps.at(-1) ?? NaN);
      tapMs.push(shown - tapped);
      await page.waitForFunction((n) => document.querySelector('[data-testid="stage-cut"]')?.textContent === String(n), i);
    }

    // Reference: the same action straight into the core (no screen, no socket).
    const coreMs: number[] = [];
    for (let i = 0; i < TAPS; i++) {
      const t0 = performance.now();
      await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: WO, lineId: core.station.lineId, part: 'body', size: 'M', goodQty: 1 } } });
      coreMs.push(performance.now() - t0);
    }

    results.push(
      result('scan-to-screen p50', percentile(scanMs, 50), 'ms', '< 50'),
      result('scan-to-screen p95', percentile(scanMs, 95), 'ms', '< 50'),
      result('command-to-screen p50 (tap → count)', percentile(tapMs, 50), 'ms', '< 50'),
      result('command-to-screen p95 (tap → count)', percentile(tapMs, 95), 'ms', '< 50'),
      result('reference: core command alone p95', percentile(coreMs, 95), 'ms', '< 50'),
      result('screen share of command p95 (ratio to core alone)', percentile(tapMs, 95) / percentile(coreMs, 95), 'x', '<= 20'),
      result('cold load to first screen (median of 5)', percentile(loads, 50), 'ms', '< 1000'),
      result('JS shipped (gzip)', jsGzipKb, 'KiB', '<= 250'),
    );
  } finally {
    await browser.close();
    await kiosk.close();
    await sink.close();
    await bridge.stop();
    await pair.close();
    await core.close();
    tmp.cleanup();
  }
  printBench('station-screen', results);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
