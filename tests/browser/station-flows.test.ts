/**
 * The station screen's flows beyond output and handover (issue 13), in Debian's Chromium against real station cores
 * syncing with a real server: the broken-needle report at sewing (supervisor badge + PIN on the keypad) and the alert
 * it raises, acknowledged, investigated and closed at the station; packing's sort (a double tap records once), final
 * inspection, completion and a supervisor's short close; idle logout with a short station setting. Refusals show next
 * to the form they concern; axe-core finds no serious or critical violation; screenshots go to docs/screens/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import {
  docsScreenshot,
  launchChromium,
  loginOnScreen,
  seriousA11yViolations,
  setServerWorkOrder,
  startFloorServer,
  startScreenStation,
  type FloorServer,
  type ScreenStation,
} from './testing';

const SEWN = mo(41, { route: 'R2', quantity: 20 });
const SEW_WO = workOrderIdFor(SEWN.id, 'sewing');
/** Packing: sorted here; then one completed after its final inspection, one closed short by a supervisor. */
const TO_SORT = mo(42, { route: 'R2', quantity: 10 });
const TO_COMPLETE = mo(43, { route: 'R2', quantity: 10 });
const TO_SHORT_CLOSE = mo(44, { route: 'R2', quantity: 12 });
const pck = (order: { id: string }) => workOrderIdFor(order.id, 'packing');

let server: FloorServer;
let browser: Browser;
let sewing: ScreenStation;
let packing: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-SEW1', name: 'Dewi (sewing)', roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEWSV', name: 'Budi (sewing supervisor)', roles: ['supervisor'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-PCK1', name: 'Rina (packing)', roles: ['operator'], departments: ['packing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-PCKSV', name: 'Agus (packing supervisor)', roles: ['supervisor'], departments: ['packing'], pin: TEST_PIN });
  for (const order of [SEWN, TO_SORT, TO_COMPLETE, TO_SHORT_CLOSE]) await server.adminPost('/api/manufacturing-orders', order);
  await setServerWorkOrder(server, SEW_WO, { status: 'received', receivedQty: 20 });
  await setServerWorkOrder(server, pck(TO_SORT), { status: 'received', receivedQty: 10 });
  await setServerWorkOrder(server, pck(TO_COMPLETE), { status: 'received', receivedQty: 10, stageQty: { sorted: 10, packed: 10 } });
  await setServerWorkOrder(server, pck(TO_SHORT_CLOSE), { status: 'received', receivedQty: 8, stageQty: { sorted: 8, packed: 8 }, finalInspection: 'pass' });
  sewing = await startScreenStation(server, 'sewing');
  packing = await startScreenStation(server, 'packing');
  await Promise.all([sewing.sync.awaitInSync(20_000), packing.sync.awaitInSync(20_000)]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sewing?.stop();
  await packing?.stop();
  await server?.close();
});

async function openScreen(station: ScreenStation, init?: () => void): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  await page.goto(`${station.url}/`);
  await page.getByTestId('station-name').waitFor();
  return page;
}

async function logIn(page: Page, badge: string, name: string): Promise<void> {
  await loginOnScreen(page, badge, TEST_PIN);
  await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe(name);
  await page.getByTestId('scan-input').waitFor();
}

/** A badge typed and a PIN tapped on a keypad of the screen (a supervisor's signature), once the last try is done. */
async function sign(page: Page, prefix: string, badge: string, pin = TEST_PIN): Promise<void> {
  await page.locator('.header .progress').waitFor({ state: 'detached' });
  await page.getByTestId(`${prefix}-badge`).fill(badge);
  const keypad = page.getByTestId(`${prefix}-keypad`);
  await keypad.getByRole('button', { name: 'Hapus', exact: true }).or(keypad.getByRole('button', { name: 'Clear', exact: true })).click();
  await expect.poll(() => page.getByTestId(`${prefix}-pin`).inputValue()).toBe('');
  for (const d of pin) await keypad.getByRole('button', { name: d, exact: true }).click();
  await expect.poll(() => page.getByTestId(`${prefix}-pin`).inputValue()).toBe(pin);
}

