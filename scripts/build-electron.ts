/**
 * Builds the Electron shell into dist/electron (`npm run build:electron`), with Vite (already the screens' build tool):
 *   main.js, core-process.js  ES modules for Node (package.json is "type": "module"); every package stays external,
 *                             loaded from node_modules at run time (better-sqlite3 and serialport are native);
 *   preload.cjs               one CommonJS file with its few imports (zod, the shared schemas) bundled in: a sandboxed
 *                             preload can require nothing but 'electron'.
 * The station screen itself is `npm run build:screens` (dist/renderer/station).
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ELECTRON_OUT = fileURLToPath(new URL('../dist/electron', import.meta.url));

export async function buildElectron(outDir = ELECTRON_OUT): Promise<void> {
  // Empties the folder but for native/ (better-sqlite3's Electron build, staged by scripts/electron-native.ts).
  mkdirSync(outDir, { recursive: true });
  for (const entry of readdirSync(outDir)) if (entry !== 'native') rmSync(join(outDir, entry), { recursive: true, force: true });
  const common = { root: ROOT, configFile: false as const, logLevel: 'warn' as const, publicDir: false as const };
  await build({
    ...common,
    build: {
      ssr: true,
      outDir,
      emptyOutDir: false,
      target: 'node22',
      minify: false,
      sourcemap: true,
      rolldownOptions: {
        input: { main: 'electron/main/main.ts', 'core-process': 'electron/main/core-process.ts' },
        external: ['electron'],
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js' },
      },
    },
  });
  await build({
    ...common,
    ssr: { noExternal: true },
    build: {
      ssr: true,
      outDir,
      emptyOutDir: false,
      target: 'chrome130',
      minify: false,
      sourcemap: false,
      rolldownOptions: {
        input: { preload: 'electron/preload/preload.ts' },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildElectron();
  console.log(`built ${ELECTRON_OUT}`);
}
