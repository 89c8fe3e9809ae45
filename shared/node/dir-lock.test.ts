/**
 * The lock's decisions in one process: who counts as a live holder, what a refused caller leaves behind, and the
 * take-over of stale locks and stale take-over guards. Real processes (SIGKILL, racing takers) are in
 * tests/integration/one-writer.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertDirFree, DirInUseError, LOCK_FILE, lockDir, type DirLock, type DirLockHolder } from './dir-lock';

const dirs: string[] = [];
const locks: DirLock[] = [];
afterEach(() => {
  for (const l of locks.splice(0)) l.release();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'qsf-lock-'));
  dirs.push(d);
  return d;
}

function take(dir: string, purpose = 'test'): DirLock {
  const l = lockDir(dir, { purpose });
  locks.push(l);
  return l;
}

/** A pid that existed a moment ago and has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '']).pid;
  if (!pid) throw new Error('no pid');
  return pid;
}

function holder(over: Partial<DirLockHolder>): DirLockHolder {
  return { pid: deadPid(), host: hostname(), since: '2024-01-02T03:04:05.000Z', purpose: 'old core', nonce: randomUUID(), ...over };
}

function writeLock(file: string, h: DirLockHolder | string): void {
  writeFileSync(file, typeof h === 'string' ? h : JSON.stringify(h));
}

function snapshot(dir: string): string {
  return JSON.stringify({
    dir: statSync(dir).mtimeMs,
    entries: readdirSync(dir)
      .sort()
      .map((n) => {
        const st = statSync(join(dir, n));
        return [n, st.ino, st.size, st.mtimeMs, st.mode];
      }),
  });
}

const hasProc = existsSync('/proc/self/stat');

describe('lockDir', () => {
  it('refuses a second holder while the first lives, naming pid, host and since, and writes nothing', () => {
    const dir = temp();
    const first = take(dir, 'station core ST-CUT-1');
    const before = snapshot(dir);
    let err: unknown;
    try {
      lockDir(dir, { purpose: 'another' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DirInUseError);
    const msg = (err as Error).message;
    expect(msg).toContain(`pid ${process.pid}, this process`);
    expect(msg).toContain(`on host ${hostname()}`);
    expect(msg).toContain(`since ${first.holder.since}`);
    expect(msg).toContain('station core ST-CUT-1');
    expect(() => assertDirFree(dir)).toThrow(DirInUseError);
    expect(snapshot(dir)).toBe(before);
  });

  it('creates a missing directory 0700 and is free again after release', () => {
    const dir = join(temp(), 'a', 'station');
    const l = take(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(l.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    l.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => assertDirFree(dir)).not.toThrow();
    take(dir);
  });

  it('a refused caller does not create the directory of a missing path either', () => {
    const parent = temp();
    expect(() => assertDirFree(join(parent, 'nope'))).not.toThrow();
    expect(readdirSync(parent)).toEqual([]);
  });

  it('takes over the lock of a process that is gone', () => {
    const dir = temp();
    const file = join(dir, LOCK_FILE);
    writeLock(file, holder({}));
    const l = take(dir);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, nonce: l.holder.nonce });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // no temp files or guards left
  });

  it('takes over a damaged lock file (not one this code wrote)', () => {
    const dir = temp();
    writeLock(join(dir, LOCK_FILE), '{"pid": 12');
    expect(take(dir).holder.pid).toBe(process.pid);
  });

  it.runIf(hasProc)('a live pid that is another process now (pid reused) or a lock from before a reboot is stale', () => {
    const dir = temp();
    const file = join(dir, LOCK_FILE);
    // The parent lives, but it is not the process that wrote this lock: it started at another time.
    writeLock(file, holder({ pid: process.ppid, startTicks: '1', bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }));
    take(dir).release();
    writeLock(file, holder({ pid: process.ppid, bootId: 'another-boot' }));
    take(dir).release();
    // The same live parent without those marks: alive, refused.
    writeLock(file, holder({ pid: process.ppid }));
    expect(() => lockDir(dir, { purpose: 'x' })).toThrow(/pid \d+ on host/);
  });

  it('never takes over a holder on another host, and says how to clear it', () => {
    const dir = temp();
    writeLock(join(dir, LOCK_FILE), holder({ host: 'other-pc', pid: 1 }));
    expect(() => lockDir(dir, { purpose: 'x' })).toThrow(/on host other-pc since .*delete .*writer\.lock/);
  });

  it('reaps the guard of a taker that was killed while taking over, and tidies its leftovers', () => {
    const dir = temp();
    const file = join(dir, LOCK_FILE);
    const stale = holder({});
    writeLock(file, stale);
    const reaper = holder({});
    writeLock(`${file}.reap-${stale.nonce}`, reaper);
    writeLock(`${file}.${reaper.nonce}.tmp`, reaper);
    const l = take(dir);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ nonce: l.holder.nonce });
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('release leaves a lock that is no longer ours alone', () => {
    const dir = temp();
    const l = take(dir);
    const other = holder({ host: 'other-pc' });
    writeLock(l.file, other);
    l.release();
    expect(JSON.parse(readFileSync(l.file, 'utf8'))).toMatchObject({ nonce: other.nonce });
  });
});

describe('shared/node stays out of the browser bundle', () => {
  // (shared/security/pin.ts is node-only on its own account, for scrypt; this checks only that nothing outside
  // shared/node pulls these node:fs modules in.)
  it('no shared module outside shared/node imports it', () => {
    const root = join(import.meta.dirname, '..');
    const offenders: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) {
          if (p !== import.meta.dirname) walk(p);
        } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
          const src = readFileSync(p, 'utf8');
          if (/from ['"][./]+\/node\//.test(src)) offenders.push(p);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
