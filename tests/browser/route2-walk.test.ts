/**
 * An order walked across the station screens (issue 13), in Debian's Chromium against real station cores syncing with
 * a real server and finishing's metal detector simulated over a pty: a Route 2 order (direct sewing, DOMAIN.md) from
 * cutting through sewing and finishing to completed packing, each handover by the QT-09 slip printed at the sender and
 * scanned (a keyboard-wedge burst) at the receiver; the screens in both languages (a refusal read in Indonesian). A
 * Route 1 order takes the embroidery leg (cutting → embroidery → sewing) the same way; its screens go to docs/screens/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workOrderIdFor, type Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { TEST_PIN } from '../../electron/core/testing';
import { socatAvailable } from '../../electron/hardware/simulator';
import {
  attachSimulatedDetector,
  docsScreenshot,
  launchChromium,
  loginOnScreen,
  seriousA11yViolations,
  startFloorServer,
  startScreenStation,
  wedgeScan,
  type FloorServer,
  type ScreenStation,
  type SimulatedDetector,
} from './testing';

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('route 2 walk browser test SKIPPED: socat is not installed (apt-get install socat)');

const QTY = 6;
const DIRECT = mo(71, { route: 'R2', quantity: QTY, destination: 'SE-DC1' });
/** Same article and destination: sewing's line takes it without a clearance (station-screen.test.ts clears one). */
const EMBROIDERED = mo(72, { route: 'R1', quantity: QTY, destination: 'SE-DC1' });
const wo = (order: { id: string }, place: Department) => workOrderIdFor(order.id, place);

const OPERATORS: Record<Department, { id: string; name: string }> = {
  cutting: { id: 'OP-CUT1', name: 'Siti (cutting)' },
  embroidery: { id: 'OP-EMB1', name: 'Ayu (embroidery)' },
  sewing: { id: 'OP-SEW1', name: 'Dewi (sewing)' },
  finishing: { id: 'OP-FIN1', name: 'Wati (finishing)' },
  packing: { id: 'OP-PCK1', name: 'Rina (packing)' },
};

let server: FloorServer;
let browser: Browser;
const stations = new Map<Department, ScreenStation>();
let detector: SimulatedDetector | undefined;

const station = (d: Department): ScreenStation => {
  const s = stations.get(d);
  if (!s) throw new Error(`no ${d} station`);
  return s;
};

beforeAll(async () => {
  if (!hasSocat) return;
  server = await startFloorServer({ sscc: { companyPrefix: '8991234567', extension: 0, blockSize: 100 } });
  for (const [department, op] of Object.entries(OPERATORS)) {
    await server.adminPost('/api/operators', { id: op.id, name: op.name, roles: ['operator'], departments: [department], pin: TEST_PIN });
  }
  await server.adminPost('/api/manufacturing-orders', DIRECT);
  await server.adminPost('/api/manufacturing-orders', EMBROIDERED);
  for (const d of Object.keys(OPERATORS) as Department[]) stations.set(d, await startScreenStation(server, d));
  await Promise.all([...stations.values()].map((s) => s.sync.awaitInSync(20_000)));
  detector = await attachSimulatedDetector(station('finishing').core);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await detector?.close();
  for (const s of stations.values()) await s.stop();
  await server?.close();
});

/** The department's screen with its operator logged in (the core keeps one session for all its screens). */
async function openScreen(department: Department, lang: 'id' | 'en'): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
  await page.goto(`${station(department).url}/`);
  await page.getByTestId('station-name').waitFor();
  if (lang === 'en') await page.getByTestId('lang').click();
  const { id, name } = OPERATORS[department];
  if ((await page.getByTestId('operator-name').textContent()) !== name) await loginOnScreen(page, `B:${id}`, TEST_PIN);
  await expect.poll(() => page.getByTestId('operator-name').textContent()).toBe(name);
  await page.getByTestId('scan-input').waitFor();
  return page;
}

/** Fills a form of the open SPK (choices tapped, counts typed) and submits it; recorded: its stage shows `stage`. */
async function record(page: Page, form: string, fields: Record<string, string | number>, shows?: { stage: string; qty: number }): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'number') await page.getByTestId(`form-${form}-${name}`).fill(String(value));
    else await page.getByTestId(`form-${form}-${name}-${value}`).click();
  }
  await page.getByTestId(`form-${form}-submit`).click();
  await page.getByTestId(`notice-form-${form}`).getByText(/^(Recorded|Tercatat)$/).waitFor();
  if (shows) await expect.poll(() => page.getByTestId(`stage-${shows.stage}`).textContent()).toBe(String(shows.qty));
}

