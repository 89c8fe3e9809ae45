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
import { socatAvailable } from '../../electron/hardware/simulator';
import {
  attachSimulatedDetector,
  docsScreenshot,
  launchChromium,
  loginOnScreen,
  seriousA11yViolations,
  setServerWorkOrder,
  signOnScreen,
  startFloorServer,
  startScreenStation,
  type FloorServer,
  type ScreenStation,
  type SimulatedDetector,
} from './testing';

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('finishing detector panel browser test SKIPPED: socat is not installed (apt-get install socat)');

const SEWN = mo(41, { route: 'R2', quantity: 20 });
const SEW_WO = workOrderIdFor(SEWN.id, 'sewing');
/** Packing: sorted here; then one completed after its final inspection, one closed short by a supervisor. */
const TO_SORT = mo(42, { route: 'R2', quantity: 10 });
const TO_COMPLETE = mo(43, { route: 'R2', quantity: 10 });
const TO_SHORT_CLOSE = mo(44, { route: 'R2', quantity: 12 });
/** Finishing: groomed pieces through the detector, physical QC and FG conversion (of the article's sewing WIP code). */
const FINISHED = mo(45, { route: 'R2', quantity: 10, wipCodes: { cutting: 'BEAR-30-C', sewing: 'BEAR-30-S' } });
const FIN_WO = workOrderIdFor(FINISHED.id, 'finishing');
const pck = (order: { id: string }) => workOrderIdFor(order.id, 'packing');

