import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assignVersions,
  CHANGES_CHANNEL,
  EventConflict,
  parseChangeNotification,
  pullDocuments,
  pullDocumentsText,
  writeDocuments,
  writeTx,
  type Checkpoint,
  type EventInsert,
  type PulledDocument,
} from './changes';
import { PullResponse, scopeToken } from '../shared/sync';
import { pullAnswer } from './replication/pull-answer';
import { migrate } from './db/migrate';
import { createTestDb, type TestDb } from './db/testing';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await migrate(t.db);
});
afterAll(async () => {
  await t?.cleanup();
});

const isPg = !!process.env.TEST_DATABASE_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe(`changes (${isPg ? 'pg' : 'pglite'})`, () => {
  it('stamps one version per transaction and pulls by scope from a checkpoint', async () => {
    const a = await writeTx(t.db, (q) =>
      writeDocuments(q, [
        { kind: 'wo', id: 'scoped-1', body: { n: 1 }, scope: [scopeToken.dept('sewing')] },
        { kind: 'wo', id: 'scoped-2', body: { n: 2 }, scope: [scopeToken.dept('cutting')] },
        { kind: 'cfg', id: 'scoped-3', body: { n: 3 }, scope: [scopeToken.all] },
      ]),
    );
    expect(a.version).toBeGreaterThan(0);
    const b = await writeTx(t.db, (q) =>
      writeDocuments(q, [{ kind: 'wo', id: 'scoped-1', body: { n: 10 }, scope: [scopeToken.dept('sewing')], deleted: true }]),
    );
    expect(b.version).toBe(a.version! + 1);

    const sewing = await pullDocuments(t.db, {
      scopeTokens: [scopeToken.all, scopeToken.dept('sewing'), scopeToken.station('ST-SEW-1')],
      checkpoint: { version: a.version! - 1 },
      limit: 100,
    });
    expect(sewing.documents.map((d) => [d.kind, d.id, d.version, d.deleted])).toEqual([
      ['cfg', 'scoped-3', a.version, false],
      ['wo', 'scoped-1', b.version, true],
    ]);
    expect(sewing.documents[1]?.body).toEqual({ n: 10 });
    expect(sewing.checkpoint).toEqual({ version: b.version });

    const again = await pullDocuments(t.db, { scopeTokens: ['dept:sewing'], checkpoint: sewing.checkpoint, limit: 10 });
    expect(again).toEqual({ documents: [], checkpoint: sewing.checkpoint });
  });

  it('read-your-writes inside the transaction, and a transaction without writes takes no number', async () => {
    const r = await writeTx(t.db, async (q) => {
      await writeDocuments(q, [{ kind: 'k', id: 'ryw', body: { a: 1 }, scope: ['all'] }]);
      return q.query<{ body: unknown }>(`SELECT body FROM documents WHERE kind = 'k' AND id = 'ryw'`);
    });
    expect(r.result).toEqual([{ body: { a: 1 } }]);
    expect((await writeTx(t.db, async () => 'nothing')).version).toBeNull();
  });

  it('refuses to commit documents written without assignVersions()', async () => {
    await expect(
      t.db.tx((q) => writeDocuments(q, [{ kind: 'k', id: 'forgot', body: {}, scope: ['all'] }])),
    ).rejects.toThrow(/without assignVersions/);
    expect(await t.db.query(`SELECT 1 FROM documents WHERE id = 'forgot'`)).toEqual([]);
    // Also when the pending write comes after a stamped one in the same transaction (only pending writes are checked).
    await expect(
      t.db.tx(async (q) => {
        await writeDocuments(q, [{ kind: 'k', id: 'forgot-2', body: {}, scope: ['all'] }]);
        await assignVersions(q);
        await writeDocuments(q, [{ kind: 'k', id: 'forgot-2', body: { again: true }, scope: ['all'] }]);
      }),
    ).rejects.toThrow(/without assignVersions/);
    expect(await t.db.query(`SELECT 1 FROM documents WHERE id = 'forgot-2'`)).toEqual([]);
  });

  it('refuses to commit events inserted without a server_seq and without assignVersions()', async () => {
    await t.db.query(`INSERT INTO stations (id, department, name, public_key) VALUES ('ST-FORGOT', 'sewing', 'ST-FORGOT', 'x')`);
    await expect(
      t.db.tx((q) =>
        q.query(
          `INSERT INTO events (id, station_id, seq, hlc, type, payload, v, status)
           VALUES (gen_random_uuid(), 'ST-FORGOT', 1, '0', 'test', '{}'::jsonb, 1, 'applied')`,
        ),
      ),
    ).rejects.toThrow(/without assignVersions/);
    expect(await t.db.query(`SELECT 1 FROM events WHERE station_id = 'ST-FORGOT'`)).toEqual([]);
  });

  it('refuses events of a station it does not know (the per-statement check that replaced the foreign key), inserted or pending, and keeps a station with events', async () => {
    await t.db.query(`INSERT INTO stations (id, department, name, public_key) VALUES ('ST-KNOWN', 'sewing', 'ST-KNOWN', 'x')`);
    const event = (stationId: string, seq: number): EventInsert => ({
      id: randomUUID(),
      stationId,
      seq,
      hlc: '0',
      operatorId: null,
      type: 'test',
      payload: {},
      v: 1,
      status: 'applied',
    });
    const [before] = await t.db.query<{ value: number; event_seq: number }>('SELECT value, event_seq FROM change_counter');
    // Inserted by assignVersions, one known station and one unknown: the foreign key's error, nothing written.
    await expect(
      t.db.tx(async (q) => {
        await writeDocuments(q, [{ kind: 'k', id: 'unknown-station', body: {}, scope: ['all'] }]);
        return assignVersions(q, { insertEvents: [event('ST-KNOWN', 1), event('ST-NOBODY', 1)] });
      }),
    ).rejects.toMatchObject({ code: '23503', message: expect.stringMatching(/station "ST-NOBODY" is not present/) });
    // Inserted pending by a plain INSERT.
    await expect(
      t.db.tx((q) =>
        q.query(
          `INSERT INTO events (id, station_id, seq, hlc, type, payload, v, status)
           VALUES (gen_random_uuid(), 'ST-NOBODY', 1, '0', 'test', '{}'::jsonb, 1, 'applied')`,
        ),
      ),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await t.db.query(`SELECT 1 FROM events WHERE station_id IN ('ST-KNOWN', 'ST-NOBODY')`)).toEqual([]);
    expect(await t.db.query(`SELECT 1 FROM documents WHERE id = 'unknown-station'`)).toEqual([]);
    expect(await t.db.query('SELECT value, event_seq FROM change_counter')).toEqual([before]);

    const ok = await t.db.tx((q) => assignVersions(q, { insertEvents: [event('ST-KNOWN', 1), event('ST-KNOWN', 2)] }));
    expect(ok.events).toBe(2);
    // A stored (station, seq) again: EventConflict naming the event, nothing written.
    const again = event('ST-KNOWN', 2);
    await expect(t.db.tx((q) => assignVersions(q, { insertEvents: [event('ST-KNOWN', 3), again] }))).rejects.toThrow(
      new EventConflict(again, '').message,
    );
    expect(await t.db.query(`SELECT seq FROM events WHERE station_id = 'ST-KNOWN' ORDER BY seq`)).toEqual([{ seq: 1 }, { seq: 2 }]);

    // The other half of the foreign key: a station with events is neither deleted nor renamed.
    await expect(t.db.query(`DELETE FROM stations WHERE id = 'ST-KNOWN'`)).rejects.toMatchObject({ code: '23503' });
    await expect(t.db.query(`UPDATE stations SET id = 'ST-RENAMED' WHERE id = 'ST-KNOWN'`)).rejects.toMatchObject({ code: '23503' });
    await t.db.query(`INSERT INTO stations (id, department, name, public_key) VALUES ('ST-EMPTY', 'sewing', 'ST-EMPTY', 'x')`);
    await t.db.query(`DELETE FROM stations WHERE id = 'ST-EMPTY'`);
    expect(await t.db.query(`SELECT id FROM stations WHERE id IN ('ST-KNOWN', 'ST-EMPTY')`)).toEqual([{ id: 'ST-KNOWN' }]);
  });

  it('never splits one transaction across two batches', async () => {
    const start = (await pullDocuments(t.db, { scopeTokens: ['split'], checkpoint: null, limit: 1 })).checkpoint;
    const docs = (tx: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({ kind: 'k', id: `${tx}-${i}`, body: {}, scope: ['split'] }));
    await writeTx(t.db, (q) => writeDocuments(q, docs('A', 3)));
    await writeTx(t.db, (q) => writeDocuments(q, docs('B', 2)));
    const first = await pullDocuments(t.db, { scopeTokens: ['split'], checkpoint: start, limit: 2 });
    expect(first.documents.map((d) => d.id)).toEqual(['A-0', 'A-1', 'A-2']);
    const second = await pullDocuments(t.db, { scopeTokens: ['split'], checkpoint: first.checkpoint, limit: 2 });
    expect(second.documents.map((d) => d.id)).toEqual(['B-0', 'B-1']);
  });

  it('numbers events in commit order and sends one NOTIFY per committed change', async () => {
    await t.db.query(
      `INSERT INTO stations (id, department, name, public_key) VALUES ('ST-EV', 'sewing', 'ST-EV', 'x')`,
    );
    const heard: string[] = [];
    const stop = await t.db.listen(CHANGES_CHANNEL, { onPayload: (p) => heard.push(p) });
    const res = await writeTx(t.db, async (q) => {
      for (const seq of [2, 1]) {
        await q.query(
          `INSERT INTO events (id, station_id, seq, hlc, type, payload, v, status)
           VALUES (gen_random_uuid(), 'ST-EV', $1, '0', 'test', '{}'::jsonb, 1, 'applied')`,
          [seq],
        );
      }
      await writeDocuments(q, [{ kind: 'k', id: 'ev-doc', body: {}, scope: [scopeToken.station('ST-EV')] }]);
    });
    expect(res.events).toBe(2);
    const evs = await t.db.query<{ seq: number; server_seq: number }>(
      `SELECT seq, server_seq FROM events WHERE station_id = 'ST-EV' ORDER BY server_seq`,
    );
    expect(evs.map((e) => e.seq)).toEqual([1, 2]);
    expect(evs[1]!.server_seq).toBe(evs[0]!.server_seq + 1);
    await expect.poll(() => heard.map(parseChangeNotification)).toEqual([
      { version: res.version, scope: ['station:ST-EV'] },
    ]);
    await stop();
  });

  /** Pulls with `limit` until stopped, recording every batch; a final drain after `stop` resolves. */
  function puller(tokens: string[], limit: number, stop: Promise<void>) {
    const batches: PulledDocument[][] = [];
    let checkpoint: Checkpoint | null = null;
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    const done = (async () => {
      for (;;) {
        const wasStopped = stopped;
        const r = await pullDocuments(t.db, { scopeTokens: tokens, checkpoint, limit });
        if (r.documents.length) batches.push(r.documents);
        checkpoint = r.checkpoint;
        // After the writers are done, keep pulling until a pull comes back empty: then we have everything.
        if (wasStopped && r.documents.length === 0) return;
        if (r.documents.length === 0) await sleep(1);
      }
    })();
    return { batches, done };
  }

  function checkBatches(batches: PulledDocument[][], perTx: Map<number, number>) {
    for (const batch of batches) {
      const counts = new Map<number, number>();
      for (const d of batch) counts.set(d.version, (counts.get(d.version) ?? 0) + 1);
      for (const [version, n] of counts) expect(n, `batch split transaction ${version}`).toBe(perTx.get(version));
      const versions = batch.map((d) => d.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
    }
  }

  it.runIf(isPg)('transactions that start in one order and commit in reverse: pullers skip nothing', async () => {
    const tok = 'reverse';
    const n = 5;
    const perTx = 3;
    const stop = deferred();
    const pullers = [puller([tok], 2, stop.promise), puller([tok], 1, stop.promise), puller([tok], 7, stop.promise)];
    const wrote = Array.from({ length: n }, deferred);
    const gates = Array.from({ length: n }, deferred);
    const txs = Array.from({ length: n }, (_, i) =>
      t.db.tx(async (q) => {
        await writeDocuments(
          q,
          Array.from({ length: perTx }, (_, j) => ({ kind: 'rev', id: `${i}-${j}`, body: { i }, scope: [tok] })),
        );
        wrote[i]!.resolve();
        await gates[i]!.promise;
        return (await assignVersions(q)).version!;
      }),
    );
    // All five have written (sequence-style numbering would have given them 1..5 by now); commit 4, 3, 2, 1, 0.
    for (const w of wrote) await w.promise;
    const versions: number[] = [];
    for (let i = n - 1; i >= 0; i--) {
      gates[i]!.resolve();
      versions[i] = await txs[i]!;
      await sleep(20); // let the pullers see each commit on its own
    }
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    stop.resolve();
    await Promise.all(pullers.map((p) => p.done));
    const counts = new Map(versions.map((v) => [v, perTx]));
    for (const p of pullers) {
      const seen = p.batches.flat().map((d) => d.id);
      expect(seen.sort()).toEqual(Array.from({ length: n * perTx }, (_, k) => `${Math.floor(k / perTx)}-${k % perTx}`).sort());
      checkBatches(p.batches, counts);
    }
  });

  it('random concurrent writers and pollers: every row seen exactly once, no transaction split', async () => {
    const tok = 'stress';
    const writers = isPg ? 40 : 15;
    const stop = deferred();
    const pullers = [1, 2, 3, 5].map((limit) => puller([tok], limit, stop.promise));
    const perTx = new Map<number, number>();
    const expected: string[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        await sleep(Math.random() * 40);
        const size = 1 + (i % 4);
        const ids = Array.from({ length: size }, (_, j) => `${i}-${j}`);
        expected.push(...ids);
        const { version } = await writeTx(t.db, async (q) => {
          await writeDocuments(q, ids.map((id) => ({ kind: 'stress', id, body: {}, scope: [tok] })));
          await sleep(Math.random() * 15); // hold the transaction open so others overtake it
        });
        perTx.set(version!, size);
      }),
    );
    stop.resolve();
    await Promise.all(pullers.map((p) => p.done));
    for (const p of pullers) {
      const seen = p.batches.flat().map((d) => d.id);
      expect(seen.length).toBe(expected.length);
      expect(seen.sort()).toEqual([...expected].sort());
      checkBatches(p.batches, perTx);
    }
  });

  it("the pull route's answer, written around the bodies' jsonb text (pull-answer.ts), is the parsed, checked and serialised one, whatever the bodies hold", async () => {
    const bodies: Record<string, unknown>[] = [
      { n: 1, nested: { list: [1, 2.5, -3e-7, { deep: [null, true, false] }], empty: {}, none: [] } },
      { text: 'quotes " and \\ backslash, control \n\t\u0001, non-ASCII ÄÖ 日本 🧸, separators \u2028\u2029', '': 'empty key', 'key with "quote"': 1 },
      { big: Number.MAX_SAFE_INTEGER, small: Number.MIN_SAFE_INTEGER, frac: 0.1, exp: 1e21 },
      {},
    ];
    const { version } = await writeTx(t.db, (q) => writeDocuments(q, bodies.map((body, i) => ({ kind: 'wo', id: `pa-${i}`, body, scope: ['pull-answer'] }))));
    await writeTx(t.db, (q) => writeDocuments(q, [{ kind: 'wo', id: 'pa-0', body: { gone: true }, scope: ['pull-answer'], deleted: true }]));

    const req = { scopeTokens: ['pull-answer'], checkpoint: { version: version! - 1 }, limit: 100 };
    const parsed = await pullDocuments(t.db, req);
    const text = await pullDocumentsText(t.db, req);
    expect(parsed.documents).toHaveLength(bodies.length);
    const checkpoint = { ...parsed.checkpoint, epoch: 'e.1' };
    const expected = PullResponse.parse({ documents: parsed.documents, checkpoint, head: 99 });
    const answer = pullAnswer(text.documents, { ...text.checkpoint, epoch: 'e.1' }, 99);
    expect(JSON.parse(answer.json)).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(PullResponse.parse(JSON.parse(answer.json))).toEqual(expected);
  });
});
