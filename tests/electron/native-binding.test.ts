/**
 * The store loads better-sqlite3 through `nativeBinding` when told to (the Electron shell's core process names the
 * binary built for Electron's ABI, QSF_SQLITE_BINDING): given the Node build's own binary it opens; given a path with
 * no binary it fails on that path, which shows the option reaches better-sqlite3 rather than being ignored.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../electron/core/testing';
import { openStationDb } from '../../electron/store/station-db';

const require = createRequire(import.meta.url);
const NODE_BUILD = join(dirname(require.resolve('better-sqlite3/package.json')), 'build', 'Release', 'better_sqlite3.node');

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});
const dataDir = () => {
  const t = tempDir('qsf-native-');
  cleanups.push(t.cleanup);
  return t.dir;
};

describe('better-sqlite3 nativeBinding', () => {
  it('opens the station database with the binary it is given', async () => {
    const opened = await openStationDb({ dataDir: dataDir(), stationId: 'ST-SEW-1', nativeBinding: NODE_BUILD });
    try {
      expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      await opened.rx.close();
    }
  });

  it('a binding path with no binary fails on that path (the option is used, not ignored)', async () => {
    const missing = join(dataDir(), 'electron-abi', 'better_sqlite3.node');
    await expect(openStationDb({ dataDir: dataDir(), stationId: 'ST-SEW-2', nativeBinding: missing })).rejects.toThrow(/electron-abi/);
  });
});
