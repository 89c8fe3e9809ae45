/**
 * The central database's backup and restore (issue 16, "Backups"): `pg_dump -Fc` of DATABASE_URL into one file, and
 * `pg_restore` of such a file into a database, in one transaction, followed by a new database epoch (migration 0012):
 * every station's pull checkpoint names the old epoch, so each finds out that the database it pulled from is gone,
 * pulls everything again and re-sends what the restored database lost (docs/sync-protocol.md, "A server that went
 * back"), whatever change numbers the restored server hands out before a station reconnects.
 *
 * Restore into an empty database (CREATE DATABASE …), or with `clean` into the one the server used (its objects are
 * dropped first). Stop the sync servers on it first.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export class DatabaseBackupError extends Error {}

async function tool(cmd: 'pg_dump' | 'pg_restore', args: string[]): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new DatabaseBackupError(`${cmd} is not installed (Debian: apt-get install postgresql-client)`);
    throw new DatabaseBackupError(`${cmd} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Writes a custom-format dump of the database at `url` to `file`. */
export async function backupDatabase(url: string, file: string): Promise<void> {
  if (existsSync(file)) throw new DatabaseBackupError(`${file} exists already: a backup goes into a new file`);
  await tool('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${url}`]);
}

/** Restores `file` into the database at `url` (one transaction), then gives it a new epoch; returns the epoch. */
export async function restoreDatabase(url: string, file: string, opts: { clean?: boolean } = {}): Promise<string> {
  if (!existsSync(file)) throw new DatabaseBackupError(`no backup file at ${file}`);
  await tool('pg_restore', ['--no-owner', '--single-transaction', '--exit-on-error', ...(opts.clean ? ['--clean', '--if-exists'] : []), `--dbname=${url}`, file]);
  return newDatabaseEpoch(url);
}

/**
 * Gives the database a new epoch. Part of every restore (above) and of a failover to a replica (run it on the
 * promoted database before the sync servers connect to it).
 */
export async function newDatabaseEpoch(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ epoch: string }>('UPDATE database_epoch SET epoch = gen_random_uuid() RETURNING epoch::text AS epoch');
    const epoch = r.rows[0]?.epoch;
    if (!epoch) throw new DatabaseBackupError('the database has no epoch row (is it a Quty Shop Floor database, migrated?)');
    return epoch;
  } finally {
    await client.end();
  }
}
