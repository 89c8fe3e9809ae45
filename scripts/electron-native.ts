/**
 * better-sqlite3 for Electron's ABI, built from a copy of the package into dist/electron/native/better_sqlite3.node
 * (run by `npm run dist`, after build:electron). The shell's core process loads it through better-sqlite3's
 * `nativeBinding` option (QSF_SQLITE_BINDING, set by electron/main/shell.ts when the file exists), so node_modules
 * keeps the Node build that the tests and the kiosk use. electron-builder's own rebuild (npmRebuild,
 * install-app-deps) would rebuild node_modules in place and break `npm test` until the next `npm ci`: it is off in
 * build/electron-builder.json.
 * Needs what node-gyp needs (Python, a C++ compiler) and Electron's headers (downloaded from Electron's host), on the
 * OS the installer is for: a Windows installer is built on Windows.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const NATIVE_OUT = join(ROOT, 'dist', 'electron', 'native', 'better_sqlite3.node');
const STAGE = join(ROOT, 'dist', '.electron-native');

const versionOf = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;

interface Rebuild {
  rebuild(o: { buildPath: string; electronVersion: string; onlyModules: string[]; force: boolean; arch: string }): Promise<void>;
}

async function main(): Promise<void> {
  const electronVersion = versionOf('electron');
  rmSync(STAGE, { recursive: true, force: true });
  mkdirSync(join(STAGE, 'node_modules'), { recursive: true });
  writeFileSync(join(STAGE, 'package.json'), JSON.stringify({ name: 'qsf-electron-native', private: true, dependencies: { 'better-sqlite3': versionOf('better-sqlite3') } }));
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3'), join(STAGE, 'node_modules', 'better-sqlite3'), { recursive: true });
  let electronRebuild: Rebuild;
  try {
    // electron-builder's own dependency (it rebuilds with it); named here so the copy, not node_modules, is rebuilt.
    electronRebuild = (await import('@electron/rebuild' as string)) as Rebuild;
  } catch {
    throw new Error('@electron/rebuild is missing (it comes with electron-builder): run npm ci');
  }
  await electronRebuild.rebuild({ buildPath: STAGE, electronVersion, onlyModules: ['better-sqlite3'], force: true, arch: process.env.QSF_ARCH ?? process.arch });
  mkdirSync(join(NATIVE_OUT, '..'), { recursive: true });
  copyFileSync(join(STAGE, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), NATIVE_OUT);
  console.log(`better-sqlite3 for Electron ${electronVersion}: ${NATIVE_OUT}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
