/**
 * The station screen in Debian's Chromium, against real station cores syncing with a real server: log in by badge
 * and touch keypad, in both languages; cutting records output and hands over with a printed slip; sewing accepts by
 * scanning the slip with a keyboard-wedge burst; bad scans change nothing; a double tap records once; a halted line
 * shows full-screen HALT (also after a reload) until a supervisor releases it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { launchChromium, loginOnScreen, screenshot, seriousA11yViolations, startFloorServer, startScreenStation, wedgeScan, type FloorServer, type ScreenStation } from './testing';

const ORDER = mo(1, { route: 'R2', quantity: 40 });
const CUT_WO = workOrderIdFor(ORDER.id, 'cutting');
const SEW_WO = workOrderIdFor(ORDER.id, 'sewing');
/** Worked while the server is down. */
const OFFLINE_ORDER = mo(2, { route: 'R2', quantity: 20 });
/** Another article and destination: sewing's line must be cleared before it enters. */
const OTHER_ARTICLE = mo(3, { route: 'R2', quantity: 10, articleCode: 'RABBIT-25', destination: 'US-DC2' });

let server: FloorServer;
let browser: Browser;
let cutting: ScreenStation;
let sewing: ScreenStation;
/** The slip cutting printed (the forged-slip test changes one character of it). */
let printedSlip = '';

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-CUT1', name: 'Siti (cutting)', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEW1', name: 'Dewi (sewing)', roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEWSV', name: 'Budi (sewing supervisor)', roles: ['supervisor'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', ORDER);
  await server.adminPost('/api/manufacturing-orders', OFFLINE_ORDER);
  await server.adminPost('/api/manufacturing-orders', OTHER_ARTICLE);
  cutting = await startScreenStation(server, 'cutting');
  sewing = await startScreenStation(server, 'sewing');
  await Promise.all([cutting.sync.awaitInSync(20_000), sewing.sync.awaitInSync(20_000)]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cutting?.stop();
  await sewing?.stop();
  await server?.close();
});

async function openScreen(station: ScreenStation): Promise<Page> {
  // A context per screen: what one screen keeps (its language) is its own, as on separate terminals.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${station.url}/`);
  await page.getByTestId('station-name').waitFor();
  return page;
}

/** Sewing's operator is logged in on this screen (the core keeps one session for all its screens). */
async function ensureLoggedIn(page: Page): Promise<void> {
  await page.getByTestId('operator-name').waitFor();
  if ((await page.getByTestId('operator-name').textContent()) !== 'Dewi (sewing)') await loginOnScreen(page, 'B:OP-SEW1', TEST_PIN);
  await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe('Dewi (sewing)');
  await page.getByTestId('scan-input').waitFor();
}

