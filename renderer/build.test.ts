import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CONFIG, STATION_CONFIG, buildScreen, buildScreenInto } from './build';

const out = mkdtempSync(join(tmpdir(), 'qsf-screen-build-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The built JavaScript of a screen, all chunks together. */
function builtJs(dir: string): string {
  const assets = join(dir, 'assets');
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(assets, f), 'utf8'))
    .join('\n');
}

describe('screen builds', () => {
  // Vitest runs with NODE_ENV=test, as the browser tests and a shell with NODE_ENV set do: the build must still be
  // React's production build (a development build ships ~1.5x the JavaScript, jsxDEV calls and React's dev checks).
  it.each([
    ['station', STATION_CONFIG],
    ['dashboard', DASHBOARD_CONFIG],
  ])('the %s screen is built for production whatever NODE_ENV the caller has', async (name, config) => {
    expect(process.env.NODE_ENV).toBe('test');
    const dir = join(out, name);
    await buildScreen(config, dir);
    const js = builtJs(dir);
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toContain('jsxDEV');
    expect(js).not.toContain('Each child in a list should have a unique');
  }, 120_000);
});

describe('building into the screen folder', () => {
  it('two builds at once each swap in a whole build: the folder holds one, every asset its page names is there', async () => {
    const dir = join(out, 'shared-target');
    await Promise.all([buildScreenInto(STATION_CONFIG, dir), buildScreenInto(STATION_CONFIG, dir)]);
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const named = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    const assets = new Set(readdirSync(join(dir, 'assets')).map((f) => `assets/${f}`));
    for (const a of named) expect(assets.has(a), a).toBe(true);
    // No build or swapped-out folder left beside it.
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 180_000);
});
