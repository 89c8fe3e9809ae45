/**
 * The numbers people ask for, in Debian's Chromium against the real sync server (real PostgreSQL with
 * TEST_DATABASE_URL, else PGlite): a QC inspector opens Reports with nothing recorded yet, the stations record a batch
 * through the real push route (inline and physical QC, detector verifications, passes, a reject halting the line and
 * its release with a disposition; sync-server/dashboard/reports-testing.ts) and the charts fill in live. The batch
 * compliance report of the MO shows its records, dates in the factory's time zone, prints in one click (only the
 * report on paper) and downloads as CSV (checked line by line). PPIC prints the MO's SPK labels and the roster's
 * badges (barcodes equal to the shared encoder's, no PIN anywhere); a supervisor sees labour time per SPK tick on the
 * Floor. Screenshots go to docs/screens/dashboard-reports*.png.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBadge } from '../../shared/barcode/badge';
import { barsOf, encodeCode128 } from '../../shared/barcode/code128';
import { encodeSpkLabel } from '../../shared/barcode/spk';
import { workOrderIdFor } from '../../shared/master';
import { factoryDayStart } from '../../shared/reports/factory-time';
import { mo, operatorOf, supervisorOf } from '../../shared/testing/fixtures';
import { ensureDashboardScreen } from '../../renderer/build';
import { buildApp } from '../../sync-server/app';
import type { ComplianceView } from '../../sync-server/dashboard/reports-contract';
import { FORMULA_REASON, recordBatch, reportFloor, type ReportFloor } from '../../sync-server/dashboard/reports-testing';
import { makeAccount, TEST_PASSWORD } from '../../sync-server/dashboard/testing';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';
import { launchChromium, seriousA11yViolations } from './testing';

const SCREENS = join(process.cwd(), 'docs', 'screens');
const M = mo(21, { route: 'R2', quantity: 20 });
const OTHER = mo(22, { route: 'R2', quantity: 20 });
const FIN_WO = workOrderIdFor(M.id, 'finishing');
/** Below the screen's periodic refresh (15 s): what arrives sooner came over the live channel. */
const LIVE_MS = 8_000;

let db: TestDb;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let floor: ReportFloor;
let rejectId = '';

beforeAll(async () => {
  await ensureDashboardScreen();
  db = await createTestDb();
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await makeAccount(db.db, 'qc-ana', 'qc');
  await makeAccount(db.db, 'pipit', 'ppic');
  await makeAccount(db.db, 'sari', 'supervisor', 'finishing');
  floor = await reportFloor(app, [M, OTHER]);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (app) {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  }
  await db?.cleanup();
});

async function loggedIn(user: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(TEST_PASSWORD);
  await page.getByTestId('login').click();
  await page.getByTestId('who').waitFor();
  // window.print() would open the print dialog: count the calls instead.
  await page.evaluate(() => {
    const w = window as unknown as { printed: number };
    w.printed = 0;
    window.print = () => {
      w.printed += 1;
    };
  });
  return page;
}

const printed = (page: Page) => page.evaluate(() => (window as unknown as { printed: number }).printed);

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: join(SCREENS, `dashboard-${name}.png`), fullPage: true });
}

