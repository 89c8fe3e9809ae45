/**
 * The bill of cut parts on the screens (issue #12 item 1, SOP 210–220 and 300), in Debian's Chromium against real
 * station cores and a real server: cutting records a bunny part by part and sees complete sets (never parts counted
 * as toys); sewing accepts by counting the parts against the BOM, and a short part makes it a discrepancy in sets.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { ARTICLE_BOMS, mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { decodeQr, modulesFromPath } from '../../shared/barcode/testing';
import { launchChromium, loginOnScreen, screenshot, seriousA11yViolations, startFloorServer, startScreenStation, wedgeScan, type FloorServer, type ScreenStation } from './testing';

/** Route 2, ten bunnies: body ×1, head ×1, ear ×2, leg ×2 per set. */
const BUNNY = mo(21, { route: 'R2', quantity: 10, articleCode: 'BUNNY-25', destination: 'US-DC2', cutParts: [...ARTICLE_BOMS['BUNNY-25']] });
const CUT_WO = workOrderIdFor(BUNNY.id, 'cutting');
const SEW_WO = workOrderIdFor(BUNNY.id, 'sewing');

let server: FloorServer;
let browser: Browser;
let cutting: ScreenStation;
let sewing: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-CUT1', name: 'Siti (cutting)', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEW1', name: 'Dewi (sewing)', roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', BUNNY);
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
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(`${station.url}/`);
  await page.getByTestId('station-name').waitFor();
  await page.getByTestId('lang').click(); // English
  return page;
}

async function cutPart(page: Page, part: string, qty: number): Promise<void> {
  await page.getByTestId(`form-output-part-${part}`).click();
  await page.getByTestId('form-output-goodQty').fill(String(qty));
  await page.getByTestId('form-output-submit').click();
  await page.getByTestId('notice-form-output').getByText('Recorded').waitFor();
}

describe('bill of cut parts on the screens', () => {
  it('cutting records parts and sees sets; sewing counts the parts against the BOM and records a short part as a discrepancy', { timeout: 120_000 }, async () => {
    const cut = await openScreen(cutting);
    await loginOnScreen(cut, 'B:OP-CUT1', TEST_PIN);
    await expect.poll(() => cut.getByTestId('operator-name').textContent()).toBe('Siti (cutting)');
    await cut.getByTestId(`wo-card-${CUT_WO}`).click();

    // The part is chosen from the SPK's bill, not typed.
    for (const p of ARTICLE_BOMS['BUNNY-25']) expect(await cut.getByTestId(`form-output-part-${p.part}`).count()).toBe(1);
    await cutPart(cut, 'body', 10);
    await cutPart(cut, 'head', 10);
    // Twenty parts are not twenty bunnies: still no complete set.
    await expect.poll(() => cut.getByTestId('stage-cut').textContent()).toBe('0');
    await cutPart(cut, 'ear', 20);
    await cutPart(cut, 'leg', 18);
    await expect.poll(() => cut.getByTestId('stage-cut').textContent()).toBe('9');
    expect(await cut.getByTestId('part-leg').textContent()).toContain('18');
    expect(await cut.getByTestId('parts-short').textContent()).toContain('leg 2');
    await cutPart(cut, 'leg', 2);
    await expect.poll(() => cut.getByTestId('ready-qty').textContent()).toBe('10');
    expect(await cut.getByTestId('parts-short').count()).toBe(0);
    await screenshot(cut, 'cutting-bom');
    expect(await seriousA11yViolations(cut)).toEqual([]);

    await cut.getByTestId('handover-qty').fill('10');
    await cut.getByTestId('handover-submit').click();
    await cut.getByTestId('slip').waitFor();
    const slip = (await cut.getByTestId('slip-code').textContent())?.trim() ?? '';
    const transferId = (await cut.getByTestId('slip-transfer').textContent())?.trim() ?? '';
    // The printed slip carries the same signed code as a QR code: what the screen draws decodes to it.
    const qr = cut.getByTestId('slip-qr');
    const drawn = modulesFromPath((await qr.locator('path').getAttribute('d')) ?? '', Number(await qr.getAttribute('data-modules')));
    expect(decodeQr(drawn)).toBe(slip);

    const sew = await openScreen(sewing);
    await loginOnScreen(sew, 'B:OP-SEW1', TEST_PIN);
    await expect.poll(() => sew.getByTestId('operator-name').textContent()).toBe('Dewi (sewing)');
    await wedgeScan(sew, slip);
    const card = sew.getByTestId(`accept-${transferId}`);
    await card.waitFor();
    // Each part starts at what ten sets need; two ears are missing from the bundle.
    expect(await card.getByTestId('accept-part-ear').inputValue()).toBe('20');
    expect(await card.getByTestId('accept-counted-sets').textContent()).toBe('10');
    await card.getByTestId('accept-part-ear').fill('18');
    expect(await card.getByTestId('accept-counted-sets').textContent()).toBe('9');
    await card.getByTestId('accept-reason').fill('two ears missing from the bundle');
    await screenshot(sew, 'sewing-count-parts');
    expect(await seriousA11yViolations(sew)).toEqual([]);
    await card.getByTestId('accept-submit').click();
    await sew.getByTestId('notice-incoming').waitFor();
    await expect.poll(() => sewing.core.state.workOrder[SEW_WO]?.receivedQty).toBe(9);
    expect(sewing.core.state.transfer[transferId]).toMatchObject({ status: 'discrepancy', countedQty: 9, partsCounted: { body: 10, head: 10, ear: 18, leg: 20 } });

    // The server decides the same from the same parts.
    await Promise.all([cutting.sync.awaitInSync(20_000), sewing.sync.awaitInSync(20_000)]);
    await expect.poll(() => sew.getByTestId('unsent-count').textContent()).toBe('0');
    await cut.context().close();
    await sew.context().close();
  });
});
