/**
 * HALT on the station screen from a real byte stream: a framed metal detector simulated into a pty pair (socat),
 * read by the hardware bridge of a finishing station core that serves the built screen. The detection shows
 * full-screen HALT at once, output is refused while it stands, and only a supervisor's badge + PIN releases it.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PIN, badgeOf, tempDir } from '../../electron/core/testing';
import { CommandFailure } from '../../electron/core/station-core';
import { startHardwareBridge, type HardwareBridge } from '../../electron/hardware/bridge';
import { FIN_LINE, openFinishingStation, until, type FinishingStation } from '../../electron/hardware/testing/bridge';
import { FramedDetectorSimulator, openPortSink, openPtyPair, socatAvailable, type ByteSink, type PtyPair } from '../../electron/hardware/simulator';
import { startKioskServer, type KioskServer } from '../../electron/kiosk/server';
import { ensureStationScreen } from '../../renderer/build';
import { launchChromium, loginOnScreen, screenshot } from './testing';

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('detector HALT browser test SKIPPED: socat is not installed (apt-get install socat)');

let tmp: { dir: string; cleanup: () => void };
let st: FinishingStation;
let pair: PtyPair;
let bridge: HardwareBridge;
let sink: ByteSink;
let kiosk: KioskServer;
let browser: Browser;
const sim = new FramedDetectorSimulator('MD01');

beforeAll(async () => {
  if (!hasSocat) return;
  const screenDir = await ensureStationScreen();
  tmp = tempDir('qsf-screen-halt-');
  st = await openFinishingStation(tmp.dir);
  const link = join(tmp.dir, 'md1');
  pair = await openPtyPair({ linkA: link });
  bridge = startHardwareBridge(st.core, [{ driver: 'framed-detector', deviceId: 'MD01', path: link }], { backoff: { initialMs: 20, maxMs: 100 }, checkIntervalMs: 3_600_000 });
  await until(() => bridge.health()[0]?.connected === true, 5000, 'detector connected');
  sink = await openPortSink(pair.b);
  kiosk = await startKioskServer(st.core, { port: 0, staticDir: screenDir });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
  await sink?.close();
  await bridge?.stop();
  await pair?.close();
  await st?.core.close();
  tmp?.cleanup();
});

async function loggedIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${kiosk.url}/`);
  await page.getByTestId('station-name').waitFor();
  await loginOnScreen(page, badgeOf('finishing'), TEST_PIN);
  await page.getByTestId('scan-input').waitFor();
  return page;
}

describe.skipIf(!hasSocat)('HALT from the metal detector, on the screen', () => {
  it('a detection read from the pty shows HALT at once; output is refused; a supervisor releases it', { timeout: 60_000 }, async () => {
    const page = await loggedIn();
    // The device is shown in the header as connected.
    await expect.poll(() => page.getByTestId('devices').textContent()).toContain('1/1');

    // How fast is measured by `npm run bench:station`; here only that it comes without any other step.
    await sink.write(sim.encode({ kind: 'detection', metal: 'fe' }));
    await page.getByTestId('halt').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId('halt').textContent()).toContain('fe');
    await screenshot(page, 'finishing-halt');

    // While it stands nothing on the line is recorded (the core refuses, whatever screen asks).
    const before = st.core.lastSequence;
    await expect(
      st.core.call('action.record', { action: { type: 'finishing.step', payload: { workOrderId: st.workOrderId, lineId: FIN_LINE, step: 'stuffing', qty: 1 } } }),
    ).rejects.toBeInstanceOf(CommandFailure);
    expect(st.core.lastSequence).toBe(before);

    // An operator's own badge is not a supervisor's: refused, still halted.
    await page.getByTestId('halt-badge').fill(badgeOf('finishing'));
    await page.getByTestId('halt-pin').fill(TEST_PIN);
    await page.getByTestId('halt-action').fill('fragment found in the piece, piece destroyed');
    await page.getByTestId('halt-release').click();
    await page.getByTestId('notice-halt').waitFor();
    expect(st.core.view().line?.halt).not.toBeNull();

    await page.getByTestId('halt-badge').fill(badgeOf('finishing', true));
    await page.getByTestId('halt-pin').fill(TEST_PIN);
    await page.getByTestId('halt-release').click();
    await page.getByTestId('halt').waitFor({ state: 'detached' });
    expect(st.core.view().line?.halt).toBeNull();
    expect(st.events.map((e) => e.type)).toEqual(expect.arrayContaining(['md.detection', 'line.released']));
    await page.context().close();
  });
});
