/**
 * Packing in Debian's Chromium against a real packing station core syncing with a real server that leases SSCCs:
 * the operator packs a carton without typing its number, the station numbers it from its leased block, and the
 * printable GS1-128 label shows that SSCC (bars drawn from our encoder, "(00) …" line, article, quantity,
 * destination, ship week); the next carton gets the next number; scanning an existing carton's label fills the form
 * with it (and packing it twice is refused); with the server down the station still numbers and labels cartons. Each
 * label says the carton's number within the SPK; the SPK's packing list (carton manifest) lists every carton packed
 * so far as "n of N" with its SSCC and pieces, the total against the SPK's quantity, in both languages, printed A4.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barsOf, encodeGs1128 } from '../../shared/barcode/code128';
import { Sscc, encodeSsccElementString } from '../../shared/barcode/gs1';
import { ssccParts } from '../../shared/barcode/sscc';
import type { WorkOrderDoc } from '../../shared/docs';
import { workOrderIdFor } from '../../shared/master';
import { floorDocScope } from '../../shared/sync';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { writeDocuments, writeTx } from '../../sync-server/changes';
import { storedBody } from '../../sync-server/testing';
import { docsScreenshot, launchChromium, loginOnScreen, screenshot, seriousA11yViolations, startFloorServer, startScreenStation, wedgeScan, type FloorServer, type ScreenStation } from './testing';

const PREFIX = '8991234567';
const ORDER = mo(31, { route: 'R2', quantity: 30, destination: 'SE-DC1' });
const PCK_WO = workOrderIdFor(ORDER.id, 'packing');

let server: FloorServer;
let browser: Browser;
let packing: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer({ sscc: { companyPrefix: PREFIX, extension: 0, blockSize: 200 } });
  await server.adminPost('/api/operators', { id: 'OP-PCK1', name: 'Rina (packing)', roles: ['operator'], departments: ['packing'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', ORDER);
  // Finishing has handed the 30 pieces over (the QT-09 handover is the station screen test's): packing's SPK received them.
  const wo = await storedBody<WorkOrderDoc>(server.db, 'workOrder', PCK_WO);
  if (!wo) throw new Error(`no ${PCK_WO} on the server`);
  const received = { ...wo, receivedQty: 30 };
  await writeTx(server.db, (q) => writeDocuments(q, [{ kind: 'workOrder', id: PCK_WO, body: received, scope: floorDocScope(received) }]));
  packing = await startScreenStation(server, 'packing');
  await packing.sync.awaitInSync(20_000);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await packing?.stop();
  await server?.close();
});

/** The label on screen: its "(00) …" line's SSCC, and the bar widths its SVG draws. */
async function labelOnScreen(page: Page): Promise<{ sscc: string; bars: number[] }> {
  await page.getByTestId('carton-label').waitFor();
  const hri = (await page.getByTestId('carton-hri').textContent()) ?? '';
  const m = /^\(00\) (\d{18})$/.exec(hri.trim());
  if (!m?.[1]) throw new Error(`label line is "${hri}"`);
  const bars = await page.getByTestId('carton-barcode').locator('rect[fill="#000"]').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('width'))));
  return { sscc: m[1], bars };
}

const expectedBars = (sscc: string) => barsOf(encodeGs1128(encodeSsccElementString(sscc))).map((b) => b.w);

async function packCarton(page: Page, qty: number): Promise<void> {
  await page.getByTestId('form-carton-qty').fill(String(qty));
  await page.getByTestId('form-carton-submit').click();
}