/** QT-09 LOCK: hands `qty` over from the open SPK; the slip is printed with one click. Returns the slip's code and transfer. */
async function handOver(page: Page, qty: number, shot?: Department): Promise<{ slip: string; transferId: string }> {
  await expect.poll(() => page.getByTestId('ready-qty').textContent()).toBe(String(qty));
  await page.getByTestId('handover-qty').fill(String(qty));
  await page.getByTestId('handover-submit').click();
  await page.getByTestId('slip').waitFor();
  expect(await page.getByTestId('slip-qty').textContent()).toBe(String(qty));
  await page.evaluate(() => {
    const w = window as Window & { printed?: number };
    w.printed = 0;
    w.print = () => {
      w.printed = (w.printed ?? 0) + 1;
    };
  });
  await page.getByTestId('slip-print').click();
  expect(await page.evaluate(() => (window as Window & { printed?: number }).printed)).toBe(1);
  if (shot) await docsScreenshot(page, shot, 'slip');
  const slip = (await page.getByTestId('slip-code').textContent())?.trim() ?? '';
  const transferId = (await page.getByTestId('slip-transfer').textContent())?.trim() ?? '';
  expect(slip.length).toBeGreaterThan(20);
  return { slip, transferId };
}

/** QT-09 UNLOCK: the slip scanned at the receiving screen, the count accepted as sent; the SPK received it. */
async function acceptBySlip(page: Page, department: Department, sent: { slip: string; transferId: string }, receiving: string, qty: number): Promise<void> {
  await wedgeScan(page, sent.slip);
  const card = page.getByTestId(`accept-${sent.transferId}`);
  expect(await card.getByTestId('accept-counted').inputValue()).toBe(String(qty));
  await card.getByTestId('accept-submit').click();
  await page.getByTestId('notice-incoming').getByText(new RegExp(`^(Accepted|Diterima) ${qty}`)).waitFor();
  await expect.poll(() => station(department).core.state.workOrder[receiving]?.receivedQty).toBe(qty);
}

/** Cutting: output of the order's one part, then the handover. */
async function cutAndHandOver(order: { id: string }): Promise<{ slip: string; transferId: string }> {
  const cut = await openScreen('cutting', 'id');
  await cut.getByTestId(`wo-card-${wo(order, 'cutting')}`).click();
  await record(cut, 'output', { goodQty: QTY }, { stage: 'cut', qty: QTY });
  const sent = await handOver(cut, QTY);
  await cut.context().close();
  return sent;
}

