import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_CONFIG, STATION_CONFIG, buildScreen } from './build';

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