describe('packing: carton numbered by the station, GS1-128 label to print', () => {
  it('packs cartons, shows each label with the SSCC the station numbered; a scanned label fills the form; offline too', { timeout: 90_000 }, async () => {
    // The station filled up with carton numbers from the server while online.
    await expect.poll(() => packing.core.ssccLeases?.remaining ?? 0, { timeout: 20_000 }).toBeGreaterThanOrEqual(100);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${packing.url}/`);
    await page.getByTestId('station-name').waitFor();
    await page.getByTestId('lang').click();
    await loginOnScreen(page, 'B:OP-PCK1', TEST_PIN);
    await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe('Rina (packing)');
    await page.getByTestId(`wo-card-${PCK_WO}`).click();

    // Sorted first (steps 470–490), then a carton of 12: nobody types its SSCC.
    await page.getByTestId('form-output-qty').fill('30');
    await page.getByTestId('form-output-submit').click();
    await page.getByTestId('notice-form-output').getByText('Recorded').waitFor();
    expect(await page.getByTestId('form-carton-sscc').textContent()).toBe('—');
    await packCarton(page, 12);
    const first = await labelOnScreen(page);
    expect(Sscc.safeParse(first.sscc).success).toBe(true);
    expect(ssccParts(first.sscc, PREFIX)).toEqual({ extension: 0, serial: expect.any(Number) });
    expect(packing.core.state.workOrder[PCK_WO]?.cartons).toEqual([first.sscc]);
    expect(first.bars).toEqual(expectedBars(first.sscc));
    expect(await page.getByTestId('carton-article').textContent()).toBe(ORDER.articleCode);
    expect(await page.getByTestId('carton-qty').textContent()).toBe('12');
    expect(await page.getByTestId('carton-destination').textContent()).toBe('SE-DC1');
    expect(await page.getByTestId('carton-ship-week').textContent()).toBe(ORDER.shipWeek);
    await expect.poll(() => page.getByTestId('carton-number').textContent()).toBe('1');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'packing-carton-label');

    // One click prints (the browser's print dialog; counted here instead of opened).
    await page.evaluate(() => {
      const w = window as Window & { printed?: number };
      w.printed = 0;
      w.print = () => {
        w.printed = (w.printed ?? 0) + 1;
      };
    });
    await page.getByTestId('carton-print').click();
    expect(await page.evaluate(() => (window as Window & { printed?: number }).printed)).toBe(1);

    // The next carton gets the next number of the block.
    await page.getByTestId('carton-back').click();
    await packCarton(page, 10);
    const second = await labelOnScreen(page);
    expect(ssccParts(second.sscc, PREFIX)?.serial).toBe((ssccParts(first.sscc, PREFIX)?.serial ?? -2) + 1);
    expect(second.bars).toEqual(expectedBars(second.sscc));
    await expect.poll(() => page.getByTestId('carton-number').textContent()).toBe('2');

    // The SPK's packing list: both cartons as "n of N", their SSCCs and pieces, the total against the SPK's 30.
    await page.getByTestId('carton-back').click();
    await page.getByTestId('packing-list-open').click();
    await page.getByTestId('packing-list').waitFor();
    const cell = (id: string) => page.getByTestId(id).textContent();
    expect(await cell('packing-list-asof')).toMatch(/^As of .+: the cartons packed on this SPK until then\./);
    expect(await cell('packing-list-spk')).toBe(PCK_WO);
    expect(await cell('packing-list-mo')).toBe(ORDER.id);
    expect(await cell('packing-list-article')).toBe(ORDER.articleCode);
    expect(await cell('packing-list-destination')).toBe('SE-DC1');
    expect(await cell('packing-list-ship-week')).toBe(ORDER.shipWeek);
    expect(await cell('packing-list-count')).toBe('2');
    expect(await cell('packing-list-pieces')).toBe('22 of 30 (SPK quantity)');
    expect(await cell('packing-list-sscc-1')).toBe(`(00) ${first.sscc}`);
    expect(await cell('packing-list-sscc-2')).toBe(`(00) ${second.sscc}`);
    expect(await cell('packing-list-qty-1')).toBe('12');
    expect(await cell('packing-list-qty-2')).toBe('10');
    expect(await cell('packing-list-of-1')).toBe('1 of 2');
    expect(await cell('packing-list-of-2')).toBe('2 of 2');
    expect(await cell('packing-list-total')).toBe('22');
    expect(await page.getByTestId('packing-list-line-3').count()).toBe(0);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await docsScreenshot(page, 'packing', 'list');
    // One click prints; printed, only the sheet shows (no header, scan bar or buttons).
    await page.getByTestId('packing-list-print').click();
    expect(await page.evaluate(() => (window as Window & { printed?: number }).printed)).toBe(2);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('packing-list').isVisible()).toBe(true);
    expect(await page.locator('header.header').isVisible()).toBe(false);
    expect(await page.getByTestId('packing-list-print').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });
    // In Bahasa Indonesia.
    await page.getByTestId('lang').click();
    await expect.poll(() => cell('packing-list-of-1')).toBe('1 dari 2');
    expect(await cell('packing-list-of-2')).toBe('2 dari 2');
    expect(await cell('packing-list-pieces')).toBe('22 dari 30 (jumlah SPK)');
    expect(await cell('packing-list-asof')).toMatch(/^Per .+: karton yang dikemas untuk SPK ini sampai saat itu\./);
    expect(await cell('packing-list-sscc-2')).toBe(`(00) ${second.sscc}`);
    expect(await cell('packing-list-total')).toBe('22');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.getByTestId('lang').click();
    await page.getByTestId('packing-list-back').click();

    // Scanning a carton label (GS1-128 with its AIM identifier) fills the form with that SSCC; this one is packed already.
    await wedgeScan(page, `]C100${first.sscc}`);
    await expect.poll(() => page.getByTestId('form-carton-sscc').textContent()).toBe(`(00) ${first.sscc}`);
    await packCarton(page, 2);
    await page.getByTestId('notice-form-carton').getByText('This carton was already packed.').waitFor();
    await page.getByTestId('form-carton-new-number').click();
    expect(await page.getByTestId('form-carton-sscc').textContent()).toBe('—');

    // The server goes away: the station numbers the next carton from its block and prints its label all the same.
    await server.stop();
    try {
      await packCarton(page, 8);
      const offline = await labelOnScreen(page);
      expect(ssccParts(offline.sscc, PREFIX)?.serial).toBe((ssccParts(second.sscc, PREFIX)?.serial ?? -2) + 1);
      expect(packing.core.state.workOrder[PCK_WO]?.cartons).toEqual([first.sscc, second.sscc, offline.sscc]);
    } finally {
      await server.start();
    }
    await context.close();
  });
});
