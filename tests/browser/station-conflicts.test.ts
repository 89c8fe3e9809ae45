/**
 * A QT-09 conflict on the station screen (issue 13), in Debian's Chromium against a real sewing station core syncing
 * with a real server: a competing claim on the same pieces (another sewing line locked them on a second slip) reaches
 * the station; the line reads it in its language, and a supervisor settles it on screen with a decision, a note and
 * their own badge + PIN (an operator's badge is refused and changes nothing); the server applies the same decision.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConflictDoc, TransferDoc } from '../../shared/docs';
import { workOrderIdFor } from '../../shared/master';
import { floorDocScope } from '../../shared/sync';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { writeDocuments, writeTx } from '../../sync-server/changes';
import { storedBody } from '../../sync-server/testing';
import { docsScreenshot, launchChromium, loginOnScreen, seriousA11yViolations, signOnScreen, startFloorServer, startScreenStation, type FloorServer, type ScreenStation } from './testing';

const ORDER = mo(91, { route: 'R2', quantity: 20 });
const SEW_WO = workOrderIdFor(ORDER.id, 'sewing');
const FIN_WO = workOrderIdFor(ORDER.id, 'finishing');
const TRANSFER_ID = '01936f5e-0000-7000-8000-000000000091';
const CLAIM_EVENT = '01936f5e-0000-7000-8000-000000000092';

/** The claim the server found short: 10 pieces of the sewing SPK on a slip from a second sewing station. */
const disputed: TransferDoc = {
  kind: 'transfer', id: TRANSFER_ID, moId: ORDER.id, workOrderId: SEW_WO, toWorkOrderId: FIN_WO, articleCode: ORDER.articleCode, quantity: 10, from: 'sewing', to: 'finishing',
  receivingDepartment: 'finishing', fromStationId: 'ST-SEW-2', status: 'disputed', senderDebited: false, createdEventId: CLAIM_EVENT, createdBy: 'OP-SEW2', createdAt: null,
  countedQty: null, discrepancyReason: null, acceptedEventId: null, acceptedBy: null, acceptedStationId: null, acceptedAt: null, slip: null,
};
const conflict: ConflictDoc = {
  kind: 'conflict', id: TRANSFER_ID, type: 'competing_claim', moId: ORDER.id, workOrderId: SEW_WO, toWorkOrderId: FIN_WO, quantity: 10, from: 'sewing', receivingDepartment: 'finishing',
  claim: { eventId: CLAIM_EVENT, type: 'transfer.created', stationId: 'ST-SEW-2', operatorId: 'OP-SEW2', at: '0000000000000:00000:ST-SEW-2', fromStationId: 'ST-SEW-2' },
  holders: [], readyAtClaim: 0, parked: [], status: 'open', resolution: null, raisedAt: '0000000000000:00000:ST-SEW-2',
};

let server: FloorServer;
let browser: Browser;
let sewing: ScreenStation;

beforeAll(async () => {
  server = await startFloorServer();
  await server.adminPost('/api/operators', { id: 'OP-SEW1', name: 'Dewi (sewing)', roles: ['operator'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/operators', { id: 'OP-SEWSV', name: 'Budi (sewing supervisor)', roles: ['supervisor'], departments: ['sewing'], pin: TEST_PIN });
  await server.adminPost('/api/manufacturing-orders', ORDER);
  await writeTx(server.db, (q) => writeDocuments(q, [disputed, conflict].map((body) => ({ kind: body.kind, id: body.id, body, scope: floorDocScope(body) }))));
  sewing = await startScreenStation(server, 'sewing');
  await sewing.sync.awaitInSync(20_000);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sewing?.stop();
  await server?.close();
});

async function openScreen(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  await page.goto(`${sewing.url}/`);
  await page.getByTestId('station-name').waitFor();
  await loginOnScreen(page, 'B:OP-SEW1', TEST_PIN);
  await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe('Dewi (sewing)');
  return page;
}

describe('a QT-09 conflict on the station screen', () => {
  it('is read in the operator\'s language; only a supervisor\'s badge + PIN settles it, on screen, and the server agrees', { timeout: 90_000 }, async () => {
    const page = await openScreen();
    const item = page.getByTestId(`conflict-${TRANSFER_ID}`);
    await item.waitFor();
    expect(await item.textContent()).toBe(`Klaim bersaing atas potongan yang sama: ${SEW_WO} → ${FIN_WO} · 10 · terbuka: supervisor memutuskan`);
    await page.getByTestId('lang').click();
    await expect.poll(() => item.textContent()).toBe(`Competing claim on the same pieces: ${SEW_WO} → ${FIN_WO} · 10 · open: a supervisor decides`);

    const field = `conflict-resolve-${TRANSFER_ID}`;
    await page.getByTestId(`${field}-open`).click();
    await page.getByTestId(`${field}-void`).click();
    expect(await page.getByTestId(`${field}-void`).getAttribute('aria-checked')).toBe('true');
    await page.getByTestId(`${field}-note`).fill('the same 10 pieces were on two slips: the second one is void');
    await docsScreenshot(page, 'sewing', 'conflict');
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The operator's own badge: refused next to the form, nothing recorded.
    const before = sewing.core.lastSequence;
    await signOnScreen(page, field, 'B:OP-SEW1', TEST_PIN);
    await page.getByTestId(`${field}-submit`).click();
    await page.getByTestId(`notice-${field}`).waitFor();
    expect(await page.getByTestId(`notice-${field}`).getAttribute('class')).toContain('notice-error');
    expect(sewing.core.lastSequence).toBe(before);

    await signOnScreen(page, field, 'B:OP-SEWSV', TEST_PIN);
    await page.getByTestId(`${field}-submit`).dblclick();
    await item.waitFor({ state: 'detached' });
    await page.getByTestId('notice').getByText('Conflict settled').waitFor();
    const recorded = (await sewing.core.eventsAfter(before)).map((e) => ({ type: e.type, payload: e.payload }));
    expect(recorded).toEqual([
      { type: 'conflict.resolved', payload: { conflictId: TRANSFER_ID, decision: 'void', note: 'the same 10 pieces were on two slips: the second one is void', supervisorId: 'OP-SEWSV' } },
    ]);

    // The server decided the same with the same rule: the claim is void, the conflict resolved by the supervisor.
    await sewing.sync.awaitInSync(20_000);
    expect((await storedBody<TransferDoc>(server.db, 'transfer', TRANSFER_ID))?.status).toBe('void');
    expect((await storedBody<ConflictDoc>(server.db, 'conflict', TRANSFER_ID))?.resolution).toMatchObject({ decision: 'void', by: 'OP-SEWSV' });
    expect(sewing.core.view().refused).toEqual([]);
    await page.context().close();
  });
});
