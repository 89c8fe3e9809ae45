/**
 * PullCycles over a scripted server: the core is handed every document of a cycle (a cycle larger than
 * `maxCycleDocuments` in parts, within one call, the parts before the head to keep aside), RxDB only what its
 * checkpoint needs (one document of the cycle, none for an empty cycle), and a pulled body that is not an object fails
 * the request (reported, never handed to the core).
 */
import { describe, expect, it } from 'vitest';
import type { PulledDocument } from '../../shared/sync';
import type { PulledDocuments } from '../core/ports';
import type { Fetch } from './http';
import { forRxdb, PullCycles } from './pull-cycle';

const doc = (n: number, body: unknown = { id: `W${n}`, n }): PulledDocument => ({ kind: 'workOrder', id: `W${n}`, body: body as Record<string, unknown>, deleted: false, version: n });

/** A server holding `docs` (one per version), answering /api/pull?checkpoint=&limit= as the real one does. */
function scriptedServer(docs: readonly PulledDocument[]) {
  const requests: string[] = [];
  const state = { failAfter: Infinity };
  let answered = 0;
  const fetch: Fetch = async (input) => {
    const url = new URL(String(input));
    if (answered >= state.failAfter) {
      requests.push('failed');
      throw new TypeError('fetch failed');
    }
    answered++;
    requests.push(url.search);
    const from = Number(url.searchParams.get('checkpoint') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const batch = docs.filter((d) => d.version > from).slice(0, limit);
    const head = docs.at(-1)?.version ?? 0;
    return new Response(JSON.stringify({ documents: batch, checkpoint: { version: batch.at(-1)?.version ?? from }, head }), { status: 200 });
  };
  return { fetch, requests, state };
}

function rig(docs: readonly PulledDocument[], maxCycleDocuments = 50_000) {
  const server = scriptedServer(docs);
  const applied: PulledDocuments[] = [];
  const problems: (string | null)[] = [];
  const cycles = new PullCycles({
    core: {
      station: { id: 'ST-CUT-1', department: 'cutting', lineId: 'LN-CUT-1', name: 'cutting 1' },
      applyPulled: async (p) => {
        applied.push(p);
        return false;
      },
    },
    serverUrl: 'http://server.test',
    token: 't',
    fetch: server.fetch,
    signal: new AbortController().signal,
    requestTimeoutMs: 5_000,
    maxCycleDocuments,
    stopped: () => false,
    answered: () => undefined,
    problem: (m) => problems.push(m),
    changed: () => undefined,
    cycleApplied: () => undefined,
  });
  return { cycles, applied, problems, requests: server.requests, server: server.state };
}

const keys = (p: { documents: readonly { key: string }[] }) => p.documents.map((d) => d.key);

describe('pull cycles', () => {
  it('the core gets every document of a cycle; RxDB one for the head, so it stores the checkpoint and stops', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(i + 1));
    const { cycles, applied, requests } = rig(docs);
    const answer = await cycles.pull(undefined, 2);
    expect(requests).toEqual(['?limit=2', '?limit=2&checkpoint=2', '?limit=2&checkpoint=4']);
    expect(applied).toHaveLength(1);
    expect(keys(applied[0]!)).toEqual(['workOrder:W1', 'workOrder:W2', 'workOrder:W3', 'workOrder:W4', 'workOrder:W5']);
    expect(applied[0]!.hold).toBe(false);
    expect(applied[0]!.cycleStart).toBe(true);
    expect(applied[0]!.documents[2]).toEqual({ key: 'workOrder:W3', kind: 'workOrder', id: 'W3', body: { id: 'W3', n: 3 }, _deleted: false });
    // Fewer than a batch: RxDB takes the answer for the head, stores the checkpoint and does not ask again. The one
    // document is the last one gathered (the latest version of its key in the cycle: what the core stored).
    expect(answer.checkpoint).toEqual({ version: 5 });
    expect(keys(answer)).toEqual(['workOrder:W5']);
    expect(answer.documents.length).toBeLessThan(2);
  });

  it('a cycle in parts is pulled in one call: the core keeps every part but the last aside, RxDB sees none of them', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(i + 1));
    const { cycles, applied, requests } = rig(docs, 2);
    const answer = await cycles.pull(undefined, 2);
    expect(requests).toEqual(['?limit=2', '?limit=2&checkpoint=2', '?limit=2&checkpoint=4']);
    expect(applied.map((p) => [keys(p), p.hold, p.cycleStart, p.checkpoint])).toEqual([
      [['workOrder:W1', 'workOrder:W2'], true, true, 2],
      [['workOrder:W3', 'workOrder:W4'], true, false, 4],
      [['workOrder:W5'], false, false, 5],
    ]);
    // RxDB gets the head's checkpoint and one document: it stores the checkpoint and stops (no part to write itself).
    expect(answer.checkpoint).toEqual({ version: 5 });
    expect(keys(answer)).toEqual(['workOrder:W5']);
  });

  it('a cycle whose last part is empty still gives RxDB one document the core stored, so it stores the checkpoint', async () => {
    const docs = Array.from({ length: 4 }, (_, i) => doc(i + 1));
    const { cycles, applied } = rig(docs, 2);
    const answer = await cycles.pull(undefined, 2);
    expect(applied.map((p) => [keys(p), p.hold])).toEqual([
      [['workOrder:W1', 'workOrder:W2'], true],
      [['workOrder:W3', 'workOrder:W4'], true],
      [[], false],
    ]);
    expect(answer.checkpoint).toEqual({ version: 4 });
    expect(keys(answer)).toEqual(['workOrder:W4']);
  });

  it('a request failing between parts: the retry resumes the cycle where it failed, the parts handed stay with the core', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(i + 1));
    const { cycles, applied, requests, server } = rig(docs, 2);
    server.failAfter = 2;
    await expect(cycles.pull(undefined, 2)).rejects.toThrow();
    expect(applied.map((p) => [keys(p), p.hold, p.cycleStart])).toEqual([
      [['workOrder:W1', 'workOrder:W2'], true, true],
      [['workOrder:W3', 'workOrder:W4'], true, false],
    ]);
    server.failAfter = Infinity;
    const answer = await cycles.pull(undefined, 2);
    expect(requests).toEqual(['?limit=2', '?limit=2&checkpoint=2', 'failed', '?limit=2&checkpoint=4']);
    expect(applied.slice(2).map((p) => [keys(p), p.hold, p.cycleStart])).toEqual([[['workOrder:W5'], false, false]]);
    expect(answer.checkpoint).toEqual({ version: 5 });
  });

  it('a request failing inside a part keeps what it gathered: the retry hands the part over whole, as the first', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(i + 1));
    const { cycles, applied, requests, server } = rig(docs, 4);
    server.failAfter = 1;
    await expect(cycles.pull(undefined, 2)).rejects.toThrow();
    expect(applied).toEqual([]);
    server.failAfter = Infinity;
    await cycles.pull(undefined, 2);
    expect(requests).toEqual(['?limit=2', 'failed', '?limit=2&checkpoint=2', '?limit=2&checkpoint=4']);
    expect(applied.map((p) => [keys(p), p.hold, p.cycleStart])).toEqual([
      [['workOrder:W1', 'workOrder:W2', 'workOrder:W3', 'workOrder:W4'], true, true],
      [['workOrder:W5'], false, false],
    ]);
  });

  it('nothing new: the core still applies (an empty cycle), RxDB gets no document', async () => {
    const { cycles, applied } = rig([doc(1)]);
    const answer = await cycles.pull({ version: 1 }, 2);
    expect(applied).toEqual([{ documents: [], hold: false, cycleStart: true, checkpoint: 1 }]);
    expect(answer).toEqual({ documents: [], checkpoint: { version: 1 } });
  });

  it('a pulled body that is not an object fails the request: nothing reaches the core, RxDB retries', async () => {
    for (const body of [[1, 2], 'text', 7]) {
      const { cycles, applied } = rig([doc(1), doc(2, body)]);
      await expect(cycles.pull(undefined, 10)).rejects.toThrow(/unexpected answer/);
      expect(applied).toEqual([]);
    }
  });

  it('a body that is an object goes to the core as pulled, whatever it holds (its kind schema judges it there)', async () => {
    const { cycles, applied } = rig([doc(1, { not: 'a work order' }), { kind: 'workOrder', id: 'W2', body: null, deleted: true, version: 2 }]);
    await cycles.pull(undefined, 10);
    expect(applied[0]?.documents).toEqual([
      { key: 'workOrder:W1', kind: 'workOrder', id: 'W1', body: { not: 'a work order' }, _deleted: false },
      { key: 'workOrder:W2', kind: 'workOrder', id: 'W2', body: {}, _deleted: true },
    ]);
  });
});

describe('forRxdb', () => {
  it('one document of a cycle, none of none', () => {
    expect(forRxdb(5)).toEqual([5]);
    expect(forRxdb(undefined)).toEqual([]);
  });
});
