/**
 * PostgreSQL restarted under load (issue 16, faults), on a cluster of this test's own (initdb in a temp folder, its
 * own port): four cutting stations push small batches as fast as they record while the database is restarted,
 * alternately with `pg_ctl restart -m immediate` (a crash: no checkpoint, recovery from the WAL) and `-m fast`. The
 * sync server keeps running through it; its pool's broken connections fail requests, which the stations retry.
 * After healing: every event on the server exactly once and applied, each piece counted once, stations equal.
 * Needs PostgreSQL's server binaries (initdb, pg_ctl); skipped with a line saying so where they are missing.
 * PG_RESTARTS / PG_RESTART_EVENTS / PG_RESTART_SEED make it longer.
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../electron/core/testing';
import { expectExactlyOnce, freePort, openCuttingStations, recordThrough, startServerProcess } from './push-under-fire';

const RESTARTS = Number(process.env.PG_RESTARTS ?? 3);
const EVENTS = Number(process.env.PG_RESTART_EVENTS ?? 40);
const SEED = Number(process.env.PG_RESTART_SEED ?? Date.now() % 1_000_000);
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** PostgreSQL's server binaries (Debian keeps them under /usr/lib/postgresql/<version>/bin), or null. */
function serverBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user. */
function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const BIN = serverBin();
if (!BIN) console.log('SKIP postgres-restart: no PostgreSQL server binaries (initdb, pg_ctl) on this machine');

describe.skipIf(!BIN)('PostgreSQL restarted under load', () => {
  it(`every recorded event is applied exactly once across ${RESTARTS} database restarts (seed ${SEED})`, async () => {
    const bin = BIN as string;
    const t = tempDir('qsf-pgrestart-');
    cleanups.push(t.cleanup);
    const data = join(t.dir, 'cluster');
    mkdirSync(data, { mode: 0o700 });
    const owner = postgresUser();
    if (owner) {
      chmodSync(t.dir, 0o755);
      chownSync(data, owner.uid, owner.gid);
    }
    const asPostgres = (cmd: string, args: string[]) =>
      execFileSync(owner ? 'runuser' : cmd, owner ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe', encoding: 'utf8' });
    /** The same without blocking: the stations keep recording and retrying while the database restarts. */
    const asPostgresAsync = (cmd: string, args: string[]) => promisify(execFile)(owner ? 'runuser' : cmd, owner ? ['-u', 'postgres', '--', cmd, ...args] : args);
    asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const dbPort = await freePort();
    const ctlArgs = (args: string[]) => ['-D', data, '-w', '-t', '60', '-l', join(data, 'log'), ...args];
    const pgCtl = (...args: string[]) => asPostgres(join(bin, 'pg_ctl'), ctlArgs(args));
    const options = `-p ${dbPort} -k ${data} -c listen_addresses=127.0.0.1`;
    pgCtl('-o', options, 'start');
    cleanups.push(() => {
      try {
        pgCtl('-m', 'immediate', 'stop');
      } catch {
        // already stopped
      }
    });
    const url = `postgres://postgres@127.0.0.1:${dbPort}/postgres`;
    const port = await freePort();
    await startServerProcess(url, port, cleanups);
    const floor = await openCuttingStations(`http://127.0.0.1:${port}`, 4, cleanups);

    const restarts = fc.sample(fc.record({ afterMs: fc.integer({ min: 150, max: 800 }) }), { numRuns: RESTARTS, seed: SEED });
    const { recorded, unansweredAtFault } = await recordThrough(floor, EVENTS, async (landed) => {
      for (const [i, r] of restarts.entries()) {
        await new Promise((res) => setTimeout(res, r.afterMs));
        landed();
        await asPostgresAsync(join(bin, 'pg_ctl'), ctlArgs(['-o', options, '-m', i % 2 === 0 ? 'immediate' : 'fast', 'restart']));
      }
    });
    expect(unansweredAtFault.filter((n) => n > 0).length, `unanswered events at each restart: ${unansweredAtFault.join(', ')}`).toBeGreaterThan(0);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    await expectExactlyOnce(async (sql, params) => (await client.query(sql, params ? [...params] : undefined)).rows, floor, recorded);
  }, 240_000);
});
