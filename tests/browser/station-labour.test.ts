/**
 * Labour time and hold release on the station screen (issue 13), in Debian's Chromium against a real sewing station
 * core syncing with a real server: the operator starts, pauses (with a reason), resumes and finishes their clock on an
 * SPK and watches it run (a double tap records once), and the clock reaches the server; logging out with a clock
 * running pauses it in the core; the idle logout is recorded as a timeout; a supervisor releases a broken-needle
 * quarantine from the screen with passed / rejected counts and a note. axe-core finds no serious or critical violation.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabourClock, WorkOrderDoc } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { storedBody } from '../../sync-server/testing';
import { docsScreenshot, launchChromium, loginOnScreen, seriousA11yViolations, setServerWorkOrder, signOnScreen, startFloorServer, startScreenStation, type FloorServer, type ScreenStation } from './testing';

const ORDER = mo(61, { route: 'R2', quantity: 20 });
const SEW_WO = workOrderIdFor(ORDER.id, 'sewing');
const OPERATOR = 'OP-SEW1';
const NAME = 'Dewi (sewing)';

let server: FloorServer;
let browser: Browser;
let sewing: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: OPERATOR, name: NAME, roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEWSV', name: 'Budi (sewing supervisor)', roles: ['supervisor'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', ORDER);
  await setServerWorkOrder(server, SEW_WO, { status: 'received', receivedQty: 20 });
  sewing = await startScreenStation(server, 'sewing');
  await sewing.sync.awaitInSync(20_000);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sewing?.stop();
  await server?.close();
});

async function openScreen(init?: () => void): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  await page.goto(`${sewing.url}/`);
  await page.getByTestId('station-name').waitFor();
  // The core keeps one session for all its screens: a previous test's operator logs out first.
  if ((await page.getByTestId('logout').count()) > 0) await page.getByTestId('logout').click();
  await page.getByTestId('login').waitFor();
  return page;
}

async function logIn(page: Page): Promise<void> {
  await loginOnScreen(page, `B:${OPERATOR}`, TEST_PIN);
  await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe(NAME);
  await page.getByTestId('scan-input').waitFor();
}

async function openSpk(page: Page): Promise<void> {
  await page.getByTestId(`wo-card-${SEW_WO}`).click();
  await page.getByTestId('labour').waitFor();
}

const clockState = (page: Page) => page.getByTestId('labour').getAttribute('data-state');
const seconds = (shown: string | null): number => {
  const [h, m, s] = (shown ?? '').split(':').map(Number);
  return (h ?? NaN) * 3600 + (m ?? NaN) * 60 + (s ?? NaN);
};
/** The station's own events after `seq`, as `type reason` lines (what it pushes to the server). */
const eventsAfter = async (seq: number): Promise<string[]> =>
  (await sewing.core.eventsAfter(seq)).map((e: FloorEvent) => `${e.type}${'reason' in e.payload ? ` ${String(e.payload.reason)}` : ''}`);
const myClock = (): LabourClock | undefined => sewing.core.state.workOrder[SEW_WO]?.labour?.[OPERATOR];

