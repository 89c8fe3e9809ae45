/**
 * One writer per data directory. NODE ONLY: shared/node/ holds the few node:fs helpers every process needs (station
 * core, `npm start`, sync server); shared's pure modules never import from here, because they are also bundled for
 * the browser (a test in this folder checks that).
 *
 * Why: two processes on one station directory each number their own events from the same last seq, so one station
 * ends up with two different events at seq 12 (seen with two `npm start`s on one QSF_FLOOR_DIR). SQLite's own locks
 * only serialise single transactions; they do not stop a second core from starting.
 *
 * How: `<dir>/writer.lock` holds the holder's pid, host, start time and a nonce. It is created whole (a private temp
 * file, fsynced, then `link()`ed to the name, which fails if the name exists), so nobody ever reads half a lock.
 * A lock whose holder is gone (same host, and the pid is not running, is a zombie, is a different process that
 * reused the pid, or ran before the last reboot) is stale and is taken over; a holder on another host cannot be
 * checked from here and is always refused. Taking over must not let two racing takers both win, and a plain
 * "rename a fresh file over it" would let both win one after the other, so a taker first claims a guard named after
 * the stale lock's own nonce (`writer.lock.reap-<nonce>`, the same link-based claim): only one process can hold the
 * guard of a given stale lock, and it replaces the lock (rename) only if the lock is still that stale one. A taker
 * killed while holding a guard leaves a stale guard, which the next taker reaps the same way, one level down.
 *
 * A refused process writes nothing: the lock is read before any temp file or directory is created.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const LOCK_FILE = 'writer.lock';

const Holder = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  since: z.string(),
  /** What holds it, for the message: "station core ST-CUT-1", "npm start (floor)", … */
  purpose: z.string(),
  /** Unique per lock: names the guard that takes this lock over. */
  nonce: z.string().regex(/^[0-9a-f-]{36}$/),
  /** Linux: the kernel's boot id and the holder's start time (clock ticks since boot), against pid reuse. */
  bootId: z.string().optional(),
  startTicks: z.string().optional(),
});
export type DirLockHolder = z.infer<typeof Holder>;

/** The directory is held by a live process (or one on another host, which cannot be checked from here). */
export class DirInUseError extends Error {
  readonly code = 'DIR_IN_USE';
  constructor(
    readonly dir: string,
    readonly holder: DirLockHolder,
    readonly lockFile: string,
  ) {
    const self = holder.host === hostname() && holder.pid === process.pid ? ', this process' : '';
    const hint =
      holder.host === hostname()
        ? 'stop that process first'
        : `stop it there; only if ${holder.host} is gone for good, delete ${lockFile}`;
    super(`${dir} is in use by ${holder.purpose} (pid ${holder.pid}${self} on host ${holder.host} since ${holder.since}): ${hint}`);
    this.name = 'DirInUseError';
  }
}

export interface DirLock {
  readonly dir: string;
  readonly file: string;
  readonly holder: DirLockHolder;
  /** Removes the lock if it is still ours. Idempotent; also runs at process exit. */
  release(): void;
}

type Seen =
  | { kind: 'absent' }
  | { kind: 'held'; holder: DirLockHolder; identity: string }
  /** Not a lock this code wrote (hand-edited, truncated): stale, identified by its inode. */
  | { kind: 'damaged'; identity: string };

/** A taker waits this long at most for another live taker's guard (its critical section is a few syscalls). */
const GUARD_WAIT_MS = 5000;
/** Levels of stale guards (takers killed while taking over) reaped before giving up. */
const MAX_DEPTH = 6;

const held = new Set<DirLock>();
let exitHookInstalled = false;

/**
 * Throws DirInUseError if a live process holds `dir`; reads only (creates nothing), so a caller can check before it
 * makes anything else (a port, a folder).
 */
export function assertDirFree(dir: string): void {
  const abs = resolve(dir);
  const file = join(abs, LOCK_FILE);
  const seen = readLock(file);
  if (seen.kind === 'held' && holderAlive(seen.holder)) throw new DirInUseError(abs, seen.holder, file);
}

/**
 * Takes `dir` for this process (creating it 0700 if missing) or throws DirInUseError naming the live holder.
 * Held until release() or process exit; a process killed with SIGKILL leaves a lock the next taker finds stale.
 */
export interface LockDirOptions {
  /** What holds it, for the message another process gets: "station core ST-CUT-1". */
  purpose: string;
  /**
   * Called after a lock was judged stale and before taking it over. Tests pause here so that racing takers all
   * judge the same lock stale before any of them replaces it (the window a naive take-over loses in).
   */
  onStale?: () => void;
}

