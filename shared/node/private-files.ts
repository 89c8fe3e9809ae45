/**
 * Secrets at rest. NODE ONLY (see dir-lock.ts). A station's data directory holds every operator's PIN hash (in the
 * SQLite file), the station's signing key and its sync token: readable by any other account on the PC, a 4-digit PIN
 * falls to an offline guess in a minute. So data directories are 0700 and their files 0600, enforced on every open
 * (not only at creation: directories made by older versions were 0755 with 0644 files), and independent of the
 * umask (modes are set with chmod, which the umask does not touch; creation modes alone are filtered by it).
 *
 * On Windows chmod only toggles read-only: there the profile directory's ACLs protect the data (see README).
 */
import { chmodSync, closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` if needed and makes it and what it holds owner-only: directories 0700, files 0600. `recursive`
 * walks subdirectories too (PGlite's data directory); without it only the directory's own files are fixed.
 * Symbolic links are left alone (their target may be anywhere). Throws naming the path it cannot fix.
 */
export function makePrivateDir(dir: string, opts: { recursive?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fixMode(dir, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (opts.recursive) makePrivateDir(path, opts);
    } else if (entry.isFile()) {
      fixMode(path, PRIVATE_FILE_MODE);
    }
  }
}

/** Makes an existing file 0600 if it is not; a missing file is fine (e.g. a -wal not there yet). */
export function makePrivateFile(file: string): void {
  try {
    if (lstatSync(file).isFile()) fixMode(file, PRIVATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Writes `data` to `file` atomically and privately: a fresh temp file forced to 0600 (a leftover temp file of another
 * mode is replaced, not reused), fsync, rename over `file`, fsync of the directory, so a power cut leaves the old
 * file or the new one whole, never half, and never readable by others.
 */
export function writePrivateFileAtomic(file: string, data: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    unlinkSync(tmp);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const d = openSync(dirname(file), 'r');
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // fsync on a directory is not supported everywhere (Windows): the rename is still atomic.
  }
}

function fixMode(path: string, mode: number): void {
  if ((lstatSync(path).mode & 0o777) === mode) return;
  try {
    chmodSync(path, mode);
  } catch (err) {
    throw new Error(`cannot make ${path} private (mode ${mode.toString(8)}): ${(err as Error).message}`);
  }
}
