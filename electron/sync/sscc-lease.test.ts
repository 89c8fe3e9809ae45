/**
 * A packing station's carton numbers: the lease book keeps leases and what was used on disk (each number durable
 * before it is returned, so a crash never hands one out twice), refuses leases that could repeat a number, and two
 * packing stations that went offline with leases from a real server number cartons without ever printing the same
 * SSCC; an empty book refuses in both languages.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sscc } from '../../shared/barcode/gs1';
import { SsccLease, ssccParts } from '../../shared/barcode/sscc';
import { STATION_TEXT } from '../../shared/messages/station';
import { buildApp } from '../../sync-server/app';
import { createTestDb, namedIfSlow, type TestDb } from '../../sync-server/db/testing';
import { TEST_ADMIN_TOKEN } from '../../sync-server/testing';
import { CommandFailure, StationCore } from '../core/station-core';
import { TEST_PIN, badgeOf, openTestStation, rosterDocuments, stationConfig, tempDir } from '../core/testing';
import { SSCC_LEASE_FILE, SsccLeaseBook, SsccLeaseBookError } from './sscc-lease-book';
import { startSync, type SyncClient } from './sync-client';
import { partitionableFetch } from './testing';

const PREFIX = '8991234567';
const lease = (leaseId: string, first: number, last: number, over: Partial<SsccLease> = {}): SsccLease => ({
  leaseId,
  companyPrefix: PREFIX,
  extension: 0,
  first,
  last,
  leasedAt: '2026-12-05T08:00:00.000Z',
  ...over,
});

describe('SsccLeaseBook', () => {
  it('numbers from its leases in order, each number on disk before it is returned; a second reader (a restart) goes on after it', () => {
    const tmp = tempDir('qsf-sscc-book-');
    try {
      const book = SsccLeaseBook.open(tmp.dir);
      expect(book.take()).toBeNull();
      book.add(lease('1', 10, 11));
      book.add(lease('2', 40, 40));
      expect(book.remaining).toBe(3);
      const a = book.take();
      expect(a?.serial).toBe(10);
      // On disk already: a process that died right after showing it reopens with it used.
      expect(JSON.parse(readFileSync(join(tmp.dir, SSCC_LEASE_FILE), 'utf8'))).toMatchObject({ used: 1 });
      const reopened = SsccLeaseBook.open(tmp.dir);
      expect(reopened.take()?.serial).toBe(11);
      expect(reopened.take()?.serial).toBe(40);
      expect(reopened.take()).toBeNull();
      // The used-up first lease was dropped from the file; numbering still knows what it used.
      expect(SsccLeaseBook.open(tmp.dir).leases.map((l) => l.leaseId)).toEqual(['2']);
      expect(SsccLeaseBook.open(tmp.dir).remaining).toBe(0);
    } finally {
      tmp.cleanup();
    }
  });

  it('keeps one request id until its lease is stored; the same lease twice changes nothing; an overlapping or older lease is refused', () => {
    const tmp = tempDir('qsf-sscc-book-');
    try {
      const book = SsccLeaseBook.open(tmp.dir);
      const id = book.requestId();
      expect(SsccLeaseBook.open(tmp.dir).requestId()).toBe(id);
      book.add(lease('7', 100, 199));
      expect(book.requestId()).not.toBe(id);
      book.add(lease('7', 100, 199));
      expect(book.remaining).toBe(100);
      expect(() => book.add(lease('8', 150, 249))).toThrow(SsccLeaseBookError);
      // Used up and dropped, then offered again (a server whose counter went back): refused by the high-water mark.
      book.add(lease('9', 200, 200));
      for (let i = 0; i < 101; i++) book.take();
      expect(() => book.add(lease('7', 100, 199))).toThrow(/not after 200/);
      // Another extension digit is another range.
      book.add(lease('10', 100, 199, { extension: 1 }));
      expect(book.remaining).toBe(100);
    } finally {
      tmp.cleanup();
    }
  });

  it('a damaged file is an error naming it, never a fresh start that could repeat numbers', () => {
    const tmp = tempDir('qsf-sscc-book-');
    try {
      const file = join(tmp.dir, SSCC_LEASE_FILE);
      writeFileSync(file, '{"v":1,"leases":[');
      expect(() => SsccLeaseBook.open(tmp.dir)).toThrow(/not JSON/);
      writeFileSync(file, JSON.stringify({ v: 1, leases: [lease('1', 0, 4)], used: 9, requestId: null, highWater: {} }));
      expect(() => SsccLeaseBook.open(tmp.dir)).toThrow(/used more numbers than the leases hold/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('carton.nextSscc at a station', () => {
  it('refuses at another department, saying so in both languages', async () => {
    const tmp = tempDir('qsf-sscc-sew-');
    const core = await openTestStation('sewing', tmp.dir);
    try {
      await core.seedDocuments(await rosterDocuments());
      await core.call('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
      const err = await core.call('carton.nextSscc', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandFailure);
      expect((err as CommandFailure).error).toMatchObject({ code: 'bad_request', text: STATION_TEXT.sscc_not_packing });
    } finally {
      await core.close();
      tmp.cleanup();
    }
  });
});

describe('two packing stations offline', () => {
  let db: TestDb;
  let app: FastifyInstance;
  let base = '';
  const dirs = [tempDir('qsf-sscc-a-'), tempDir('qsf-sscc-b-')];
  const ids = ['ST-PCK-1', 'ST-PCK-2'];

  beforeAll(async () => {
    db = await createTestDb();
    app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, sscc: { companyPrefix: PREFIX, extension: 0, blockSize: 60 } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    // Each step named on stderr if slow: this hook timed out once (60 s) in a full run, and passes alone in seconds.
    await namedIfSlow('closing the server', async () => app?.close());
    await db?.cleanup();
    for (const d of dirs) d.cleanup();
  });

  async function openPacking(i: number, code?: string): Promise<StationCore> {
    const config = stationConfig('packing', dirs[i]!.dir, { stationId: ids[i], serverUrl: base, ...(code ? { enrollmentCode: code } : {}) });
    const core = await StationCore.open(config, { devMode: true });
    await core.seedDocuments(await rosterDocuments());
    await core.call('session.login', { badge: badgeOf('packing'), pin: TEST_PIN });
    return core;
  }

  const next = async (core: StationCore): Promise<string | CommandFailure> => {
    try {
      return (await core.call('carton.nextSscc', {})).sscc;
    } catch (err) {
      if (err instanceof CommandFailure) return err;
      throw err;
    }
  };

  it('each fills up from the server while online, then numbers cartons offline: no SSCC twice, across a restart too', { timeout: 60_000 }, async () => {
    const cores: StationCore[] = [];
    const syncs: SyncClient[] = [];
    const nets = [partitionableFetch(), partitionableFetch()];
    for (let i = 0; i < 2; i++) {
      const issued = await app.inject({ method: 'POST', url: '/api/enrollment-codes', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, payload: { stationId: ids[i], department: 'packing' } });
      const core = await openPacking(i, issued.json<{ code: string }>().code);
      cores.push(core);
      syncs.push(startSync(core, { fetch: nets[i]!.fetch, retryTimeMs: 200, reconnect: { initialMs: 50, maxMs: 500 }, heartbeatMs: 60_000 }));
    }
    // Below the default threshold of 100 a station asks again: two blocks of 60 each.
    await expect.poll(() => cores.map((c) => c.ssccLeases?.remaining), { timeout: 20_000 }).toEqual([120, 120]);

    // The network goes: both stations keep numbering from what they hold.
    for (const n of nets) n.cut();
    for (const s of syncs) await s.stop();
    const printed: string[] = [];
    for (let k = 0; k < 30; k++) {
      for (const core of cores) {
        const sscc = await next(core);
        expect(typeof sscc, String(sscc)).toBe('string');
        printed.push(sscc as string);
      }
    }
    // Station A restarts (a crash or a reboot) with 90 left, and goes on where it was.
    await cores[0]!.close();
    cores[0] = await openPacking(0);
    expect(cores[0].ssccLeases?.remaining).toBe(90);
    for (const core of cores) {
      for (;;) {
        const r = await next(core);
        if (typeof r !== 'string') {
          expect(r.error).toMatchObject({ code: 'refused', text: STATION_TEXT.sscc_no_lease });
          break;
        }
        printed.push(r);
      }
    }
    expect(printed).toHaveLength(240);
    expect(new Set(printed).size).toBe(240);
    for (const s of printed) {
      expect(Sscc.safeParse(s).success).toBe(true);
      expect(ssccParts(s, PREFIX)).not.toBeNull();
    }
    // The server recorded four leases, two per station.
    const rows = await db.db.query<{ station_id: string }>('SELECT station_id FROM sscc_leases');
    expect(rows.map((r) => r.station_id).sort()).toEqual(['ST-PCK-1', 'ST-PCK-1', 'ST-PCK-2', 'ST-PCK-2']);
    for (const c of cores) await c.close();
  });
});
