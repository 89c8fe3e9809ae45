/**
 * The Electron main process entry (package.json `main`: dist/electron/main.js, built by scripts/build-electron.ts).
 * Everything it does is in shell.ts; this file only says where the built pieces are.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronPorts } from './electron-adapter';
import { startShell } from './shell';

const here = dirname(fileURLToPath(import.meta.url));
// Native files cannot be loaded from inside app.asar: electron-builder unpacks them beside it (asarUnpack).
const unpacked = (path: string) => path.replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');

startShell(electronPorts(), {
  preload: join(here, 'preload.cjs'),
  coreEntry: join(here, 'core-process.js'),
  screenDir: join(here, '..', 'renderer', 'station'),
  sqliteBinding: unpacked(join(here, 'native', 'better_sqlite3.node')),
}).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