let server: FloorServer;
let browser: Browser;
let sewing: ScreenStation;
let packing: ScreenStation;
let finishing: ScreenStation;
let detector: SimulatedDetector | undefined;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-SEW1', name: 'Dewi (sewing)', roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEWSV', name: 'Budi (sewing supervisor)', roles: ['supervisor'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-FIN1', name: 'Wati (finishing)', roles: ['operator'], departments: ['finishing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-PCK1', name: 'Rina (packing)', roles: ['operator'], departments: ['packing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-PCKSV', name: 'Agus (packing supervisor)', roles: ['supervisor'], departments: ['packing'], pin: TEST_PIN });
  for (const order of [SEWN, TO_SORT, TO_COMPLETE, TO_SHORT_CLOSE, FINISHED]) await server.adminPost('/api/manufacturing-orders', order);
  await setServerWorkOrder(server, SEW_WO, { status: 'received', receivedQty: 20 });
  await setServerWorkOrder(server, pck(TO_SORT), { status: 'received', receivedQty: 10 });
  await setServerWorkOrder(server, pck(TO_COMPLETE), { status: 'received', receivedQty: 10, stageQty: { sorted: 10, packed: 10 } });
  await setServerWorkOrder(server, pck(TO_SHORT_CLOSE), { status: 'received', receivedQty: 8, stageQty: { sorted: 8, packed: 8 }, finalInspection: 'pass' });
  await setServerWorkOrder(server, FIN_WO, { status: 'received', receivedQty: 10, stageQty: { stuffing: 10, closing: 10, grooming: 10 } });
  sewing = await startScreenStation(server, 'sewing');
  packing = await startScreenStation(server, 'packing');
  finishing = await startScreenStation(server, 'finishing');
  await Promise.all([sewing.sync.awaitInSync(20_000), packing.sync.awaitInSync(20_000), finishing.sync.awaitInSync(20_000)]);
  if (hasSocat) detector = await attachSimulatedDetector(finishing.core);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await detector?.close();
  await finishing?.stop();
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

/** A supervisor's signature on the form `prefix` (badge typed, PIN on its keypad). */
const sign = (page: Page, prefix: string, badge: string, pin = TEST_PIN): Promise<void> => signOnScreen(page, prefix, badge, pin);

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
    // Pieces on hold are not ready to hand over; nothing is shown below zero.
    await expect.poll(() => sew.getByTestId('ready').textContent()).toBe('0');
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

  it.skipIf(!hasSocat)('finishing (English): the detector panel follows a verification started at the station, counts passes; physical QC, FG conversion and the line clearance (step 380)', { timeout: 120_000 }, async () => {
    if (!detector) throw new Error('no detector');
    const fin = await openScreen(finishing);
    await fin.getByTestId('lang').click();
    await logIn(fin, 'B:OP-FIN1', 'Wati (finishing)');
    await fin.getByTestId('detector').waitFor();
    await fin.getByTestId(`wo-card-${FIN_WO}`).click();
    // The SPK enters the line (segregation acknowledged): a new lot, the detector is due.
    await fin.getByTestId('segregation-check.segregated').click();
    await fin.getByTestId('segregation-submit').click();
    await fin.getByTestId('notice-segregation').getByText('Recorded').waitFor();
    await expect.poll(() => fin.getByTestId('verification-status').getAttribute('data-status')).toBe('due');
    expect(await fin.getByTestId('verification-last').textContent()).toBe('never');

    await fin.getByTestId('trigger-lot_start').click();
    await fin.getByTestId('verification-start').click();
    await fin.getByTestId('notice-verification').getByText(/Detector in test mode: run the certified test pieces \(Fe, Non-Fe, Stainless\)/).waitFor();
    await expect.poll(() => fin.getByTestId('run-metals').textContent()).toBe('waiting for the first test piece');
    await detector.send({ kind: 'verification', metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-10', result: 'pass' });
    await expect.poll(() => fin.getByTestId('run-metals').textContent()).toBe('Fe (1/3)');
    await docsScreenshot(fin, 'finishing', 'detector-run');
    expect(await seriousA11yViolations(fin)).toEqual([]);
    await detector.send({ kind: 'verification', metal: 'nonfe', sizeMm: 1.5, pieceId: 'TP-NFE-15', result: 'pass' }, { kind: 'verification', metal: 'stainless', sizeMm: 2.0, pieceId: 'TP-SS-20', result: 'pass' });
    await expect.poll(() => fin.getByTestId('verification-status').getAttribute('data-status')).toBe('ok');
    expect(await fin.getByTestId('verification-run').count()).toBe(0);
    // "Run the test pieces" no longer stands once the run is over.
    await fin.getByTestId('notice-verification').waitFor({ state: 'detached' });
    expect(await fin.getByTestId('verification-last').textContent()).not.toBe('never');
    expect(finishing.core.state.line['LN-FIN-1']?.verification.lastPassEventId).toBeTruthy();

    await detector.send({ kind: 'pass' }, { kind: 'pass' }, { kind: 'pass' });
    await expect.poll(() => fin.getByTestId('pieces-passed').textContent()).toBe('3');
    expect(await fin.getByTestId('rejects').textContent()).toBe('0');
    await docsScreenshot(fin, 'finishing', 'detector');

    await fin.getByTestId('form-physicalQc-result-pass').click();
    await fin.getByTestId('form-physicalQc-qty').fill('3');
    await fin.getByTestId('form-physicalQc-submit').click();
    await fin.getByTestId('notice-form-physicalQc').getByText('Recorded').waitFor();
    // Steps 440–450: the SPK and its conversion name the WIP code the goods came in under (from the article master).
    expect(await fin.getByTestId('wo-wip').textContent()).toContain('WIP code BEAR-30-S');
    expect(await fin.getByTestId('form-fgConversion-wip').textContent()).toBe('Converts WIP code BEAR-30-S to finished-good article BEAR-30');
    // Only pieces that passed the detector become finished goods: 4 is refused next to the form, 3 recorded.
    await fin.getByTestId('form-fgConversion-qty').fill('4');
    await fin.getByTestId('form-fgConversion-submit').click();
    await fin.getByTestId('notice-form-fgConversion').waitFor();
    expect(await fin.getByTestId('notice-form-fgConversion').getAttribute('class')).toContain('notice-error');
    await fin.getByTestId('form-fgConversion-qty').fill('3');
    await fin.getByTestId('form-fgConversion-submit').click();
    await fin.getByTestId('notice-form-fgConversion').getByText('Recorded').waitFor();
    await expect.poll(() => fin.getByTestId('stage-converted').textContent()).toBe('3');
    await docsScreenshot(fin, 'finishing', 'fg-conversion');

    await fin.getByTestId('clearance-check.previousArticle').click();
    await fin.getByTestId('clearance-check.labels').click();
    await fin.getByTestId('clearance-check.binsEmpty').click();
    await fin.getByRole('heading', { name: 'Line clearance (step 380)' }).waitFor();
    await fin.getByTestId('clearance-submit').click();
    await expect.poll(() => fin.getByTestId('line-panel').textContent()).toContain('The line is clear.');
    expect(finishing.core.state.line['LN-FIN-1']?.lastClearance?.step).toBe(380);
    await fin.context().close();
  });
});