/** The bars an SVG barcode on the page draws (x, width in modules), its white background left out. */
async function drawnBars(page: Page, testId: string): Promise<{ x: number; w: number }[]> {
  return page.getByTestId(testId).evaluate((svg) =>
    [...svg.querySelectorAll('rect')].filter((r) => r.getAttribute('fill') === '#000').map((r) => ({ x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')) })),
  );
}

/** WIB (UTC+7, no daylight saving) of an ISO instant, as the report writes it. */
const wib = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);

describe(`reports on the dashboard (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('the charts are empty, then fill in live as the stations record output and QC', { timeout: 90_000 }, async () => {
    const page = await loggedIn('qc-ana');
    await page.getByTestId('tab-reports').click();
    await page.getByTestId('no-output').waitFor();
    expect(await page.getByTestId('no-qc').textContent()).toContain('Belum ada QC');

    const recordedFrom = Date.now();
    ({ rejectId } = await recordBatch(floor, M, OTHER));
    // Should the factory's midnight fall while recording, "today" starts after the events: read the week instead.
    if (factoryDayStart(Date.now(), 'Asia/Jakarta') > recordedFrom) await page.getByTestId('range-week').click();

    // Two MOs of 20: 40 sets cut, 40 sewn to the last stage, 5 converted at finishing.
    await expect.poll(() => page.getByTestId('output-cutting').getAttribute('data-total'), { timeout: LIVE_MS }).toBe('40');
    expect(await page.getByTestId('output-sewing').getAttribute('data-total')).toBe('40');
    expect(await page.getByTestId('output-finishing').getAttribute('data-total')).toBe('5');
    expect(await page.getByTestId('output-finishing').locator('rect').count()).toBeGreaterThan(0);
    // Sewing: 44 recorded, 40 passed (90.9 %); 40 pieces inspected, 36 passed first time (90.0 %). Finishing: 9 of 12.
    const sewing = await page.getByTestId('qc-sewing').textContent();
    expect(sewing).toContain('40 / 44');
    expect(sewing).toContain('90.9 %');
    expect(sewing).toContain('36 / 40');
    expect(sewing).toContain('90.0 %');
    expect(await page.getByTestId('qc-finishing').textContent()).toContain('75.0 %');
    await page.getByTestId('range-week').click();
    await expect.poll(() => page.getByTestId('range-week').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.getByTestId('output-sewing').getAttribute('data-total')).toBe('40');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'reports-charts');
    await page.context().close();
  });

  it('the compliance report of the MO: its records in factory time, printed in one click, exported as CSV', { timeout: 90_000 }, async () => {
    expect(rejectId).not.toBe('');
    const page = await loggedIn('qc-ana');
    await page.getByTestId('tab-reports').click();
    await page.getByTestId('compliance-mo').selectOption(M.id);
    await page.getByTestId('compliance-open').click();
    const report = page.getByTestId('compliance-report');
    await report.waitFor();
    const served = await page.request.get(`${base}/api/dashboard/reports/compliance/${M.id}`);
    expect(served.status()).toBe(200);
    const json = (await served.json()) as ComplianceView;

    expect(await report.locator('h2').textContent()).toBe(`Laporan kepatuhan batch ${M.id}`);
    expect(await page.getByTestId('compliance-generated').textContent()).toContain('Asia/Jakarta');
    expect(await page.getByTestId('compliance-verifications').textContent()).toBe('2 lolos, 0 gagal, 1 terlambat');
    const rows = page.getByTestId('compliance-records').locator('tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-kind')))).toEqual([
      'qc', 'qc', 'verification', 'detector_pass', 'physical_qc', 'physical_qc', 'verification_overdue', 'hold', 'detector_reject', 'halt_released', 'verification', 'hold_released',
    ]);
    // Every time on the page is the factory's (WIB) of the instant the station recorded.
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td')?.textContent ?? ''));
    expect(shown).toEqual(json.records.map((r) => wib(r.at)));
    const halt = await page.getByTestId(`halt-${rejectId}`).textContent();
    expect(halt).toContain('logam ditemukan'); // metal_found, in the reader's language
    expect(halt).toContain(supervisorOf('finishing'));
    expect(halt).toContain('needle tip found in the piece');
    expect(await page.getByTestId(`compliance-spk-${FIN_WO}`).textContent()).toContain('9 / 3 / 0');
    expect(await page.getByTestId(`compliance-spk-${FIN_WO}`).textContent()).toContain('12');

    // One click prints; on paper only the report (no header, no tabs, no picker, no charts, no buttons).
    await page.getByTestId('compliance-print').click();
    expect(await printed(page)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await report.isVisible()).toBe(true);
    for (const hidden of ['who', 'tab-floor', 'compliance-pick', 'charts-card', 'compliance-print', 'compliance-csv']) expect(await page.getByTestId(hidden).isVisible(), hidden).toBe(false);
    await screenshot(page, 'reports-compliance-print');
    await page.emulateMedia({ media: 'screen' });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'reports-compliance');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('compliance-csv').click()]);
    expect(download.suggestedFilename()).toBe(`compliance-${M.id}.csv`);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    const lines = csv.replace(/^\ufeff/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('time (Asia/Jakarta),time (UTC),record,SPK,line,station,operator,result,quantity,detail,event');
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(json.records.map((r) => r.kind));
    const reject = json.records.find((r) => r.kind === 'detector_reject')!;
    expect(lines.find((l) => l.endsWith(rejectId))).toBe(`${wib(reject.at)},${reject.at},detector_reject,${FIN_WO},LN-FIN-1,ST-FIN-1,,reject,1,"metal fe, device MD01",${rejectId}`);
    // The defect reason typed as a formula opens as text.
    const quoted = `"'${FORMULA_REASON.replaceAll('"', '""')}"`;
    expect(lines.find((l) => l.includes(',rework,3,'))).toContain(quoted);

    // English too.
    await page.getByTestId('lang').click();
    await expect.poll(() => report.locator('h2').textContent()).toBe(`Batch compliance report ${M.id}`);
    await page.context().close();
  });

  it('PPIC prints the SPK labels of the MO and the roster’s badges: barcodes from the shared encoder, no PIN', { timeout: 60_000 }, async () => {
    const page = await loggedIn('pipit');
    await page.getByTestId('tab-orders').click();
    await page.getByTestId(`labels-${M.id}`).click();
    const sheet = page.getByTestId('spk-labels');
    await sheet.waitFor();
    expect(await sheet.locator('.spk-label').count()).toBe(4); // R2: cutting, sewing, finishing, packing
    const label = await page.getByTestId(`spk-label-${FIN_WO}`).textContent();
    expect(label).toContain(M.articleCode);
    expect(label).toContain('20');
    expect(label).toContain('Finishing');
    const code = encodeSpkLabel({ workOrderId: FIN_WO, articleCode: M.articleCode, quantity: 20 });
    expect(await page.getByTestId(`spk-barcode-${FIN_WO}`).getAttribute('data-code')).toBe(code);
    expect(await drawnBars(page, `spk-barcode-${FIN_WO}`)).toEqual(barsOf(encodeCode128(code), 10));
    await page.getByTestId('spk-labels-print').click();
    expect(await printed(page)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.getByTestId('order-list').isVisible()).toBe(false);
    expect(await sheet.isVisible()).toBe(true);
    await screenshot(page, 'reports-spk-labels');
    await page.emulateMedia({ media: 'screen' });
    await page.getByTestId('spk-labels-close').click();

    await page.getByTestId('print-badges').click();
    const badges = page.getByTestId('badges');
    await page.getByTestId(`badge-${operatorOf('finishing')}`).waitFor();
    expect(await badges.locator('.badge-card').count()).toBe(4);
    const badge = encodeBadge({ operatorId: operatorOf('finishing') });
    expect(await drawnBars(page, `badge-barcode-${operatorOf('finishing')}`)).toEqual(barsOf(encodeCode128(badge), 10));
    const text = (await badges.textContent()) ?? '';
    expect(text).toContain('finishing op');
    for (const pin of ['1357', '246802']) expect(text).not.toContain(pin);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await screenshot(page, 'reports-badges');
    await page.context().close();
  });

  it('labour time per SPK on the Floor: the running clock ticks', { timeout: 60_000 }, async () => {
    const page = await loggedIn('sari');
    const total = page.getByTestId(`labour-total-${FIN_WO}`);
    await total.waitFor();
    expect(await page.getByTestId(`labour-${FIN_WO}-${operatorOf('finishing')}`).textContent()).toContain('berjalan');
    const first = (await total.textContent()) ?? '';
    expect(first).toMatch(/^\d+:\d\d:\d\d$/);
    await expect.poll(() => total.textContent(), { timeout: 5_000 }).not.toBe(first);
    await page.context().close();
  });
});
