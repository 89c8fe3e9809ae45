import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from './types';

export interface Migration {
  id: number;
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

/** Any fixed number: every server instance must use the same one so concurrent starts queue on it. */
const MIGRATION_LOCK_KEY = 7_270_010_001;

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const seen = new Set<number>();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE.exec(file);
    if (!m?.[1] || !m[2]) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
    const id = Number(m[1]);
    if (seen.has(id)) throw new Error(`two migrations numbered ${m[1]}`);
    seen.add(id);
    const sql = await readFile(join(dir, file), 'utf8');
    out.push({ id, name: m[2], sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  return out;
}

export class MigrationError extends Error {}

/**
 * Applies the pending migrations in order, all in ONE transaction: either the schema moves to the new version
 * completely or not at all. `pg_advisory_xact_lock` makes a second server starting at the same moment wait and then
 * find everything applied (released automatically at commit or rollback).
 * A migration that was applied and whose file has changed since is an error: the database no longer matches
 * what the code believes it is, and silently re-running or ignoring it would hide that.
 */
export async function migrate(db: Db, dir: string = MIGRATIONS_DIR): Promise<{ applied: string[] }> {
  const migrations = await loadMigrations(dir);
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await q.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const rows = await q.query<{ id: number; name: string; checksum: string }>(
      'SELECT id, name, checksum FROM schema_migrations ORDER BY id',
    );
    const byId = new Map(migrations.map((m) => [m.id, m]));
    for (const row of rows) {
      const file = byId.get(row.id);
      if (!file) throw new MigrationError(`migration ${row.id} (${row.name}) is applied but its file is missing`);
      if (file.checksum !== row.checksum) {
        throw new MigrationError(`migration ${row.id}_${row.name} changed after it was applied (checksum mismatch)`);
      }
    }
    const done = new Set(rows.map((r) => r.id));
    const applied: string[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await q.exec(m.sql);
      await q.query('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [m.id, m.name, m.checksum]);
      applied.push(`${String(m.id).padStart(4, '0')}_${m.name}`);
    }
    return { applied };
  });
}