describe('station screen', () => {
  it('cutting → sewing: output, handover with a printed slip, accepted by scanning it; in both languages', { timeout: 90_000 }, async () => {
    const cut = await openScreen(cutting);
    // Indonesian first (the floor's language), switchable and kept per station.
    await expect.poll(() => cut.getByRole('heading', { level: 1 }).textContent()).toBe('Pindai badge Anda, lalu masukkan PIN');
    await cut.getByTestId('lang').click();
    await expect.poll(() => cut.getByRole('heading', { level: 1 }).textContent()).toBe('Scan your badge, then enter your PIN');
    await screenshot(cut, 'login-en');
    expect(await seriousA11yViolations(cut)).toEqual([]);

    // A wrong PIN is refused in the operator's language, and nobody is logged in.
    await loginOnScreen(cut, 'B:OP-CUT1', '999999');
    await cut.getByTestId('notice-login').waitFor();
    expect(await cut.getByTestId('operator-name').textContent()).toBe('nobody logged in');

    await loginOnScreen(cut, 'B:OP-CUT1', TEST_PIN);
    await expect.poll(() => cut.getByTestId('operator-name').textContent()).toBe('Siti (cutting)');
    expect(await cut.getByTestId('sync-state').getAttribute('data-state')).toMatch(/online|syncing/);

    await cut.getByTestId(`wo-card-${CUT_WO}`).click();
    await cut.getByTestId('form-output-goodQty').fill('40');
    const before = cutting.core.lastSequence;
    // A double tap records once: the screen is busy during the first, and both carry the same event id.
    await cut.getByTestId('form-output-submit').dblclick();
    await cut.getByTestId('notice-form-output').getByText('Recorded').waitFor();
    expect(cutting.core.lastSequence).toBe(before + 1);
    await expect.poll(() => cut.getByTestId('ready-qty').textContent()).toBe('40');
    expect(await cut.getByTestId('stage-cut').textContent()).toBe('40');
    await screenshot(cut, 'cutting');
    expect(await seriousA11yViolations(cut)).toEqual([]);

    await cut.getByTestId('handover-qty').fill('40');
    await cut.getByTestId('handover-submit').click();
    await cut.getByTestId('slip').waitFor();
    expect(await cut.getByTestId('slip-qty').textContent()).toBe('40');
    const slip = (await cut.getByTestId('slip-code').textContent())?.trim() ?? '';
    expect(slip.length).toBeGreaterThan(20);
    printedSlip = slip;
    await screenshot(cut, 'cutting-slip');
    expect(await seriousA11yViolations(cut)).toEqual([]);
    const transferId = (await cut.getByTestId('slip-transfer').textContent())?.trim() ?? '';
    expect(cutting.core.state.transfer[transferId]?.quantity).toBe(40);

    // Sewing, in Indonesian: scan the slip with a keyboard-wedge burst, accept the count.
    const sew = await openScreen(sewing);
    await loginOnScreen(sew, 'B:OP-SEW1', TEST_PIN);
    await expect.poll(() => sew.getByTestId('operator-name').textContent()).toBe('Dewi (sewing)');
    await wedgeScan(sew, slip);
    const card = sew.getByTestId(`accept-${transferId}`);
    await card.waitFor();
    expect(await card.getByTestId('accept-counted').inputValue()).toBe('40');
    await card.getByTestId('accept-submit').click();
    await sew.getByTestId('notice-incoming').getByText('Diterima 40 potong').waitFor();
    await expect.poll(() => sewing.core.state.workOrder[SEW_WO]?.receivedQty).toBe(40);
    await screenshot(sew, 'sewing');
    expect(await seriousA11yViolations(sew)).toEqual([]);

    // Both stations converge through the server: the backlog returns to 0 and the header says so.
    await Promise.all([cutting.sync.awaitInSync(20_000), sewing.sync.awaitInSync(20_000)]);
    await expect.poll(() => sew.getByTestId('unsent-count').textContent()).toBe('0');
    await expect.poll(() => cut.getByTestId('unsent-count').textContent()).toBe('0');
    await cut.context().close();
    await sew.context().close();
  });

  it('bad scans say what is wrong and record nothing', { timeout: 60_000 }, async () => {
    const sew = await openScreen(sewing);
    await ensureLoggedIn(sew);
    const before = sewing.core.lastSequence;
    await wedgeScan(sew, 'HELLO-THIS-IS-NOT-A-CODE');
    await sew.getByTestId('notice-scan').waitFor();
    expect(await sew.getByTestId('notice-scan').textContent()).not.toBe('');
    // A forged slip: the printed one with its quantity raised (the signature no longer matches), typed by hand.
    expect(printedSlip).toContain('40');
    const forged = printedSlip.replace('40', '48');
    await sew.getByTestId('scan-input').fill(forged);
    await sew.getByTestId('scan-submit').click();
    await sew.getByTestId('notice-incoming').getByText(/tidak dapat dipercaya|cannot be trusted/).waitFor();
    expect(await sew.locator('[data-testid^="accept-"][data-testid$="-submit"]').count()).toBe(0);
    expect(sewing.core.lastSequence).toBe(before);
    await sew.context().close();
  });

  it('a halted line shows HALT full-screen, also after a reload, until a supervisor releases it', { timeout: 60_000 }, async () => {
    const sew = await openScreen(sewing);
    await ensureLoggedIn(sew);
    await sewing.core.call('action.record', { action: { type: 'line.halted', payload: { lineId: 'LN-SEW-1', reason: 'broken needle tip missing' } } });
    await sew.getByTestId('halt').waitFor();
    await screenshot(sew, 'halt');
    expect(await seriousA11yViolations(sew)).toEqual([]);
    await sew.reload();
    await sew.getByTestId('halt').waitFor();

    // A wrong PIN does not release it; the supervisor's does, with a disposition and a corrective action.
    await sew.getByTestId('halt-badge').fill('B:OP-SEWSV');
    await sew.getByTestId('halt-pin').fill('999999');
    await sew.getByTestId('halt-action').fill('needle replaced, fragments found');
    await sew.getByTestId('halt-disposition-no_fault_found').click();
    await sew.getByTestId('halt-release').click();
    await sew.getByTestId('notice-halt').waitFor();
    expect(sewing.core.state.line['LN-SEW-1']?.halt).not.toBeNull();

    await sew.getByTestId('halt-pin').fill(TEST_PIN);
    await sew.getByTestId('halt-release').click();
    await sew.getByTestId('halt').waitFor({ state: 'detached' });
    expect(sewing.core.state.line['LN-SEW-1']?.halt).toBeNull();
    await sew.context().close();
  });

  it('with the server stopped: the header says offline, the backlog grows, work goes on; after the restart it converges', { timeout: 90_000 }, async () => {
    const cut = await openScreen(cutting);
    if ((await cut.getByTestId('operator-name').textContent()) !== 'Siti (cutting)') await loginOnScreen(cut, 'B:OP-CUT1', TEST_PIN);
    await expect.poll(() => cut.getByTestId('operator-name').textContent()).toBe('Siti (cutting)');
    const sew = await openScreen(sewing);
    await ensureLoggedIn(sew);

    await server.stop();
    await expect.poll(() => cut.getByTestId('sync-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    await expect.poll(() => sew.getByTestId('sync-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('offline');
    await cut.getByTestId('offline-banner').getByText(/^LURING/).waitFor();
    await screenshot(cut, 'cutting-offline');

    const cutWo = workOrderIdFor(OFFLINE_ORDER.id, 'cutting');
    await cut.getByTestId(`wo-card-${cutWo}`).click();
    await cut.getByTestId('form-output-goodQty').fill('20');
    await cut.getByTestId('form-output-submit').click();
    await cut.getByTestId('notice-form-output').waitFor();
    await expect.poll(() => cut.getByTestId('unsent-count').textContent()).toBe('1');
    await cut.getByTestId('handover-qty').fill('20');
    await cut.getByTestId('handover-submit').click();
    await cut.getByTestId('slip').waitFor();
    await expect.poll(() => cut.getByTestId('unsent-count').textContent()).toBe('2');
    const slip = (await cut.getByTestId('slip-code').textContent())?.trim() ?? '';
    const transferId = (await cut.getByTestId('slip-transfer').textContent())?.trim() ?? '';

    // Sewing accepts from the slip alone: the transfer never reached it (the server is down).
    expect(sewing.core.state.transfer[transferId]).toBeUndefined();
    await wedgeScan(sew, slip);
    await sew.getByTestId(`accept-${transferId}`).getByTestId('accept-submit').click();
    await sew.getByTestId('notice-incoming').getByText('Diterima 20 potong').waitFor();
    await expect.poll(() => sew.getByTestId('unsent-count').textContent()).toBe('1');

    await server.start();
    await Promise.all([cutting.sync.awaitInSync(30_000), sewing.sync.awaitInSync(30_000)]);
    await expect.poll(() => cut.getByTestId('unsent-count').textContent(), { timeout: 10_000 }).toBe('0');
    await expect.poll(() => sew.getByTestId('unsent-count').textContent(), { timeout: 10_000 }).toBe('0');
    await expect.poll(() => cut.getByTestId('sync-state').getAttribute('data-state'), { timeout: 15_000 }).toBe('online');
    expect(await cut.getByTestId('offline-banner').count()).toBe(0);
    // Converged through the server: the sender now sees its transfer accepted, counted once at sewing.
    expect(cutting.core.state.transfer[transferId]?.status).toBe('accepted');
    expect(sewing.core.state.workOrder[workOrderIdFor(OFFLINE_ORDER.id, 'sewing')]?.receivedQty).toBe(20);
    await cut.context().close();
    await sew.context().close();
  });

  it('a line holding another article refuses it until the clearance checklist is recorded, every item ticked', { timeout: 60_000 }, async () => {
    // Cutting sends the other article (through its API: the screen flow is covered above).
    await cutting.core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    const cutWo = workOrderIdFor(OTHER_ARTICLE.id, 'cutting');
    await cutting.core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: cutWo, lineId: 'LN-CUT-1', part: 'body', size: 'S', goodQty: 10 } } });
    const { slip, transferId } = await cutting.core.call('transfer.create', { workOrderId: cutWo, quantity: 10 });

    const sew = await openScreen(sewing);
    await ensureLoggedIn(sew);
    await expect.poll(() => sew.getByTestId('line-panel').textContent()).toContain('BEAR-30');
    await wedgeScan(sew, slip);
    const card = sew.getByTestId(`accept-${transferId}`);
    await card.getByTestId('accept-submit').click();
    await sew.getByTestId('notice-incoming').getByText('Bersihkan lini dulu (daftar periksa pembersihan lini).').waitFor();
    expect(sewing.core.state.workOrder[workOrderIdFor(OTHER_ARTICLE.id, 'sewing')]?.receivedQty).toBe(0);

    // Two of three items ticked: refused, nothing recorded.
    const before = sewing.core.lastSequence;
    await sew.getByTestId('clearance-check.previousArticle').click();
    await sew.getByTestId('clearance-check.labels').click();
    await sew.getByTestId('clearance-submit').click();
    await sew.getByTestId('notice-clearance').getByText('Centang semua butir daftar periksa.').waitFor();
    expect(sewing.core.lastSequence).toBe(before);

    await sew.getByTestId('clearance-check.binsEmpty').click();
    await sew.getByTestId('clearance-submit').click();
    await sew.getByTestId('notice-clearance').getByText('Tercatat').waitFor();
    await expect.poll(() => sew.getByTestId('line-panel').textContent()).toContain('Lini sudah bersih.');
    await screenshot(sew, 'sewing-clearance');

    await wedgeScan(sew, slip);
    await sew.getByTestId(`accept-${transferId}`).getByTestId('accept-submit').click();
    await sew.getByTestId('notice-incoming').getByText('Diterima 10 potong').waitFor();
    expect(sewing.core.state.workOrder[workOrderIdFor(OTHER_ARTICLE.id, 'sewing')]?.receivedQty).toBe(10);
    await sew.context().close();
  });
});