describe('station flows', () => {
  it('sewing (Indonesian): a broken needle with fragments missing, countersigned by the supervisor; its alert acknowledged, investigated and closed', { timeout: 120_000 }, async () => {
    const sew = await openScreen(sewing);
    await logIn(sew, 'B:OP-SEW1', 'Dewi (sewing)');
    await sew.getByTestId(`wo-card-${SEW_WO}`).click();
    await sew.getByTestId('needle-machine').fill('JK-07');
    await sew.getByTestId('needle-fragments-no').click();
    await sew.getByTestId('needle-quarantine-hint').waitFor();
    await sew.getByTestId('needle-exchanged-yes').click();
    await sew.getByTestId('needle-pieces').fill('5');

    // The operator's own badge is no supervisor's: refused next to the form, nothing recorded.
    const before = sewing.core.lastSequence;
    await sign(sew, 'needle', 'B:OP-SEW1');
    await sew.getByTestId('needle-submit').click();
    await sew.getByTestId('notice-needle').waitFor();
    expect(await sew.getByTestId('notice-needle').getAttribute('class')).toContain('notice-error');
    expect(sewing.core.lastSequence).toBe(before);

    await sign(sew, 'needle', 'B:OP-SEWSV');
    await sew.getByTestId('needle-submit').dblclick();
    await sew.getByTestId('notice-needle').getByText('Tercatat').waitFor();
    expect(sewing.core.lastSequence).toBe(before + 1);
    const needle = Object.values(sewing.core.state.hold).find((h) => h.reason === 'needle_fragments_missing');
    expect(needle?.items).toEqual({ [SEW_WO]: 5 });
    await docsScreenshot(sew, 'sewing', 'needle');
    expect(await seriousA11yViolations(sew)).toEqual([]);

    // The alert it raised, on this line's alerts panel.
    const alert = Object.values(sewing.core.state.alert).find((a) => a.type === 'needle_fragments_missing');
    if (!alert) throw new Error('no needle alert raised');
    const item = sew.getByTestId(`alert-${alert.id}`);
    await item.waitFor();
    expect(await item.getAttribute('data-status')).toBe('raised');
    await item.getByTestId('alert-ack').click();
    await expect.poll(() => item.getAttribute('data-status')).toBe('acknowledged');

    await item.getByTestId('alert-sign').click();
    await item.getByTestId('alert-note').fill('fragments searched at JK-07, pieces sent to the detector');
    // A wrong PIN: refused next to the alert, still acknowledged.
    await sign(sew, 'alert', 'B:OP-SEWSV', '999999');
    await item.getByTestId('alert-investigate').click();
    await item.getByTestId(`notice-alert-${alert.id}`).waitFor();
    expect(sewing.core.state.alert[alert.id]?.status).toBe('acknowledged');
    await sew.getByTestId('alert-investigate').waitFor();
    await sign(sew, 'alert', 'B:OP-SEWSV');
    await item.getByTestId('alert-investigate').click();
    await expect.poll(() => item.getAttribute('data-status')).toBe('investigating');
    await docsScreenshot(sew, 'sewing', 'alerts');
    expect(await seriousA11yViolations(sew)).toEqual([]);

    await sign(sew, 'alert', 'B:OP-SEWSV');
    await item.getByTestId('alert-close').click();
    await item.waitFor({ state: 'detached' });
    expect(sewing.core.state.alert[alert.id]).toMatchObject({ status: 'closed', closedBecause: 'closed_by_hand' });
    expect(sewing.core.state.alert[alert.id]?.steps?.map((s) => s.status)).toEqual(['acknowledged', 'investigating', 'closed']);
    await sew.context().close();
  });

  it('packing (English): sort once on a double tap, completion refused before the final inspection, then completed; a supervisor closes another short', { timeout: 120_000 }, async () => {
    const page = await openScreen(packing);
    await page.getByTestId('lang').click();
    await logIn(page, 'B:OP-PCK1', 'Rina (packing)');

    await page.getByTestId(`wo-card-${pck(TO_SORT)}`).click();
    await page.getByRole('heading', { name: 'Sort by destination and ship week' }).waitFor();
    await page.getByTestId('form-output-qty').fill('10');
    const before = packing.core.lastSequence;
    await page.getByTestId('form-output-submit').dblclick();
    await page.getByTestId('notice-form-output').getByText('Recorded').waitFor();
    expect(packing.core.lastSequence).toBe(before + 1);
    await expect.poll(() => page.getByTestId('stage-sorted').textContent()).toBe('10');
    await docsScreenshot(page, 'packing', 'sort');
    await page.getByTestId('wo-back').click();

    await page.getByTestId(`wo-card-${pck(TO_COMPLETE)}`).click();
    await page.getByTestId('form-complete-submit').click();
    await page.getByTestId('notice-form-complete').waitFor();
    expect(await page.getByTestId('notice-form-complete').getAttribute('class')).toContain('notice-error');
    expect(packing.core.state.workOrder[pck(TO_COMPLETE)]?.status).not.toBe('closed');

    await page.getByTestId('form-finalInspection-result-pass').click();
    await page.getByTestId('form-finalInspection-sampleSize').fill('5');
    await page.getByTestId('form-finalInspection-defectsFound').fill('0');
    await page.getByTestId('form-finalInspection-submit').click();
    await page.getByTestId('notice-form-finalInspection').getByText('Recorded').waitFor();
    await docsScreenshot(page, 'packing', 'final-inspection');
    await page.getByTestId('form-complete-submit').click();
    await page.getByTestId('wo-closed').waitFor();
    expect(packing.core.state.workOrder[pck(TO_COMPLETE)]?.status).toBe('closed');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('wo-back').click();

    await page.getByTestId(`wo-card-${pck(TO_SHORT_CLOSE)}`).click();
    await page.getByTestId('short-close-reason').fill('4 pieces scrapped at finishing, customer agreed');
    await sign(page, 'short-close', 'B:OP-PCK1');
    await page.getByTestId('short-close-submit').click();
    await page.getByTestId('notice-short-close').waitFor();
    expect(packing.core.state.workOrder[pck(TO_SHORT_CLOSE)]?.status).not.toBe('closed');
    await sign(page, 'short-close', 'B:OP-PCKSV');
    await page.getByTestId('short-close-submit').click();
    await page.getByTestId('wo-closed').waitFor();
    expect(packing.core.state.workOrder[pck(TO_SHORT_CLOSE)]?.shortClose).toMatchObject({ by: 'OP-PCKSV', packedQty: 8, shortQty: 4 });
    await docsScreenshot(page, 'packing', 'short-close');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('idle logout: the station setting is kept; with a short one the last seconds count down and the operator is logged out', { timeout: 60_000 }, async () => {
    const page = await openScreen(packing);
    // The core keeps one session for all its screens: the previous test's operator logs out first.
    await page.getByTestId('operator-name').waitFor();
    if ((await page.getByTestId('logout').count()) > 0) await page.getByTestId('logout').click();
    await page.getByTestId('idle-5').click();
    expect(await page.getByTestId('idle-5').getAttribute('aria-checked')).toBe('true');
    expect(await page.evaluate(() => localStorage.getItem('qsf.station.idleSeconds'))).toBe('300');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A short setting for the test (the screen offers minutes): 4 s without input.
    await page.evaluate(() => localStorage.setItem('qsf.station.idleSeconds', '4'));
    await page.reload();
    await page.getByTestId('station-name').waitFor();
    await logIn(page, 'B:OP-PCK1', 'Rina (packing)');
    await page.getByTestId('idle-warning').waitFor();
    expect(await page.getByTestId('idle-warning').textContent()).toMatch(/\d/);
    await docsScreenshot(page, 'packing', 'idle-logout');
    await expect.poll(() => page.getByTestId('operator-name').textContent(), { timeout: 15_000 }).toMatch(/belum ada yang masuk|nobody logged in/);
    expect(packing.core.view().operator).toBeNull();
    await page.context().close();
  });
});
