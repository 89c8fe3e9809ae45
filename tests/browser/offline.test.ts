/**
 * The sync server stopped under an open station screen (issue 13), in Debian's Chromium against a real cutting station
 * core and a real server: the header says offline and since when (the moment the station lost the server, also on a
 * screen opened later), the operator keeps recording and the unsent count grows one by one; the server started again
 * on the same port, the header goes through syncing to online with unsent 0, and the server holds each event once.
 * Work done offline that the server then refuses stays on the screen: what was refused, and why, in the operator's
 * language.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { docsScreenshot, launchChromium, loginOnScreen, seriousA11yViolations, setServerWorkOrder, startFloorServer, startScreenStation, type FloorServer, type ScreenStation } from './testing';

const ORDER = mo(81, { route: 'R2', quantity: 50 });
const CUT_WO = workOrderIdFor(ORDER.id, 'cutting');
/** Cut in full by another cutting line while this station was offline: its own output is then one too many. */
const CUT_ELSEWHERE = mo(82, { route: 'R2', quantity: 10 });
const CUT_ELSEWHERE_WO = workOrderIdFor(CUT_ELSEWHERE.id, 'cutting');

let server: FloorServer;
let browser: Browser;
let cutting: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-CUT1', name: 'Siti (cutting)', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', ORDER);
  await server.adminPost('/api/manufacturing-orders', CUT_ELSEWHERE);
  cutting = await startScreenStation(server, 'cutting');
  await cutting.sync.awaitInSync(20_000);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cutting?.stop();
  await server?.close();
});

const syncState = (page: Page) => page.getByTestId('sync-state').getAttribute('data-state');
const syncSince = async (page: Page) => (await page.getByTestId('sync-state').locator('.header-small').textContent()) ?? '';
const unsent = (page: Page) => page.getByTestId('unsent-count').textContent();

/** Every header state the screen shows from now on, in order (a MutationObserver: a short "syncing" is seen too). */
async function watchSyncStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const w = window as Window & { syncStates?: string[] };
    const el = document.querySelector('[data-testid="sync-state"]');
    w.syncStates = [el?.getAttribute('data-state') ?? ''];
    new MutationObserver(() => {
      const now = document.querySelector('[data-testid="sync-state"]')?.getAttribute('data-state') ?? '';
      if (w.syncStates && w.syncStates[w.syncStates.length - 1] !== now) w.syncStates.push(now);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => (window as Window & { syncStates?: string[] }).syncStates ?? []);
}

async function recordCut(page: Page, qty: number, unsentAfter: number): Promise<void> {
  await page.getByTestId('form-output-goodQty').fill(String(qty));
  await page.getByTestId('form-output-submit').click();
  await expect.poll(() => unsent(page)).toBe(String(unsentAfter));
}

