/**
 * The server's database restored from a backup (or failed over to a replica that had not seen everything): its
 * change numbers go back, and what stations pushed after the restore point is gone from it. A station notices (its
 * pull checkpoint is above the server's head), pulls everything again, takes the server's older progress back and
 * re-sends the events the server lost; nothing is counted twice on the way. Needs real PostgreSQL (pg_dump /
 * pg_restore; TEST_DATABASE_URL, CI sets it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { StationCore } from '../../electron/core/station-core';
import { TEST_PIN, stationConfig, tempDir } from '../../electron/core/testing';
import { startSync, type Fetch } from '../../electron/sync';
import { createPgDb } from '../../sync-server/db/pg';
import { createTestDb } from '../../sync-server/db/testing';
import type { Db } from '../../sync-server/db/types';
import { adminPoster, listenOn } from '../../sync-server/testing';
import { createTcpProxy } from '../fault/tcp-proxy';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


async function until(what: string, ok: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('a server restored from a backup', () => {
  it.each([
    ['a backup taken after the station pushed', 3, false],
    ['a backup taken before its first push (the server has no progress for it)', 0, false],
    // Its change numbers are then above the station's checkpoint: only the database epoch in the checkpoint tells.
    ['the restored server handed out more change numbers than the station had seen before it reconnected', 3, true],
  ])('stations notice it went back, pull everything again and re-send what it lost, never counted twice: %s', async (_, before, renumbered) => {
    const t = await createTestDb();
    cleanups.push(() => t.cleanup());
    if (!t.url) throw new Error('needs a PostgreSQL url');
    let server = await listenOn(t.db);
    cleanups.push(() => server.app.close());
    const proxy = await createTcpProxy(server.port);
    cleanups.push(() => proxy.close());
    const post = adminPoster(proxy.url);
    await post('/api/operators', { id: 'OP-CUT1', name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: TEST_PIN });
    const M = mo(1, { quantity: 100 });
    await post('/api/manufacturing-orders', M);
    const W = workOrderIdFor(M.id, 'cutting');
    const { code } = await post('/api/enrollment-codes', { stationId: 'ST-CUT-1', department: 'cutting' });

    const tmp = tempDir('qsf-restore-');
    cleanups.push(tmp.cleanup);
    const core = await StationCore.open(stationConfig('cutting', tmp.dir, { serverUrl: proxy.url, enrollmentCode: String(code) }));
    cleanups.push(() => core.close());
    const seen: (number | undefined)[] = [];
    let rewinds = 0;
    core.subscribe('view', () => undefined);
    const original = core.applyPulled.bind(core);
    core.applyPulled = async (...args: Parameters<StationCore['applyPulled']>) => {
      const rewound = await original(...args);
      seen.push(core.state.workOrder[W]?.stageQty.cut);
      if (rewound) rewinds++;
      return rewound;
    };
    // Pushes can be made to fail (the first re-push after the restore must be retried, not given up).
    let failPushes = 0;
    const gated: Fetch = async (input, init) => {
      if (failPushes > 0 && String(input).includes('/api/push')) {
        failPushes--;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const sync = startSync(core, { retryTimeMs: 100, reconnect: { initialMs: 50, maxMs: 300 }, streamIdleTimeoutMs: 3_000, requestTimeoutMs: 3_000, fetch: gated });
    cleanups.push(() => sync.stop());
    await sync.awaitInSync(30_000);
    const dump = join(tmp.dir, 'backup.dump');
    const backup = () => execFileSync('pg_dump', ['-Fc', '-f', dump, t.url!]);
    if (before === 0) backup(); // before anything this station recorded (even its login) reached the server
    await core.call('session.login', { badge: 'B:OP-CUT1', pin: TEST_PIN });
    const cut = (goodQty: number) =>
      core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: W, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty } } });
    const serverCut = async (db: Db) =>
      (await db.query<{ n: number | null }>("SELECT (body->'stageQty'->>'cut')::int AS n FROM documents WHERE kind = 'workOrder' AND id = $1", [W]))[0]?.n;

    for (let i = 0; i < before; i++) await cut(2);
    await sync.awaitInSync(30_000);
    const atBackup = before * 2;
    expect((await serverCut(t.db)) ?? 0).toBe(atBackup);

    // The backup, then more work the restored server will not have: an order released after it, and 4 cuts.
    if (before > 0) backup();
    const M2 = mo(2, { quantity: 10 });
    await post('/api/manufacturing-orders', M2);
    const W2 = workOrderIdFor(M2.id, 'cutting');
    await until('the later order to reach the station', () => core.state.workOrder[W2] !== undefined);
    for (let i = 0; i < 4; i++) await cut(1);
    await sync.awaitInSync(30_000);
    const total = atBackup + 4;
    expect(await serverCut(t.db)).toBe(total);
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(total);
    const lastSeq = core.lastSequence;

    // The server comes back on the restored database (a new one, from the dump): its change numbers went back.
    await server.app.close();
    const restoredName = `${new URL(t.url).pathname.slice(1)}_restored${before}${renumbered ? 'r' : ''}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${restoredName}`);
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
      await c.end();
    });
    await admin.end();
    const restoredUrl = new URL(t.url);
    restoredUrl.pathname = `/${restoredName}`;
    execFileSync('pg_restore', ['--no-owner', '-d', restoredUrl.toString(), dump]);
    const restored = createPgDb({ connectionString: restoredUrl.toString(), max: 5 });
    cleanups.push(() => restored.close());
    expect((await serverCut(restored)) ?? 0).toBe(atBackup);
    if (renumbered) {
      // Work in the office before the station reconnects: the restored server's head passes the station's checkpoint.
      const checkpointSeen = (await t.db.query<{ value: number }>('SELECT value FROM change_counter'))[0]?.value ?? 0;
      await restored.query('UPDATE change_counter SET value = value + $1', [checkpointSeen + 100]);
    }
    seen.length = 0;
    failPushes = 2;
    server = await listenOn(restored);
    proxy.setTarget(server.port);

    // Without recording anything new, the station finds out and re-sends the 4 events the server lost.
    await until('the restored server to have the lost events again', async () => (await serverCut(restored)) === total);
    expect(failPushes).toBe(0); // the re-push did fail, and was retried
    await sync.awaitInSync(30_000);
    const [progress] = await restored.query<{ body: { lastAppliedSeq: number } }>(
      "SELECT body FROM documents WHERE kind = 'stationProgress' AND id = 'ST-CUT-1'",
    );
    expect(progress?.body.lastAppliedSeq).toBe(lastSeq);
    const [events] = await restored.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE station_id = 'ST-CUT-1' AND status = 'applied'");
    expect(events?.n).toBe(lastSeq);
    expect(core.state.workOrder[W]?.stageQty.cut).toBe(total);
    expect(core.pendingCount).toBe(0);
    // The order the restored server never had is gone from the station too (and stays gone after a restart).
    expect(core.state.workOrder[W2], 'an order released after the backup').toBeUndefined();
    // Every state the station showed on the way counted each piece once (the rewind counts the lost events as
    // pending on top of the restored documents): never more, never fewer.
    expect(seen.length).toBeGreaterThan(0);
    for (const n of seen) expect(n).toBe(total);
    expect(rewinds).toBe(1);
    expect(sync.status().state).not.toBe('error');
    await sync.stop();
    await core.close(); // the next case opens a station of the same id in this process
  }, 120_000);
});
