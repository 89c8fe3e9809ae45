import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../core/testing';
import { ConfigError } from '../core/config';
import { CONFIG_FILE_NAME, configCandidates, loadShellConfig } from './station-config';

const station = { stationId: 'ST-SEW-1', department: 'sewing', lineId: 'LN-SEW-1', name: 'Sewing 1' };

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function places() {
  const { dir, cleanup } = tempDir('qsf-shell-config-');
  cleanups.push(cleanup);
  const app = join(dir, 'app');
  const userData = join(dir, 'user-data');
  mkdirSync(app);
  mkdirSync(userData);
  return { dir, app, userData, exePath: join(app, 'quty-shop-floor') };
}

const write = (file: string, body: unknown) => writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));

describe('station config for the shell', () => {
  it('looks beside the app first, then in the user-data folder', () => {
    const p = places();
    write(join(p.userData, CONFIG_FILE_NAME), { ...station, name: 'from user data' });
    expect(loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData }).station.name).toBe('from user data');
    write(join(p.app, CONFIG_FILE_NAME), { ...station, name: 'beside the app' });
    const c = loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData });
    expect(c.station.name).toBe('beside the app');
    expect(c.file).toBe(join(p.app, CONFIG_FILE_NAME));
  });

  it('an AppImage looks beside the AppImage file, not inside its read-only mount', () => {
    expect(configCandidates({ env: { APPIMAGE: '/home/op/Quty.AppImage' }, exePath: '/tmp/.mount_Quty/quty', userData: '/home/op/.config/Q' })).toEqual([
      join('/home/op', CONFIG_FILE_NAME),
      join('/home/op/.config/Q', CONFIG_FILE_NAME),
    ]);
  });

  it('QSF_CONFIG names the file outright (and must exist)', () => {
    const p = places();
    write(join(p.dir, 'other.json'), station);
    expect(loadShellConfig({ env: { QSF_CONFIG: join(p.dir, 'other.json') }, exePath: p.exePath, userData: p.userData }).station.stationId).toBe('ST-SEW-1');
    expect(() => loadShellConfig({ env: { QSF_CONFIG: join(p.dir, 'missing.json') }, exePath: p.exePath, userData: p.userData })).toThrow(/cannot read config file/);
  });

  it('keeps the data in the user-data folder unless the file says where; a relative dataDir is relative to the file', () => {
    const p = places();
    write(join(p.app, CONFIG_FILE_NAME), station);
    const c = loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData });
    expect(c.station.dataDir).toBe(join(p.userData, 'station-data'));
    expect(c.coreEnv).toEqual({ QSF_CONFIG: join(p.app, CONFIG_FILE_NAME), QSF_DATA_DIR: join(p.userData, 'station-data') });
    write(join(p.app, CONFIG_FILE_NAME), { ...station, dataDir: 'data' });
    expect(loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData }).station.dataDir).toBe(join(p.app, 'data'));
  });

  it('full-screen kiosk is off unless the file turns it on', () => {
    const p = places();
    write(join(p.app, CONFIG_FILE_NAME), station);
    expect(loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData }).fullScreenKiosk).toBe(false);
    write(join(p.app, CONFIG_FILE_NAME), { ...station, fullScreenKiosk: true });
    expect(loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData }).fullScreenKiosk).toBe(true);
  });

  const bad: [string, unknown, RegExp][] = [
    ['no file anywhere', undefined, /no station config: put station\.json beside the app or in the user-data folder/],
    ['not JSON', '{"stationId": ', /is not valid JSON/],
    ['a field missing', { department: 'sewing', lineId: 'LN-SEW-1' }, /stationId/],
    ['a wrong department', { ...station, department: 'painting' }, /department/],
    ['a wrong shell setting', { ...station, fullScreenKiosk: 'yes' }, /fullScreenKiosk/],
  ];
  for (const [what, body, message] of bad) {
    it(`stops with a clear error on ${what}`, () => {
      const p = places();
      if (body !== undefined) write(join(p.app, CONFIG_FILE_NAME), body);
      let err: unknown;
      try {
        loadShellConfig({ env: {}, exePath: p.exePath, userData: p.userData });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
    });
  }
});
