/** Owner-only modes whatever the umask, also for what older versions left 0644/0755. */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePrivateDir, makePrivateFile, writePrivateFileAtomic } from './private-files';

const root = mkdtempSync(join(tmpdir(), 'qsf-private-'));
let umask = 0;
// The loosest umask: whatever is created must still come out owner-only. (Tests run in forked processes, where
// process.umask can be set.)
beforeAll(() => {
  umask = process.umask(0);
});
afterAll(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('private files', () => {
  it('makePrivateDir creates 0700 and fixes an older 0755 folder with 0644 files', () => {
    const fresh = join(root, 'fresh', 'station');
    makePrivateDir(fresh);
    expect(mode(fresh)).toBe('700');

    const old = join(root, 'old');
    mkdirSync(join(old, 'sub'), { recursive: true, mode: 0o755 });
    chmodSync(old, 0o755);
    writeFileSync(join(old, 'station.sqlite'), 'x', { mode: 0o644 });
    writeFileSync(join(old, 'sub', 'deep'), 'x', { mode: 0o666 });
    const outside = join(root, 'outside');
    writeFileSync(outside, 'x', { mode: 0o644 });
    symlinkSync(outside, join(old, 'link'));

    makePrivateDir(old);
    expect([mode(old), mode(join(old, 'station.sqlite'))]).toEqual(['700', '600']);
    expect(mode(join(old, 'sub', 'deep'))).toBe('666'); // not recursive unless asked
    expect(mode(outside)).toBe('644'); // a link's target is not ours to change
    makePrivateDir(old, { recursive: true });
    expect([mode(join(old, 'sub')), mode(join(old, 'sub', 'deep'))]).toEqual(['700', '600']);
  });

  it('writePrivateFileAtomic writes 0600 under umask 0, also over a leftover 0666 temp file and an older 0644 file', () => {
    const file = join(root, 'sync-token.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    writeFileSync(`${file}.${process.pid}.tmp`, 'half', { mode: 0o666 });
    writePrivateFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(mode(file)).toBe('600');
  });

  it('makePrivateFile fixes a file and ignores a missing one', () => {
    const file = join(root, 'db-wal');
    writeFileSync(file, '', { mode: 0o644 });
    makePrivateFile(file);
    expect(mode(file)).toBe('600');
    expect(() => makePrivateFile(join(root, 'missing-shm'))).not.toThrow();
  });
});
