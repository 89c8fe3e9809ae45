/**
 * A station's backup and restore (issue 16, "Backups"). A backup is a folder: each SQLite file copied by SQLite's
 * online backup API (a consistent snapshot even while the station core writes), the station's small files (signing
 * key, sync token, PIN guard), and `backup.json` naming what is in it. Taken while the station runs.
 *
 * Never in a backup: the writer lock, SQLite's -wal/-shm/-journal side files (the backup API already folded them in),
 * temp files, and the SSCC lease book (`sscc-leases.json`): an older book would hand out carton numbers that were
 * printed after the backup. A restored packing station starts with an empty book and leases a fresh block when online
 * (the server's counter only grows); numbers left unused in the old book are gaps, which GS1 allows.
 *
 * A restore puts the backup into the station's data folder while no core holds it. A folder that already holds a
 * station is moved aside (`<dataDir>.before-restore-<time>`), never deleted: nothing confirmed is thrown away. What
 * the station recorded after the backup and had sent is on the server and comes back by pull, and no seq the server
 * holds is used again (tests/fault/station-copy.test.ts, tests/fault/backup-restore.test.ts).
 */
import { closeSync, copyFileSync, existsSync, openSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { assertDirFree, LOCK_FILE } from '../../shared/node/dir-lock';
import { makePrivateDir, makePrivateFile, writePrivateFileAtomic } from '../../shared/node/private-files';
import { SSCC_LEASE_FILE } from '../sync/sscc-lease-book';

export const BACKUP_MANIFEST = 'backup.json';

const FileName = z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'a plain file name');
export const BackupManifest = z
  .object({
    v: z.literal(1),
    takenAt: z.iso.datetime(),
    /** SQLite databases (copied by the backup API) and the other files, by name. */
    databases: z.array(FileName).min(1).max(100),
    files: z.array(FileName).max(100),
  })
  .strict();
export type BackupManifest = z.infer<typeof BackupManifest>;

export class StationBackupError extends Error {}

const NEVER = (name: string) =>
  name === LOCK_FILE || name === SSCC_LEASE_FILE || name === BACKUP_MANIFEST || /-(wal|shm|journal)$/.test(name) || /\.tmp(\.|$)/.test(name) || name.startsWith('.');

function listDataDir(dataDir: string): { databases: string[]; files: string[] } {
  const databases: string[] = [];
  const files: string[] = [];
  for (const name of readdirSync(dataDir).sort()) {
    if (NEVER(name) || !statSync(join(dataDir, name)).isFile()) continue;
    if (!FileName.safeParse(name).success) continue;
    (name.endsWith('.sqlite') ? databases : files).push(name);
  }
  return { databases, files };
}

/** Backs the station in `dataDir` up into the new folder `outDir` (it must not exist yet). */
export async function backupStation(dataDir: string, outDir: string, now: () => Date = () => new Date()): Promise<BackupManifest> {
  const from = resolve(dataDir);
  const to = resolve(outDir);
  if (!existsSync(from)) throw new StationBackupError(`no station data folder at ${from}`);
  if (existsSync(to)) throw new StationBackupError(`${to} exists already: a backup goes into a new folder`);
  const { databases, files } = listDataDir(from);
  if (databases.length === 0) throw new StationBackupError(`${from} holds no station database (*.sqlite)`);
  makePrivateDir(to, { recursive: true });
  for (const name of databases) {
    const db = new Database(join(from, name), { readonly: true, fileMustExist: true });
    try {
      closeSync(openSync(join(to, name), 'wx', 0o600)); // owner-only from its first byte (it holds PIN hashes)
      await db.backup(join(to, name));
    } finally {
      db.close();
    }
  }
  for (const name of files) {
    copyFileSync(join(from, name), join(to, name));
    makePrivateFile(join(to, name));
  }
  const manifest: BackupManifest = { v: 1, takenAt: now().toISOString(), databases, files };
  writePrivateFileAtomic(join(to, BACKUP_MANIFEST), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** Reads and checks a backup folder's manifest: every file it names is there, and each database is intact. */
export function readBackup(backupDir: string): BackupManifest {
  const dir = resolve(backupDir);
  const file = join(dir, BACKUP_MANIFEST);
  if (!existsSync(file)) throw new StationBackupError(`${dir} is not a station backup (no ${BACKUP_MANIFEST})`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new StationBackupError(`${file} is not JSON`);
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) throw new StationBackupError(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const name of [...parsed.data.databases, ...parsed.data.files]) {
    if (!existsSync(join(dir, name))) throw new StationBackupError(`the backup lacks ${name}, which its manifest names`);
  }
  for (const name of parsed.data.databases) {
    const db = new Database(join(dir, name), { readonly: true, fileMustExist: true });
    try {
      const rows = db.pragma('integrity_check') as { integrity_check: string }[];
      if (rows[0]?.integrity_check !== 'ok') throw new StationBackupError(`${name} in the backup is damaged: ${rows.map((r) => r.integrity_check).join('; ')}`);
    } finally {
      db.close();
    }
  }
  return parsed.data;
}

/**
 * Restores `backupDir` into `dataDir`. Refused while a process holds the folder. A folder that holds a station is
 * moved aside (its new path is returned), never deleted.
 */
export function restoreStation(backupDir: string, dataDir: string, now: () => Date = () => new Date()): { movedAside: string | null; manifest: BackupManifest } {
  const manifest = readBackup(backupDir);
  const to = resolve(dataDir);
  let movedAside: string | null = null;
  if (existsSync(to)) {
    assertDirFree(to);
    if (readdirSync(to).length > 0) {
      movedAside = `${to}.before-restore-${now().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(to, movedAside);
    }
  }
  makePrivateDir(to, { recursive: true });
  for (const name of [...manifest.databases, ...manifest.files]) {
    copyFileSync(join(resolve(backupDir), name), join(to, name));
    makePrivateFile(join(to, name));
  }
  return { movedAside, manifest };
}
