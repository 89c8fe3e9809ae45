/**
 * Builds the screens with Vite when their build is missing or older than their sources (`npm start` and the browser
 * tests call this; `npm run build:screens` always builds). Node only: never imported by a screen.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const STATION_SCREEN_DIR = join(ROOT, 'dist', 'renderer', 'station');
export const STATION_CONFIG = join(ROOT, 'renderer', 'station', 'vite.config.ts');
/** What the station screen is built from: a change in any of these rebuilds it. */
const SOURCES = ['renderer', 'shared', join('electron', 'hardware', 'wedge.ts')].map((p) => join(ROOT, p));

const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

/**
 * Builds one screen with Vite in its own process with NODE_ENV=production: Vite takes NODE_ENV from its process, and
 * a build started inside a test run (NODE_ENV=test) or from a shell with NODE_ENV set shipped React's development
 * build (~1.5x the JavaScript, slower to start). `outDir` overrides the config's (tests build elsewhere).
 */
export async function buildScreen(configFile: string, outDir?: string, logLevel: 'info' | 'warn' = 'warn'): Promise<void> {
  const args = [VITE, 'build', '--config', configFile, '--logLevel', logLevel, ...(outDir ? ['--outDir', outDir, '--emptyOutDir'] : [])];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, maxBuffer: 16 * 1024 * 1024 });
  if (logLevel === 'info') process.stdout.write(stdout);
  if (stderr.trim() !== '') process.stderr.write(stderr);
}

let builds = 0;

/**
 * Builds a screen into a folder of its own next to `dir`, then swaps it in: two processes building the same screen at
 * once (two test files, a test and `npm start`) each build whole, and `dir` only ever holds one complete build (the last
 * swapped in), never a folder another build is emptying or half writing.
 */
export async function buildScreenInto(configFile: string, dir: string): Promise<void> {
  const unique = `${process.pid}-${++builds}-${Date.now()}`;
  const fresh = join(dirname(dir), `.${basename(dir)}.build-${unique}`);
  try {
    await buildScreen(configFile, fresh);
    for (let attempt = 1; ; attempt++) {
      const old = join(dirname(dir), `.${basename(dir)}.old-${unique}-${attempt}`);
      try {
        if (existsSync(dir)) renameSync(dir, old);
        renameSync(fresh, dir);
        rmSync(old, { recursive: true, force: true });
        return;
      } catch (err) {
        // Another build swapped its folder in between: move that one aside too, and try again.
        rmSync(old, { recursive: true, force: true });
        if (attempt >= 5) throw err;
      }
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.endsWith('.test.ts')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

export function stationScreenIsCurrent(): boolean {
  const index = join(STATION_SCREEN_DIR, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  return SOURCES.every((s) => newestMtime(s) <= built);
}

/** The station screen's build folder, built first if needed. `log` hears one line when it builds. */
export async function ensureStationScreen(log: (line: string) => void = () => undefined): Promise<string> {
  if (!stationScreenIsCurrent()) {
    log('building the station screen (vite)…');
    await buildScreenInto(STATION_CONFIG, STATION_SCREEN_DIR);
  }
  return STATION_SCREEN_DIR;
}

export const DASHBOARD_SCREEN_DIR = join(ROOT, 'dist', 'renderer', 'dashboard');
export const DASHBOARD_CONFIG = join(ROOT, 'renderer', 'dashboard', 'vite.config.ts');
/**
 * The dashboard is built from the renderer, shared/ and modules of the server's dashboard folder (its contracts, the
 * view revisions: the screen bundles them). The whole folder counts: a list of files missed one the screen imported.
 */
const DASHBOARD_SOURCES = ['renderer', 'shared', join('sync-server', 'dashboard')].map((p) => join(ROOT, p));

/** The supervisors' dashboard's build folder (served by the sync server at `/`), built first if needed. */
export async function ensureDashboardScreen(log: (line: string) => void = () => undefined): Promise<string> {
  const index = join(DASHBOARD_SCREEN_DIR, 'index.html');
  const built = existsSync(index) ? statSync(index).mtimeMs : 0;
  if (built === 0 || !DASHBOARD_SOURCES.every((s) => newestMtime(s) <= built)) {
    log('building the dashboard (vite)…');
    await buildScreenInto(DASHBOARD_CONFIG, DASHBOARD_SCREEN_DIR);
  }
  return DASHBOARD_SCREEN_DIR;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildScreen(STATION_CONFIG, undefined, 'info');
  await buildScreen(DASHBOARD_CONFIG, undefined, 'info');
}
