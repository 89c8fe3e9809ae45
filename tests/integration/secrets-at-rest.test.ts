/**
 * Secrets at rest: a station's data directory (PIN hashes in the SQLite file, the signing key, the sync token) is
 * 0700 with 0600 files while the core runs, whatever the umask, and a directory left 0755 with 0644 files by an
 * older version is fixed when the core opens it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { StationCore } from '../../electron/core/station-core';
import { openTestStation, stationConfig, tempDir } from '../../electron/core/testing';
import { TOKEN_FILE } from '../../electron/sync/enroll';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const t = tempDir('qsf-secrets-');
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  t.cleanup();
});

/** name -> octal mode of the directory ('.') and every entry in it. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': (statSync(dir).mode & 0o777).toString(8) };
  for (const n of readdirSync(dir)) out[n] = (statSync(join(dir, n)).mode & 0o777).toString(8);
  return out;
}

function allPrivate(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).map((k) => [k, k === '.' ? '700' : '600']));
}

describe('station data directory modes', () => {
  it('fixes an older 0755 directory with 0644 files (db, -wal, key, token, others) when the core opens it', async () => {
    const dataDir = join(t.dir, 'old-station');
    const first = await openTestStation('cutting', dataDir);
    await first.close();
    // What an older version left: a readable folder, readable files, a token and an empty WAL from a crash.
    writeFileSync(join(dataDir, TOKEN_FILE), '{}', { mode: 0o644 });
    writeFileSync(join(dataDir, 'station-st-cut-1.sqlite-wal'), '', { mode: 0o644 });
    writeFileSync(join(dataDir, 'notes.txt'), 'x', { mode: 0o644 });
    chmodSync(dataDir, 0o755);
    for (const n of readdirSync(dataDir)) chmodSync(join(dataDir, n), 0o644);
    expect(modes(dataDir)['station-key.json']).toBe('644');

    const core = await StationCore.open(stationConfig('cutting', dataDir));
    cleanups.push(() => core.close());
    const open = modes(dataDir);
    expect(Object.keys(open)).toEqual(
      expect.arrayContaining(['station-st-cut-1.sqlite', 'station-st-cut-1.sqlite-wal', 'station-st-cut-1.sqlite-shm', 'station-key.json', TOKEN_FILE, 'writer.lock']),
    );
    expect(open).toEqual(allPrivate(open));
    await core.close();
    const closed = modes(dataDir);
    expect(closed).toEqual(allPrivate(closed));
  });

  it('a new station started by a real process under umask 000 is still owner-only', async () => {
    const dataDir = join(t.dir, 'new-station', 'st-sew-1');
    const child = spawn('sh', ['-c', 'umask 000 && exec "$0" --import tsx electron/kiosk/run.ts', process.execPath], {
      cwd: ROOT,
      env: { ...process.env, QSF_STATION_ID: 'ST-SEW-1', QSF_DEPARTMENT: 'sewing', QSF_LINE_ID: 'LN-SEW-1', QSF_DATA_DIR: dataDir, QSF_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout }).on('line', (l) => l.startsWith('READY ') && resolve());
      void exited.then((code) => reject(new Error(`station exited ${code}: ${stderr.join('')}`)));
    });
    const running = modes(dataDir);
    expect(Object.keys(running)).toEqual(
      expect.arrayContaining(['station-st-sew-1.sqlite', 'station-st-sew-1.sqlite-wal', 'station-st-sew-1.sqlite-shm', 'station-key.json', 'writer.lock']),
    );
    expect(running).toEqual(allPrivate(running));
    // The folders it had to make on the way are not left open either.
    expect((statSync(join(t.dir, 'new-station')).mode & 0o777).toString(8)).toBe('700');
    child.kill('SIGKILL');
    await exited;
  }, 60_000);
});
