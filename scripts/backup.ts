/**
 * Backups from the command line (README, "Backups"):
 *   npm run backup -- server-backup  --out FILE          pg_dump of DATABASE_URL
 *   npm run backup -- server-restore --from FILE [--clean]  pg_restore into DATABASE_URL, then a new epoch
 *   npm run backup -- server-new-epoch                      after a failover to a replica
 *   npm run backup -- station-backup --data-dir DIR --out DIR    while the station runs
 *   npm run backup -- station-restore --from DIR --data-dir DIR  with the station stopped
 * Every argument is checked before anything is done; a bad one is named and nothing changes.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { backupStation, restoreStation } from '../electron/store/station-backup';
import { backupDatabase, newDatabaseEpoch, restoreDatabase } from '../sync-server/db/backup';

const Path = z.string().min(1).max(4096);
const DatabaseUrl = z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL');
const Command = z.discriminatedUnion('command', [
  z.object({ command: z.literal('server-backup'), out: Path, databaseUrl: DatabaseUrl }),
  z.object({ command: z.literal('server-restore'), from: Path, clean: z.boolean(), databaseUrl: DatabaseUrl }),
  z.object({ command: z.literal('server-new-epoch'), databaseUrl: DatabaseUrl }),
  z.object({ command: z.literal('station-backup'), dataDir: Path, out: Path }),
  z.object({ command: z.literal('station-restore'), from: Path, dataDir: Path }),
]);

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, from: { type: 'string' }, 'data-dir': { type: 'string' }, clean: { type: 'boolean', default: false } },
  });
  const parsed = Command.safeParse({ command: positionals[0], out: values.out, from: values.from, dataDir: values['data-dir'], clean: values.clean, databaseUrl: process.env.DATABASE_URL });
  if (!parsed.success) {
    console.error(`backup: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'command'}: ${i.message}`).join('; ')}`);
    console.error('usage: npm run backup -- server-backup|server-restore|server-new-epoch|station-backup|station-restore [--out P] [--from P] [--data-dir D] [--clean]');
    process.exitCode = 2;
    return;
  }
  const c = parsed.data;
  switch (c.command) {
    case 'server-backup':
      await backupDatabase(c.databaseUrl, c.out);
      console.log(`server database backed up to ${c.out}`);
      break;
    case 'server-restore':
      console.log(`restored ${c.from}; new database epoch ${await restoreDatabase(c.databaseUrl, c.from, { clean: c.clean })}: stations will pull everything again`);
      break;
    case 'server-new-epoch':
      console.log(`new database epoch ${await newDatabaseEpoch(c.databaseUrl)}`);
      break;
    case 'station-backup': {
      const m = await backupStation(c.dataDir, c.out);
      console.log(`station backed up to ${c.out} (${[...m.databases, ...m.files].join(', ')})`);
      break;
    }
    case 'station-restore': {
      const r = restoreStation(c.from, c.dataDir);
      console.log(`station restored into ${c.dataDir}${r.movedAside ? `; what was there is kept at ${r.movedAside}` : ''}`);
      break;
    }
  }
}

main().catch((err: unknown) => {
  console.error(`backup: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
