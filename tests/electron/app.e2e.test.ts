/**
 * The Electron app itself, driven by Playwright's `_electron`: runs wherever an Electron binary exists and prints one
 * clear skip line where it does not (this build machine cannot download it: ARCHITECTURE.md).
 *   - the packaged app: QSF_PACKAGED_APP=dist/installers/linux-unpacked/quty-shop-floor npx vitest run tests/electron/app.e2e.test.ts
 *   - the built app from this checkout with the npm package's binary (node_modules/electron/dist), after
 *     `npx tsx scripts/electron-native.ts` has built better-sqlite3 for Electron's ABI.
 * Checks what an operator and an attacker would notice: the station screen shows this station, the page has no Node
 * and only window.quty, the web and new windows are out of reach, and a killed core comes back by itself.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../electron/core/testing';
import { ensureStationScreen } from '../../renderer/build';
import { buildElectron } from '../../scripts/build-electron';
import { NATIVE_OUT } from '../../scripts/electron-native';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The Electron binary to run, or why there is none. Never `require('electron')`: that would try to download it. */
function electronBinary(): { path: string; packaged: boolean } | { missing: string } {
  if (process.env.QSF_PACKAGED_APP) {
    return existsSync(process.env.QSF_PACKAGED_APP) ? { path: process.env.QSF_PACKAGED_APP, packaged: true } : { missing: `QSF_PACKAGED_APP=${process.env.QSF_PACKAGED_APP} does not exist` };
  }
  const pathFile = join(ROOT, 'node_modules', 'electron', 'path.txt');
  const binary = existsSync(pathFile) ? join(ROOT, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim()) : undefined;
  if (!binary || !existsSync(binary)) return { missing: 'no Electron binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); set QSF_PACKAGED_APP or install Electron' };
  if (!existsSync(NATIVE_OUT)) return { missing: `no better-sqlite3 for Electron's ABI at ${NATIVE_OUT}: run npx tsx scripts/electron-native.ts` };
  return { path: binary, packaged: false };
}

const found = electronBinary();
if ('missing' in found) console.log(`SKIP tests/electron/app.e2e.test.ts: ${found.missing}`);

describe.skipIf('missing' in found)('Electron app (Playwright _electron)', () => {
  let app: ElectronApplication;
  let page: Page;
  let cleanup = () => undefined as void;

  beforeAll(async () => {
    if ('missing' in found) return;
    const data = tempDir('qsf-electron-app-');
    cleanup = data.cleanup;
    const config = join(data.dir, 'station.json');
    writeFileSync(config, JSON.stringify({ stationId: 'ST-SEW-1', department: 'sewing', lineId: 'LN-SEW-1', name: 'Electron 1', dataDir: join(data.dir, 'data') }));
    if (!found.packaged) {
      await ensureStationScreen();
      await buildElectron();
    }
    app = await _electron.launch({
      executablePath: found.path,
      // Chromium refuses to run as root with its OS sandbox (CI containers): only then is it turned off.
      args: [...(found.packaged ? [] : [ROOT]), ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, QSF_CONFIG: config, ...(found.packaged ? {} : { QSF_SQLITE_BINDING: NATIVE_OUT }) },
    });
    page = await app.firstWindow();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    cleanup();
  });

  it('shows the station screen for this station, loaded from app://station', async () => {
    await expect.poll(() => page.getByTestId('station-name').textContent(), { timeout: 30_000 }).toContain('Electron 1');
    expect(page.url()).toBe('app://station/index.html');
  });

  it('the page has no Node, and window.quty offers only the station API', async () => {
    const seen = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      quty: Object.keys((globalThis as { quty?: object }).quty ?? {}).sort(),
    }));
    expect(seen).toEqual({ require: 'undefined', process: 'undefined', quty: ['call', 'onStatus', 'subscribe'] });
    // Context isolation: what the preload holds (ipcRenderer, contextBridge) is not on the page's window.
    expect(await page.evaluate(() => Object.keys(globalThis).filter((k) => /ipc|contextBridge|electron/i.test(k)))).toEqual([]);
  });

  it('the web, new windows and navigation are out of reach', async () => {
    expect(await page.evaluate(() => fetch('https://example.com/').then(() => 'reached', () => 'blocked'))).toBe('blocked');
    expect(await page.evaluate(() => window.open('https://example.com/') === null)).toBe(true);
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://station/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('a killed core comes back by itself; the screen says so meanwhile and then works again', async () => {
    const pid = await app.evaluate(({ app: electronApp }) => electronApp.getAppMetrics().find((m) => m.serviceName === 'Quty station core')?.pid);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number, 'SIGKILL');
    await expect.poll(() => page.getByTestId('core-down').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('core-down').count(), { timeout: 30_000 }).toBe(0);
    const view = await page.evaluate(() => (globalThis as { quty?: { call(n: string, p: unknown): Promise<{ ok: boolean }> } }).quty?.call('view.get', {}));
    expect(view?.ok).toBe(true);
  });
});
