import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, loadMigrations, migrate } from './migrate';
import { createTestDb, type TestDb } from './testing';

let t: TestDb;
let dir: string;
beforeAll(async () => {
  t = await createTestDb();
  dir = await mkdtemp(join(tmpdir(), 'qsf-mig-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
});
afterAll(async () => {
  await t?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies the whole chain on an empty database', async () => {
    const all = await loadMigrations(dir);
    const { applied } = await migrate(t.db, dir);
    expect(applied).toHaveLength(all.length);
    const tables = await t.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((r) => r.table_name)).toEqual(
      expect.arrayContaining(['change_counter', 'documents', 'enrollment_codes', 'events', 'schema_migrations', 'station_progress', 'stations']),
    );
    const recorded = await t.db.query<{ id: number; checksum: string }>('SELECT id, checksum FROM schema_migrations');
    expect(recorded.map((r) => r.id)).toEqual(all.map((m) => m.id));
  });

  it('is idempotent', async () => {
    expect((await migrate(t.db, dir)).applied).toEqual([]);
  });

  it('applies a new migration after the recorded ones', async () => {
    await writeFile(join(dir, '9001_extra.sql'), 'CREATE TABLE extra_table (x int);');
    expect((await migrate(t.db, dir)).applied).toEqual(['9001_extra']);
  });

  it('refuses a migration whose file changed after it was applied, and changes nothing', async () => {
    await appendFile(join(dir, '9001_extra.sql'), '\n-- edited');
    await writeFile(join(dir, '9002_more.sql'), 'CREATE TABLE more_table (x int);');
    await expect(migrate(t.db, dir)).rejects.toThrow(/9001_extra changed after it was applied/);
    const more = await t.db.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'more_table'`);
    expect(more).toEqual([]);
  });

  it('refuses a bad file name', async () => {
    const bad = await mkdtemp(join(tmpdir(), 'qsf-mig-bad-'));
    await writeFile(join(bad, 'init.sql'), 'SELECT 1;');
    await expect(loadMigrations(bad)).rejects.toThrow(/0001_name\.sql/);
    await rm(bad, { recursive: true, force: true });
  });

  it.runIf(process.env.TEST_DATABASE_URL)('lets two servers start at once on one database', async () => {
    const fresh = await createTestDb();
    try {
      const other = await fresh.openAnother();
      const [a, b] = await Promise.all([migrate(fresh.db), migrate(other)]);
      expect([a.applied.length, b.applied.length].sort()).toEqual([0, (await loadMigrations()).length]);
    } finally {
      await fresh.cleanup();
    }
  });
});
