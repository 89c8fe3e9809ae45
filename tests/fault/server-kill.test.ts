/**
 * The sync server killed with SIGKILL in the middle of push groups (issue 16, faults): four cutting stations push
 * small batches as fast as they record, while the server process (sync-server/main.ts on its own PostgreSQL
 * database) is killed at random moments and started again on the same port. Whatever a push group had written when
 * the kill landed is either committed whole or not at all, and the stations re-send what they have no answer for.
 * After healing: every event each station recorded is on the server exactly once and applied, the server's work order
 * counts each piece once (nothing applied twice), and every station's state equals it.
 * Needs real PostgreSQL (TEST_DATABASE_URL; CI sets it). KILL_ROUNDS / KILL_EVENTS / KILL_SEED make it longer.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../sync-server/db/testing';
import { expectExactlyOnce, freePort, killProcess, openCuttingStations, recordThrough, startServerProcess } from './push-under-fire';

const ROUNDS = Number(process.env.KILL_ROUNDS ?? 4);
const EVENTS = Number(process.env.KILL_EVENTS ?? 60);
const SEED = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('sync server killed mid-push', () => {
  it(`every recorded event is applied exactly once after ${ROUNDS} SIGKILLs of the server during push groups (seed ${SEED})`, async () => {
    const t: TestDb = await createTestDb();
    cleanups.push(() => t.cleanup());
    if (!t.url) throw new Error('needs a PostgreSQL url');
    const url = t.url;
    const port = await freePort();
    let server = await startServerProcess(url, port, cleanups);
    const floor = await openCuttingStations(`http://127.0.0.1:${port}`, 4, cleanups);

    // The operators record; the server dies at random moments and comes back on its port.
    const kills = fc.sample(fc.record({ afterMs: fc.integer({ min: 100, max: 700 }), downMs: fc.integer({ min: 50, max: 600 }) }), { numRuns: ROUNDS, seed: SEED });
    const { recorded, unansweredAtFault } = await recordThrough(floor, EVENTS, async (landed) => {
      for (const k of kills) {
        await new Promise((r) => setTimeout(r, k.afterMs));
        landed();
        await killProcess(server);
        await new Promise((r) => setTimeout(r, k.downMs));
        server = await startServerProcess(url, port, cleanups);
      }
    });
    // The kills landed while pushes were under way (else this run proved nothing about them).
    expect(unansweredAtFault.filter((n) => n > 0).length, `unanswered events at each kill: ${unansweredAtFault.join(', ')}`).toBeGreaterThan(0);
    await expectExactlyOnce((sql, params) => t.db.query(sql, params), floor, recorded);
  }, 240_000);
});