describe.skipIf(!hasSocat)('an order walked across the station screens', () => {
  it('Route 2: cutting → sewing → finishing → packing, each handover by its printed slip scanned at the receiver, in both languages', { timeout: 150_000 }, async () => {
    if (!detector) throw new Error('no detector');
    // Cutting, in Indonesian (the floor's language).
    const toSewing = await cutAndHandOver(DIRECT);

    // Sewing, in English: the three stages and inline QC, then the handover to finishing.
    const sew = await openScreen('sewing', 'en');
    await acceptBySlip(sew, 'sewing', toSewing, wo(DIRECT, 'sewing'), QTY);
    await sew.getByTestId(`wo-card-${wo(DIRECT, 'sewing')}`).click();
    for (const stage of ['assembly', 'labelling', 'back_loop']) await record(sew, 'output', { stage, goodQty: QTY }, { stage, qty: QTY });
    await record(sew, 'inlineQc', { stage: 'back_loop', result: 'pass', qty: QTY });
    const toFinishing = await handOver(sew, QTY);
    await sew.context().close();

    // Finishing, in Indonesian: a piece converted before it passed the detector is refused in the operator's language.
    const fin = await openScreen('finishing', 'id');
    await acceptBySlip(fin, 'finishing', toFinishing, wo(DIRECT, 'finishing'), QTY);
    // The same slip scanned again: a transfer is accepted once.
    const before = station('finishing').core.lastSequence;
    await wedgeScan(fin, toFinishing.slip);
    await fin.getByTestId(`accept-${toFinishing.transferId}`).getByTestId('accept-submit').click();
    await fin.getByTestId('notice-incoming').getByText('Serah terima ini sudah diterima.').waitFor();
    expect(station('finishing').core.lastSequence).toBe(before);

    await fin.getByTestId(`wo-card-${wo(DIRECT, 'finishing')}`).click();
    await fin.getByTestId('segregation-check.segregated').click();
    await fin.getByTestId('segregation-submit').click();
    await fin.getByTestId('notice-segregation').getByText('Tercatat').waitFor();
    for (const step of ['stuffing', 'closing', 'grooming']) await record(fin, 'output', { step, qty: QTY }, { stage: step, qty: QTY });
    await fin.getByTestId('form-fgConversion-qty').fill(String(QTY));
    await fin.getByTestId('form-fgConversion-submit').click();
    await fin.getByTestId('notice-form-fgConversion').getByText('Melebihi jumlah potong yang ada.').waitFor();
    expect(station('finishing').core.state.workOrder[wo(DIRECT, 'finishing')]?.stageQty.converted ?? 0).toBe(0);

    // The lot-start verification, answered by the detector's test pieces; then every piece through it.
    await expect.poll(() => fin.getByTestId('verification-status').getAttribute('data-status')).toBe('due');
    await fin.getByTestId('trigger-lot_start').click();
    await fin.getByTestId('verification-start').click();
    await detector.send(
      { kind: 'verification', metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-10', result: 'pass' },
      { kind: 'verification', metal: 'nonfe', sizeMm: 1.5, pieceId: 'TP-NFE-15', result: 'pass' },
      { kind: 'verification', metal: 'stainless', sizeMm: 2.0, pieceId: 'TP-SS-20', result: 'pass' },
    );
    await expect.poll(() => fin.getByTestId('verification-status').getAttribute('data-status')).toBe('ok');
    await detector.send(...Array.from({ length: QTY }, () => ({ kind: 'pass' as const })));
    await expect.poll(() => fin.getByTestId('stage-metal_detected').textContent()).toBe(String(QTY));
    await record(fin, 'physicalQc', { result: 'pass', qty: QTY });
    await record(fin, 'fgConversion', { qty: QTY }, { stage: 'converted', qty: QTY });
    const toPacking = await handOver(fin, QTY);
    await fin.context().close();

    // Packing, in English: sort, a carton numbered by the station, its shipping mark, final inspection, completion.
    const pck = await openScreen('packing', 'en');
    await acceptBySlip(pck, 'packing', toPacking, wo(DIRECT, 'packing'), QTY);
    await pck.getByTestId(`wo-card-${wo(DIRECT, 'packing')}`).click();
    await record(pck, 'output', { qty: QTY }, { stage: 'sorted', qty: QTY });
    await expect.poll(() => station('packing').core.ssccLeases?.remaining ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
    await pck.getByTestId('form-carton-qty').fill(String(QTY));
    await pck.getByTestId('form-carton-submit').click();
    await pck.getByTestId('carton-label').waitFor();
    await pck.getByTestId('carton-back').click();
    await expect.poll(() => pck.getByTestId('stage-packed').textContent()).toBe(String(QTY));
    await record(pck, 'shippingMark', {});
    await record(pck, 'finalInspection', { result: 'pass', sampleSize: 5, defectsFound: 0 });
    // Completion needs the server's word that nothing of the order is left upstream: every station has sent its events.
    await Promise.all([...stations.values()].map((s) => s.sync.awaitInSync(30_000)));
    await pck.getByTestId('form-complete-submit').click();
    await pck.getByTestId('wo-closed').waitFor();
    expect(await seriousA11yViolations(pck)).toEqual([]);

    // The server applied every station's events: the order is closed there too, nothing refused anywhere.
    await Promise.all([...stations.values()].map((s) => s.sync.awaitInSync(30_000)));
    await expect.poll(() => pck.getByTestId('unsent-count').textContent()).toBe('0');
    for (const s of stations.values()) expect(s.core.view().refused).toEqual([]);
    expect(station('packing').core.state.workOrder[wo(DIRECT, 'packing')]).toMatchObject({ status: 'closed', stageQty: { sorted: QTY, packed: QTY } });
    await pck.context().close();
  });

  it('Route 1: cutting → embroidery (output with a defect and its reason) → sewing, by the printed slips', { timeout: 90_000 }, async () => {
    const toEmbroidery = await cutAndHandOver(EMBROIDERED);

    const emb = await openScreen('embroidery', 'en');
    await acceptBySlip(emb, 'embroidery', toEmbroidery, wo(EMBROIDERED, 'embroidery'), QTY);
    await emb.getByTestId(`wo-card-${wo(EMBROIDERED, 'embroidery')}`).click();
    await emb.getByTestId('form-output-defectReason').fill('eye thread broke');
    await record(emb, 'output', { goodQty: QTY - 1, defectQty: 1 }, { stage: 'embroidered', qty: QTY - 1 });
    // The defect stays in view on the SPK (scrapped), not only in the core.
    await expect.poll(() => emb.getByTestId('scrapped').textContent()).toBe('1');
    expect(station('embroidery').core.state.workOrder[wo(EMBROIDERED, 'embroidery')]).toMatchObject({ scrappedQty: 1, stageQty: { embroidered: QTY - 1 } });
    await docsScreenshot(emb, 'embroidery', 'output');
    expect(await seriousA11yViolations(emb)).toEqual([]);
    const toSewing = await handOver(emb, QTY - 1, 'embroidery');
    await emb.context().close();

    const sew = await openScreen('sewing', 'id');
    await acceptBySlip(sew, 'sewing', toSewing, wo(EMBROIDERED, 'sewing'), QTY - 1);
    await Promise.all([station('embroidery').sync.awaitInSync(30_000), station('sewing').sync.awaitInSync(30_000)]);
    expect(station('embroidery').core.state.transfer[toSewing.transferId]?.status).toBe('accepted');
    await sew.context().close();
  });
});
