/**
 * The installers' configuration (build/electron-builder.json): valid for electron-builder (its own loader and schema
 * check, as `npm run dist` runs them), and saying what this app needs: the built shell and screen inside, the native
 * modules outside the asar, node_modules never rebuilt in place, a per-machine NSIS installer that asks for the
 * station config, Linux AppImage and deb, and icons that are what they claim to be.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'electron-builder';
import { describe, expect, it } from 'vitest';
import { ICO_SIZES, LINUX_SIZES } from '../../scripts/make-icons';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CONFIG_FILE = join(ROOT, 'build', 'electron-builder.json');
const config = JSON.parse(readFileSync(CONFIG_FILE, 'utf8')) as Configuration;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

/** PNG width and height from its IHDR chunk. */
function pngSize(file: string): [number, number] {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).toString('hex'), file).toBe('89504e470d0a1a0a');
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

describe('electron-builder configuration', () => {
  it("passes electron-builder's own loading and schema validation", async () => {
    const loaded = await getConfig(ROOT, CONFIG_FILE, null);
    await expect(validateConfiguration(loaded, new DebugLogger(false))).resolves.toBeUndefined();
    expect(loaded.appId).toBe('com.quty.shopfloor.station');
  });

  it('a configuration electron-builder would refuse is refused by the same check (the check can fail)', async () => {
    const loaded = await getConfig(ROOT, CONFIG_FILE, null);
    await expect(validateConfiguration({ ...loaded, nsis: { ...loaded.nsis, perMachine: 'yes' } } as unknown as Configuration, new DebugLogger(false))).rejects.toThrow(/perMachine/);
  });

  it('packs the built shell (package.json main among it) and the built station screen, without source maps', () => {
    const files = config.files as string[];
    expect(files).toEqual(expect.arrayContaining(['package.json', 'dist/electron/**', '!dist/electron/**/*.map', 'dist/renderer/station/**']));
    expect(pkg.main.startsWith('dist/electron/')).toBe(true);
    expect(pkg.scripts.dist).toMatch(/build:screens.*build:electron.*electron-native.*electron-builder --config build\/electron-builder\.json/);
  });

  it("keeps native modules outside the asar, and never rebuilds node_modules in place (better-sqlite3's Electron build is staged apart)", () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['dist/electron/native/**', 'node_modules/better-sqlite3/**', 'node_modules/@serialport/bindings-cpp/**']));
    expect(config.npmRebuild).toBe(false);
    expect(config.nodeGypRebuild).toBe(false);
  });

  it('Windows: NSIS, per machine, asking for the station config (page and silent /STATIONCONFIG=)', () => {
    expect(config.win?.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true, allowToChangeInstallationDirectory: true, include: 'build/installer.nsh', deleteAppDataOnUninstall: false });
    const script = readFileSync(join(ROOT, 'build', 'installer.nsh'), 'utf8');
    // The page is inserted only through this macro (app-builder-lib templates/nsis/assistedInstaller.nsh), and only
    // when the folder page exists (allowToChangeInstallationDirectory).
    expect(script).toMatch(/!macro customPageAfterChangeDir\s+Page custom StationConfigPage StationConfigPageLeave/);
    expect(script).toMatch(/!macro customInstall[\s\S]*\/STATIONCONFIG=[\s\S]*"\$INSTDIR\\station\.json"/);
    // Installer-only functions: the uninstaller build would fail on functions it never calls.
    expect(script.indexOf('!ifndef BUILD_UNINSTALLER')).toBeLessThan(script.indexOf('Function StationConfigPage'));
  });

  it('Linux: AppImage and deb', () => {
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.linux?.maintainer).toMatch(/@/); // deb refuses to build without one
  });

  it('writes installers into dist/ (ignored by git) and publishes nowhere by itself', () => {
    expect(config.directories?.output).toBe('dist/installers');
    expect(config.publish).toBeNull();
  });

  it('icons: a PNG per Linux size, a 512 PNG, and an ICO that holds a 256 image for Windows', () => {
    for (const size of LINUX_SIZES) expect(pngSize(join(ROOT, 'build', 'icons', `${size}x${size}.png`))).toEqual([size, size]);
    expect(config.linux?.icon).toBe('build/icons');
    expect(pngSize(join(ROOT, 'build', 'icon.png'))).toEqual([512, 512]);
    const ico = readFileSync(join(ROOT, config.win?.icon as string));
    expect(ico.readUInt16LE(2)).toBe(1); // an icon file
    const count = ico.readUInt16LE(4);
    const widths = Array.from({ length: count }, (_, i) => ico.readUInt8(6 + 16 * i) || 256);
    expect(widths).toEqual([...ICO_SIZES]);
    expect(existsSync(join(ROOT, config.nsis?.installerIcon as string))).toBe(true);
  });
});