export function lockDir(dir: string, opts: LockDirOptions): DirLock {
  const abs = resolve(dir);
  const file = join(abs, LOCK_FILE);
  // Look before writing anything: a refused process leaves the directory exactly as it found it.
  assertDirFree(abs);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  const me: DirLockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    purpose: opts.purpose,
    nonce: randomUUID(),
    ...linuxIdentity(process.pid),
  };
  const tmp = join(abs, `${LOCK_FILE}.${me.nonce}.tmp`);
  writeWhole(tmp, `${JSON.stringify(me)}\n`);
  try {
    claim(abs, file, tmp, 0, Date.now() + GUARD_WAIT_MS, opts.onStale);
  } finally {
    unlinkQuiet(tmp);
  }
  fsyncDir(abs);
  tidy(abs);
  let released = false;
  const lock: DirLock = {
    dir: abs,
    file,
    holder: me,
    release() {
      if (released) return;
      released = true;
      held.delete(lock);
      const seen = readLock(file);
      // Only our own: a lock someone took over from us (we looked dead to them) is theirs now.
      if (seen.kind === 'held' && seen.holder.nonce === me.nonce) unlinkQuiet(file);
    },
  };
  held.add(lock);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A clean exit (process.exit, end of the event loop) leaves no lock behind; a kill leaves a stale one.
    process.once('exit', () => {
      for (const l of [...held]) l.release();
    });
  }
  return lock;
}

/** Link `tmp` (our whole record) to `path`, taking over a stale holder; throws DirInUseError for a live one. */
function claim(dir: string, path: string, tmp: string, depth: number, deadline: number, onStale?: () => void): void {
  for (;;) {
    try {
      linkSync(tmp, path);
      return;
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
    }
    const seen = readLock(path);
    if (seen.kind === 'absent') continue; // released between our link and our read: try again
    if (seen.kind === 'held' && holderAlive(seen.holder)) throw new DirInUseError(dir, seen.holder, path);
    if (depth >= MAX_DEPTH) throw new Error(`${path}: too many stale take-over guards; remove ${path}.reap-* by hand`);
    onStale?.();
    const guard = `${path}.reap-${seen.identity}`;
    try {
      claim(dir, guard, tmp, depth + 1, deadline, onStale);
    } catch (err) {
      if (!(err instanceof DirInUseError)) throw err;
      // Another live process is taking this stale lock over right now; it will hold the lock in a moment (then we
      // are refused), or die and leave its guard stale (then we reap that).
      if (Date.now() > deadline) throw err;
      sleepSync(10);
      continue;
    }
    try {
      const again = readLock(path);
      if (again.kind !== 'absent' && again.identity === seen.identity) {
        // A fresh name for our record, renamed over the stale lock: atomic, and `tmp` stays for the outer levels.
        const src = `${tmp}.${depth}`;
        unlinkQuiet(src);
        linkSync(tmp, src);
        renameSync(src, path);
        return;
      }
      // Released or taken over while we got the guard: start over with what is there now.
    } finally {
      unlinkQuiet(guard);
    }
  }
}

function readLock(path: string): Seen {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (errno(err) === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(Math.min(st.size, 4096));
    const n = readSync(fd, buf, 0, buf.length, 0);
    let parsed: ReturnType<typeof Holder.safeParse> | undefined;
    try {
      parsed = Holder.safeParse(JSON.parse(buf.subarray(0, n).toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) return { kind: 'held', holder: parsed.data, identity: parsed.data.nonce };
    return { kind: 'damaged', identity: `ino${st.ino}-${Math.trunc(st.mtimeMs)}` };
  } finally {
    closeSync(fd);
  }
}

/** Could this holder still be running? Unknown (another host) counts as running. */
export function holderAlive(h: DirLockHolder): boolean {
  if (h.host !== hostname()) return true;
  const now = linuxIdentity(h.pid);
  if (h.bootId && now.bootId && h.bootId !== now.bootId) return false; // written before the last reboot
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if (errno(err) === 'ESRCH') return false;
    // EPERM: it exists, owned by someone else.
  }
  if (now.zombie) return false; // killed, not yet reaped by its parent: it will never write again
  if (h.startTicks && now.startTicks && h.startTicks !== now.startTicks) return false; // the pid was reused
  return true;
}

let bootIdCache: string | null | undefined;

/** Boot id and a process's start time from /proc (Linux); empty elsewhere. */
function linuxIdentity(pid: number): { bootId?: string; startTicks?: string; zombie?: boolean } {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootIdCache = null;
    }
  }
  if (bootIdCache === null) return {};
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19]; // field 22 of proc(5), starttime
    return { bootId: bootIdCache, ...(startTicks ? { startTicks } : {}), zombie: fields[0] === 'Z' };
  } catch {
    return { bootId: bootIdCache };
  }
}

/** Removes leftovers of takers that died mid-way (temp records, guards) whose writer is gone. Best effort. */
function tidy(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${LOCK_FILE}.`)) continue;
    const seen = readLock(join(dir, name));
    if (seen.kind === 'held' && !holderAlive(seen.holder)) unlinkQuiet(join(dir, name));
  }
}

function writeWhole(file: string, data: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not supported everywhere (Windows); the link itself is atomic.
  }
}

function unlinkQuiet(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