describe('labour time on the station screen', () => {
  it('start (a double tap records once), the clock runs; pause with a reason; resume; finish; the clock reaches the server', { timeout: 90_000 }, async () => {
    const page = await openScreen();
    await logIn(page);
    await openSpk(page);
    expect(await clockState(page)).toBe('none');
    expect(await page.getByTestId('labour-mine').textContent()).toBe('0:00:00');

    const before = sewing.core.lastSequence;
    await page.getByTestId('labour-start').dblclick();
    await expect.poll(() => clockState(page)).toBe('running');
    expect(await page.getByTestId('labour-state').textContent()).toBe('Berjalan');
    // The running clock ticks on screen.
    await expect.poll(async () => seconds(await page.getByTestId('labour-mine').textContent()), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(await eventsAfter(before)).toEqual(['labour.started']);
    expect(await page.getByTestId('notice-labour').count()).toBe(1);
    expect(await page.getByTestId('notice-labour').getAttribute('class')).toContain('notice-ok');
    expect(await seriousA11yViolations(page)).toEqual([]);
    await docsScreenshot(page, 'sewing', 'labour');

    await page.getByTestId('labour-pause-material').click();
    await expect.poll(() => clockState(page)).toBe('paused');
    const pausedAt = await page.getByTestId('labour-mine').textContent();
    expect(seconds(pausedAt)).toBeGreaterThanOrEqual(2);
    // Paused: the time stands still.
    await page.waitForTimeout(1_500);
    expect(await page.getByTestId('labour-mine').textContent()).toBe(pausedAt);
    expect(await page.getByTestId('labour-start').textContent()).toBe('Lanjutkan');

    // The SPK's card shows the paused clock.
    await page.getByTestId('wo-back').click();
    expect(await page.getByTestId(`wo-card-labour-${SEW_WO}`).getAttribute('data-state')).toBe('paused');
    await openSpk(page);
    await page.getByTestId('labour-start').click();
    await expect.poll(() => clockState(page)).toBe('running');
    await page.getByTestId('labour-finish').click();
    await expect.poll(() => clockState(page)).toBe('finished');
    expect(await eventsAfter(before)).toEqual(['labour.started', 'labour.paused material', 'labour.started', 'labour.finished']);
    const worked = myClock()?.workedMs ?? 0;
    expect(worked).toBeGreaterThanOrEqual(2_000);

    // The server applied the same events with the same rules: the same clock on its work order.
    await sewing.sync.awaitInSync(20_000);
    const onServer = await storedBody<WorkOrderDoc>(server.db, 'workOrder', SEW_WO);
    expect(onServer?.labour?.[OPERATOR]).toEqual({ state: 'finished', runningSince: null, workedMs: worked });
    await page.context().close();
  });

  it('logging out with a clock running pauses it in the core (reason logout); after logging in again it waits to be resumed', { timeout: 60_000 }, async () => {
    const page = await openScreen();
    await logIn(page);
    await openSpk(page);
    await page.getByTestId('labour-start').click();
    await expect.poll(() => clockState(page)).toBe('running');
    const before = sewing.core.lastSequence;
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    expect(await eventsAfter(before)).toEqual(['labour.paused logout', 'operator.logout manual']);
    expect(myClock()?.state).toBe('paused');

    await logIn(page);
    expect(await page.getByTestId(`wo-card-labour-${SEW_WO}`).getAttribute('data-state')).toBe('paused');
    await openSpk(page);
    expect(await clockState(page)).toBe('paused');
    expect(await page.getByTestId('labour-start').textContent()).toBe('Lanjutkan');
    await page.context().close();
  });

  it('the idle logout is recorded as a timeout and pauses the running clock', { timeout: 60_000 }, async () => {
    // A short setting for the test (the screen offers minutes): 4 s without input.
    const page = await openScreen(() => localStorage.setItem('qsf.station.idleSeconds', '4'));
    await logIn(page);
    await openSpk(page);
    await page.getByTestId('labour-start').click();
    await expect.poll(() => clockState(page)).toBe('running');
    const before = sewing.core.lastSequence;
    await page.getByTestId('idle-warning').waitFor();
    await page.getByTestId('login').waitFor({ timeout: 15_000 });
    expect(await eventsAfter(before)).toEqual(['labour.paused logout', 'operator.logout timeout']);
    expect(myClock()?.state).toBe('paused');
    await page.context().close();
  });
});

describe('hold release on the station screen', () => {
  it('a supervisor releases a broken-needle quarantine with passed / rejected and a note; an operator\'s badge is refused and changes nothing', { timeout: 90_000 }, async () => {
    const page = await openScreen();
    await page.getByTestId('lang').click();
    await logIn(page);
    // The quarantine (the needle report's own screen flow is station-flows.test.ts's): 6 pieces of the SPK held.
    const report = await sewing.core.call('needle.report', {
      machineId: 'JK-11',
      workOrderId: SEW_WO,
      allFragmentsFound: false,
      needleExchanged: true,
      piecesInProcess: 6,
      supervisorBadge: 'B:OP-SEWSV',
      supervisorPin: TEST_PIN,
    });
    const field = `hold-release-${report.eventId}`;
    await page.getByTestId(`hold-${report.eventId}`).getByText('Broken needle: fragments missing').waitFor();
    await page.getByTestId(`${field}-open`).click();
    await page.getByTestId(`${field}-passed-${SEW_WO}`).fill('4');
    expect(await page.getByTestId(`${field}-rejected-${SEW_WO}`).textContent()).toBe('2');
    await page.getByTestId(`${field}-note`).fill('6 pieces through the detector: 2 rejected and scrapped');
    await docsScreenshot(page, 'sewing', 'hold-release');

    const before = sewing.core.lastSequence;
    await signOnScreen(page, field, `B:${OPERATOR}`, TEST_PIN);
    await page.getByTestId(`${field}-submit`).click();
    await page.getByTestId(`notice-${field}`).waitFor();
    expect(await page.getByTestId(`notice-${field}`).getAttribute('class')).toContain('notice-error');
    expect(sewing.core.lastSequence).toBe(before);
    expect(await seriousA11yViolations(page)).toEqual([]);

    await signOnScreen(page, field, 'B:OP-SEWSV', TEST_PIN);
    await page.getByTestId(`${field}-submit`).dblclick();
    await page.getByTestId(`hold-${report.eventId}`).waitFor({ state: 'detached' });
    const recorded = (await sewing.core.eventsAfter(before)).map((e) => ({ type: e.type, operatorId: e.operatorId, payload: e.payload }));
    expect(recorded).toEqual([
      {
        type: 'hold.released',
        operatorId: OPERATOR,
        payload: { holdId: report.eventId, supervisorId: 'OP-SEWSV', results: [{ workOrderId: SEW_WO, passedQty: 4, rejectedQty: 2 }], note: '6 pieces through the detector: 2 rejected and scrapped' },
      },
    ]);
    expect(sewing.core.state.workOrder[SEW_WO]).toMatchObject({ heldQty: 0, scrappedQty: 2 });
    await page.context().close();
  });
});
