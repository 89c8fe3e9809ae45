import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullDocuments, writeTx } from './changes';
import { migrate } from './db/migrate';
import { createTestDb, type TestDb } from './db/testing';
import { insertEvent, knownEventIds, lockStation, recordStationProgress, type EventRow } from './store';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await migrate(t.db);
  await t.db.query(`INSERT INTO stations (id, department, name, public_key) VALUES ('ST-1', 'sewing', 'ST-1', 'k')`);
});
afterAll(async () => {
  await t?.cleanup();
});

const ev = (seq: number, over: Partial<EventRow> = {}): EventRow => ({
  id: randomUUID(),
  stationId: 'ST-1',
  seq,
  hlc: `0000000000001:${seq}`,
  operatorId: null,
  type: 'test',
  payload: { seq },
  v: 1,
  status: 'applied',
  ...over,
});

describe('push storage helpers', () => {
  it('inserts events idempotently and flags a reused seq', async () => {
    const a = ev(1);
    const refused = ev(2, { status: 'refused', refusal: { code: 'already_accepted' } });
    const { result } = await writeTx(t.db, async (q) => {
      expect(await lockStation(q, 'ST-1')).toBe(true);
      expect(await lockStation(q, 'ST-NONE')).toBe(false);
      return [await insertEvent(q, a), await insertEvent(q, refused), await insertEvent(q, a), await insertEvent(q, ev(1))];
    });
    expect(result).toEqual(['inserted', 'inserted', 'duplicate', 'seq_conflict']);
    const rows = await t.db.query<{ seq: number; status: string; refusal: unknown; server_seq: number }>(
      `SELECT seq, status, refusal, server_seq FROM events ORDER BY seq`,
    );
    expect(rows).toEqual([
      { seq: 1, status: 'applied', refusal: null, server_seq: 1 },
      { seq: 2, status: 'refused', refusal: { code: 'already_accepted' }, server_seq: 2 },
    ]);
    expect(await t.db.tx((q) => knownEventIds(q, [a.id, randomUUID()]))).toEqual(new Set([a.id]));
  });

  it('records station progress monotonically and mirrors it as a station-scoped document', async () => {
    await writeTx(t.db, (q) => recordStationProgress(q, 'ST-1', 5));
    const { result } = await writeTx(t.db, (q) => recordStationProgress(q, 'ST-1', 3));
    expect(result).toBe(5);
    const pulled = await pullDocuments(t.db, { scopeTokens: ['station:ST-1'], checkpoint: null, limit: 10 });
    expect(pulled.documents.map((d) => [d.kind, d.id, d.body])).toEqual([
      ['stationProgress', 'ST-1', { stationId: 'ST-1', lastAppliedSeq: 5 }],
    ]);
    const other = await pullDocuments(t.db, { scopeTokens: ['station:ST-2', 'dept:sewing', 'all'], checkpoint: null, limit: 10 });
    expect(other.documents).toEqual([]);
  });
});
