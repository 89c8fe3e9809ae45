/**
 * Backups (issue 16): the central database and a station's database both restored from their backups, taken at
 * different moments, with the tools the README documents (sync-server/db/backup.ts, electron/store/station-backup.ts,
 * `npm run backup`). The station's backup is taken while it runs and is older than the server's; the server's
 * restore goes into the database it used (`--clean`, a new epoch) and the office works before the station is back.
 * (A station whose checkpoint is newer than the server's backup: tests/integration/server-restore.test.ts.)
 * Afterwards: the station has what the restored
 * server has (its own later events come back by pull), no seq the server holds is used again, new work is applied,
 * and every event on the server is there once. Needs real PostgreSQL (pg_dump / pg_restore; TEST_DATABASE_URL).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { backupStation, readBackup, restoreStation, StationBackupError } from '../../electron/store/station-backup';
import { SSCC_LEASE_FILE } from '../../electron/sync/sscc-lease-book';
import { startSync } from '../../electron/sync';
import { backupDatabase, DatabaseBackupError, restoreDatabase } from '../../sync-server/db/backup';
import { createPgDb } from '../../sync-server/db/pg';
import { createTestDb } from '../../sync-server/db/testing';
import type { Db } from '../../sync-server/db/types';
import { adminPoster, listenOn } from '../../sync-server/testing';
import { createTcpProxy } from './tcp-proxy';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


describe.skipIf(!process.env.TEST_DATABASE_URL)('backups: the central database and a station restored together', () => {
  it('converge: the station gets back what the restored server has, no seq reused, new work applied once', async () => {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    if (!t.url) throw new Error('needs a PostgreSQL url');
    const url = t.url;
    let db: Db = createPgDb({ connectionString: url, max: 5 });
    cleanups.push(() => db.close());
    let server = await listenOn(db);
    cleanups.push(() => server.app.close());
    const proxy = await createTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const post = adminPoster(proxy.url);
    await post('/api/operators', { id: 'OP-CUT1', name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
    const M = mo(61, { quantity: 1_000 });
    await post('/api/manufacturing-orders', M);
    const W = workOrderIdFor(M.id, 'cutting');
    const { code } = await post('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });

    const tmp = tempDir('qsf-backup-');
    cleanups.push(tmp.cleanup);
    const stationDir = join(tmp.dir, 'station');
    const config = (enrollmentCode?: string) => stationConfig('cutting', stationDir, { serverUrl: proxy.url, ...(enrollmentCode ? { enrollmentCode } : {}) });
    const serverCut = async () => (await db.query<{ n: number | null }>("SELECT (body->'stageQty'->>'cut')::int AS n FROM documents WHERE kind = 'workOrder' AND id = $1", [W]))[0]?.n ?? 0;

    let core = await StationCore.open(config(String(code)));
    let sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 300 }, streamIdleTimeoutMs: 3_000, requestTimeoutMs: 3_000 });
    const cut = (n: number) => core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: W, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: n } } });
    await sync.awaitInSync(30_000);
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    await cut(3);
    await sync.awaitInSync(30_000);

    // The station's backup, taken while it runs (3 pieces); the lease book never goes into one.
    const stationBackup = join(tmp.dir, 'station-backup');
    const manifest = await backupStation(stationDir, stationBackup);
    expect(manifest.databases.length).toBeGreaterThan(0);
    expect(readBackup(stationBackup)).toEqual(manifest);
    expect(readdirSync(stationBackup)).not.toContain(SSCC_LEASE_FILE);
    await expect(backupStation(stationDir, stationBackup), 'a backup never overwrites another').rejects.toThrow(StationBackupError);

    await cut(2);
    await sync.awaitInSync(30_000);
    // The server's backup (5 pieces), then work both will lose (the station's folder is kept aside, see below).
    const serverBackup = join(tmp.dir, 'server.dump');
    await backupDatabase(url, serverBackup);
    await expect(backupDatabase(url, serverBackup)).rejects.toThrow(DatabaseBackupError);
    await cut(4);
    await sync.awaitInSync(30_000);
    expect(await serverCut()).toBe(9);

    // Both machines lost: everything stops, both are restored.
    await sync.stop();
    await core.close();
    await server.app.close();
    await db.close();
    const epoch = await restoreDatabase(url, serverBackup, { clean: true });
    expect(epoch).toMatch(/^[0-9a-f-]{36}$/);
    db = createPgDb({ connectionString: url, max: 5 });
    expect(await serverCut()).toBe(5);
    const [station] = await db.query<{ last_applied_seq: number }>("SELECT last_applied_seq FROM station_progress WHERE station_id = 'ST-CUT-1'");
    const serverSeq = station?.last_applied_seq ?? 0;
    // The office works before the station is back (change numbers handed out).
    await db.query('UPDATE change_counter SET value = value + 1000');
    const restored = restoreStation(stationBackup, stationDir);
    expect(restored.movedAside && existsSync(restored.movedAside), 'the lost station folder is kept, not deleted').toBeTruthy();

    server = await listenOn(db);
    proxy.setTarget(server.port);
    core = await StationCore.open(config());
    expect(core.state.workOrder[W]?.stageQty.cut, 'the station backup had 3').toBe(3);
    sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 300 }, streamIdleTimeoutMs: 3_000, requestTimeoutMs: 3_000 });
    cleanups.push(() => sync.stop(), () => core.close());
    await sync.awaitInSync(30_000);
    expect(core.state.workOrder[W]?.stageQty.cut, 'the station has what the restored server has').toBe(5);

    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    await cut(1);
    await sync.awaitInSync(30_000);
    expect(core.lastSequence, 'no seq the server holds is used again').toBeGreaterThan(serverSeq);
    expect(core.view().refused).toEqual([]);
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(6);
    expect(await serverCut()).toBe(6);
    const [events] = await db.query<{ n: number; applied: number; seqs: number }>(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE status = 'applied')::int AS applied, count(DISTINCT seq)::int AS seqs FROM events WHERE station_id = 'ST-CUT-1'",
    );
    expect(events).toEqual({ n: core.lastSequence, applied: core.lastSequence, seqs: core.lastSequence });
  }, 120_000);

  it('a station restore is refused while a core holds the folder; a damaged backup is refused; nothing changes', async () => {
    const tmp = tempDir('qsf-backup-refuse-');
    cleanups.push(tmp.cleanup);
    const stationDir = join(tmp.dir, 'station');
    const core = await StationCore.open(stationConfig('cutting', stationDir, { stationId: 'ST-CUT-2', lineId: 'LN-CUT-2' }));
    cleanups.push(() => core.close());
    const backup = join(tmp.dir, 'b');
    await backupStation(stationDir, backup);
    const before = readdirSync(stationDir).sort();
    expect(() => restoreStation(backup, stationDir)).toThrow(/in use|held|holds/i);
    expect(readdirSync(stationDir).sort()).toEqual(before);
    expect(() => restoreStation(join(tmp.dir, 'nowhere'), join(tmp.dir, 'other'))).toThrow(StationBackupError);
    expect(existsSync(join(tmp.dir, 'other'))).toBe(false);
  });
});