describe('server stopped, the station screen keeps working', () => {
  it('offline since the station lost the server (also after a reload); recording goes on, unsent grows; after the restart: syncing, online, unsent 0, each event once on the server', { timeout: 90_000 }, async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await page.goto(`${cutting.url}/`);
    await page.getByTestId('station-name').waitFor();
    await page.getByTestId('lang').click(); // English
    await loginOnScreen(page, 'B:OP-CUT1', TEST_PIN);
    await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe('Siti (cutting)');
    await page.getByTestId(`wo-card-${CUT_WO}`).click();
    await expect.poll(() => syncState(page), { timeout: 15_000 }).toBe('online');
    expect(await unsent(page)).toBe('0');

    const stoppedAt = Date.now();
    await server.stop();
    await expect.poll(() => syncState(page), { timeout: 15_000 }).toBe('offline');
    await page.getByTestId('offline-banner').getByText(/^OFFLINE/).waitFor();
    const since = await syncSince(page);
    expect(since).toMatch(/^since \d\d:\d\d:\d\d$/);
    const sinceTime = new Date(stoppedAt);
    const [h, m, s] = since.slice('since '.length).split(':').map(Number);
    sinceTime.setHours(h ?? NaN, m ?? NaN, s ?? NaN);
    // Within the seconds the station took to notice (the header shows local time, as the browser's clock does).
    expect(Math.abs(sinceTime.getTime() - stoppedAt)).toBeLessThan(15_000);

    // Work goes on: each output is recorded on the station and waits to be sent.
    await recordCut(page, 10, 1);
    await recordCut(page, 5, 2);
    // A screen opened later (a reload, another terminal) tells the same: offline since the station lost the server.
    await page.waitForTimeout(1_100);
    await page.reload();
    await page.getByTestId('station-name').waitFor();
    await expect.poll(() => syncState(page)).toBe('offline');
    expect(await syncSince(page)).toBe(since);
    expect(await unsent(page)).toBe('2');
    await page.getByTestId(`wo-card-${CUT_WO}`).click();
    await recordCut(page, 5, 3);
    await expect.poll(() => page.getByTestId('stage-cut').textContent()).toBe('20');
    await docsScreenshot(page, 'cutting', 'offline-backlog');

    const states = await watchSyncStates(page);
    await server.start();
    await expect.poll(() => syncState(page), { timeout: 30_000 }).toBe('online');
    await expect.poll(() => unsent(page), { timeout: 10_000 }).toBe('0');
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    // Through "syncing" (the backlog going up), never straight from offline to online.
    const seen = await states();
    expect(seen[0]).toBe('offline');
    expect(seen.indexOf('syncing')).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe('online');

    // The server has each of the station's events once, seqs 1..N, all applied; it counts the 20 pieces cut once.
    const local = await cutting.core.eventsAfter(0);
    const remote = await server.db.query<{ id: string; seq: number; status: string }>('SELECT id::text AS id, seq, status FROM events WHERE station_id = $1 ORDER BY seq', [
      cutting.core.view().station.id,
    ]);
    expect(remote.map((e) => e.id)).toEqual(local.map((e) => e.id));
    expect(remote.map((e) => Number(e.seq))).toEqual(local.map((_, i) => i + 1));
    expect(remote.filter((e) => e.status !== 'applied')).toEqual([]);
    const onServer = await server.db.query<{ cut: number }>("SELECT (body->'stageQty'->>'cut')::int AS cut FROM documents WHERE kind = 'workOrder' AND id = $1", [CUT_WO]);
    expect(onServer[0]?.cut).toBe(20);
    await page.context().close();
  });

  it('output recorded offline that the server refuses (the SPK was cut in full elsewhere meanwhile): listed at the station with what and why, in the operator\'s language', { timeout: 60_000 }, async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await page.goto(`${cutting.url}/`);
    await page.getByTestId('station-name').waitFor();
    if ((await page.getByTestId('operator-name').textContent()) !== 'Siti (cutting)') await loginOnScreen(page, 'B:OP-CUT1', TEST_PIN);
    await page.getByTestId(`wo-card-${CUT_ELSEWHERE_WO}`).click();
    await server.stop();
    await expect.poll(() => syncState(page), { timeout: 15_000 }).toBe('offline');
    const before = cutting.core.lastSequence;
    await recordCut(page, 10, 1);
    const [cut] = await cutting.core.eventsAfter(before);
    if (!cut) throw new Error('nothing recorded');
    // Meanwhile the server heard from another cutting line: all 10 sets of the SPK cut there.
    await setServerWorkOrder(server, CUT_ELSEWHERE_WO, { partsCut: { body: 10 }, stageQty: { cut: 10 } });

    await server.start();
    await cutting.sync.awaitInSync(30_000);
    const row = page.getByTestId(`refused-${cut.id}`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.getByTestId('refused-what').textContent()).toBe('Hasil potong');
    expect(await row.getByTestId('refused-reason').textContent()).toBe('Melebihi rencana SPK.');
    // Not only in the side column: a banner on the SPK screen says so, and takes the operator to the list.
    expect(await page.getByTestId('refused-banner').textContent()).toContain('1 catatan ditolak server');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('lang').click();
    await expect.poll(() => row.getByTestId('refused-what').textContent()).toBe('Cutting output');
    expect(await row.getByTestId('refused-reason').textContent()).toBe('More than the SPK plans.');
    expect(await page.getByTestId('refused-banner').textContent()).toContain('1 record(s) refused by the server');
    // Counted once, as the server decided: the station shows the other line's 10, not 20; nothing left to send.
    await expect.poll(() => page.getByTestId('stage-cut').textContent()).toBe('10');
    expect(await unsent(page)).toBe('0');
    await docsScreenshot(page, 'cutting', 'refused');
    const inView = () => page.getByTestId('refused').evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; });
    // A narrow screen (a tablet upright): one column, the list under the SPK's forms.
    await page.setViewportSize({ width: 800, height: 700 });
    await page.evaluate(() => window.scrollTo(0, 0));
    expect(await inView(), 'the list starts below the fold').toBe(false);
    await page.getByTestId('refused-show').click();
    await expect.poll(inView).toBe(true);
    await page.setViewportSize({ width: 1280, height: 1000 });
    // Shown: the banner goes (also after a reload: kept per station); the list stays.
    await expect.poll(() => page.getByTestId('refused-banner').count()).toBe(0);
    await page.reload();
    await row.waitFor();
    expect(await page.getByTestId('refused-banner').count()).toBe(0);
    await page.context().close();
  });
});
