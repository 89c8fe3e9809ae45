import { afterEach, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../../shared/events';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { STATION_TOKEN_REJECTED, type PushOutcome } from '../../shared/sync';
import type { StationCore } from '../core/station-core';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../core/testing';
import { EventPusher, expectedSeq } from './event-pusher';
import { SyncHttpError, type Fetch } from './http';

const M = mo(1, { route: 'R2', quantity: 500 });
const CUT = workOrderIdFor(M.id, 'cutting');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server that behaves like POST /api/push: seq order per station, duplicates answered again, 409 seq_gap. */
class FakeServer {
  progress = 0;
  readonly stored = new Map<number, string>();
  readonly requests: number[][] = [];
  status: number | null = null;

  readonly fetch: Fetch = async (_url, init) => {
    const body = JSON.parse(String(init?.body)) as { events: FloorEvent[] };
    const seqs = body.events.map((e) => e.seq);
    this.requests.push(seqs);
    if (this.status !== null) return json(this.status, { error: STATION_TOKEN_REJECTED, message: 'unknown or revoked station token' });
    const results: PushOutcome[] = [];
    let progress = this.progress;
    for (const e of body.events) {
      if (e.seq <= progress) {
        results.push({ id: e.id, seq: e.seq, status: 'duplicate', refusal: null });
        continue;
      }
      if (e.seq !== progress + 1) return json(409, { error: 'seq_gap', message: `expected seq ${progress + 1} from ST-CUT-1, got ${e.seq}: push from there` });
      this.stored.set(e.seq, e.id);
      results.push({ id: e.id, seq: e.seq, status: 'applied', refusal: null });
      progress = e.seq;
    }
    this.progress = progress;
    return json(200, { results, lastAppliedSeq: progress });
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function stationWithEvents(n: number): Promise<{ core: StationCore; events: FloorEvent[] }> {
  const t = tempDir();
  const core = await openTestStation('cutting', t.dir, [M]);
  cleanups.push(t.cleanup, () => core.close());
  await core.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
  for (let i = 1; i < n; i++) {
    await core.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: CUT, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 1 } } });
  }
  return { core, events: [...core.pendingEvents()] };
}

function pusher(core: StationCore, server: FakeServer, batchSize = 500): EventPusher {
  return new EventPusher({
    core,
    serverUrl: 'http://server.test',
    token: 't',
    fetch: server.fetch,
    signal: new AbortController().signal,
    requestTimeoutMs: 5_000,
    batchSize,
    onPushed: () => undefined,
  });
}

const rows = (events: readonly FloorEvent[], seqs: number[]) =>
  seqs.map((s) => ({ newDocumentState: events.find((e) => e.seq === s) as FloorEvent }));

describe('EventPusher', () => {
  it('pushes in seq order from the server progress, whatever order and subset RxDB hands over', async () => {
    const { core, events } = await stationWithEvents(10);
    const server = new FakeServer();
    const p = pusher(core, server);
    // lwt order can differ from seq order, and a batch may start past the server's progress.
    expect(await p.handle(rows(events, [5, 3]))).toEqual([]);
    expect(server.requests).toEqual([[1, 2, 3, 4, 5]]);
    // Already on the server: nothing to send.
    await p.handle(rows(events, [2, 4]));
    expect(server.requests).toHaveLength(1);
    // RxDB runs the slices of one persist concurrently; the later slice may arrive first.
    await Promise.all([p.handle(rows(events, [9, 10])), p.handle(rows(events, [6, 7, 8]))]);
    expect(server.requests.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([...server.stored.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(p.stats).toMatchObject({ applied: 10, duplicates: 0, seqGaps: 0 });
  });

  it('splits into batches of at most batchSize, each in order', async () => {
    const { core, events } = await stationWithEvents(7);
    const server = new FakeServer();
    await pusher(core, server, 3).handle(rows(events, [7]));
    expect(server.requests).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('a re-push after a lost checkpoint is answered as duplicates', async () => {
    const { core, events } = await stationWithEvents(4);
    const server = new FakeServer();
    await pusher(core, server).handle(rows(events, [1, 2, 3, 4]));
    const fresh = pusher(core, server); // a restarted client that has not heard from the server yet
    await fresh.handle(rows(events, [1, 2, 3, 4]));
    expect(fresh.stats).toMatchObject({ applied: 0, duplicates: 4 });
    expect(server.progress).toBe(4);
  });

  it('a 409 seq_gap restarts from the seq the server expects', async () => {
    const { core, events } = await stationWithEvents(8);
    const server = new FakeServer();
    const p = pusher(core, server);
    await p.handle(rows(events, [5]));
    // The server lost events 4 and 5 (restored from a backup): it expects 4 while the client thinks it has 5.
    server.progress = 3;
    server.stored.delete(4);
    server.stored.delete(5);
    await p.handle(rows(events, [7, 6]));
    expect(server.requests).toEqual([[1, 2, 3, 4, 5], [6, 7], [4, 5, 6, 7]]);
    expect(p.stats.seqGaps).toBe(1);
    expect(server.progress).toBe(7);
  });

  it('a 401 surfaces as revoked, and the next call still works once the server accepts again', async () => {
    const { core, events } = await stationWithEvents(2);
    const server = new FakeServer();
    server.status = 401;
    const p = pusher(core, server);
    const err = await p.handle(rows(events, [1])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncHttpError);
    expect((err as SyncHttpError).isRevoked).toBe(true);
    server.status = null;
    await p.handle(rows(events, [2]));
    expect(server.progress).toBe(2);
  });

  it('reads the seq the server expects from its message', () => {
    expect(expectedSeq('expected seq 12 from ST-CUT-1, got 15: push from there')).toBe(12);
    expect(expectedSeq('something else')).toBeUndefined();
  });
});

describe('event pusher: events at seqs the server already holds', () => {
  it('a restored station that pulled the server progress first still sends its new events once (the server keeps them)', async () => {
    const { core, events } = await stationWithEvents(3);
    // The server holds seqs 1..5 from before the restore; the station has pulled that progress.
    await core.seedDocuments([{ kind: 'stationProgress', id: 'ST-CUT-1', body: { stationId: 'ST-CUT-1', lastAppliedSeq: 5 } }]);
    const server = new FakeServer();
    server.progress = 5;
    const p = pusher(core, server);
    await p.handle(rows(events, [1, 2, 3]));
    expect(server.requests).toEqual([[1, 2, 3]]);
    // Handed again (a later slice), nothing more is sent: this client pushed them.
    await p.handle(rows(events, [2]));
    expect(server.requests).toEqual([[1, 2, 3]]);
  });
});
