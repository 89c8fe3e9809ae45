/**
 * PullCycles over a scripted server: the core is handed every document of a cycle, RxDB only what its checkpoint
 * needs (one document for the head, a full batch for a part that does not reach it, none for an empty cycle), and a
 * pulled body that is not an object fails the request (reported, never handed to the core).
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
  const fetch: Fetch = async (input) => {
    const url = new URL(String(input));
    requests.push(url.search);
    const from = Number(url.searchParams.get('checkpoint') ?? 0);
    const limit = Number(url.searchParams.get('limit'));
    const batch = docs.filter((d) => d.version > from).slice(0, limit);
    const head = docs.at(-1)?.version ?? 0;
    return new Response(JSON.stringify({ documents: batch, checkpoint: { version: batch.at(-1)?.version ?? from }, head }), { status: 200 });
  };
  return { fetch, requests };
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
  return { cycles, applied, problems, requests: server.requests };
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
    expect(applied[0]!.documents[2]).toEqual({ key: 'workOrder:W3', kind: 'workOrder', id: 'W3', body: { id: 'W3', n: 3 }, _deleted: false });
    // Fewer than a batch: RxDB takes the answer for the head, stores the checkpoint and does not ask again.
    expect(answer.checkpoint).toEqual({ version: 5 });
    expect(keys(answer)).toEqual(['workOrder:W1']);
    expect(answer.documents.length).toBeLessThan(2);
  });

  it('a part that does not reach the head is held by the core, and RxDB gets a full batch, so it asks for the rest', async () => {
    const docs = Array.from({ length: 5 }, (_, i) => doc(i + 1));
    const { cycles, applied } = rig(docs, 2);
    const part = await cycles.pull(undefined, 2);
    expect(applied[0]?.hold).toBe(true);
    expect(keys(applied[0]!)).toEqual(['workOrder:W1', 'workOrder:W2']);
    expect(part.checkpoint).toEqual({ version: 2 });
    expect(part.documents).toHaveLength(2);

    const rest = await cycles.pull(part.checkpoint, 2);
    const last = await cycles.pull(rest.checkpoint, 2);
    expect(applied.map((p) => [keys(p), p.hold])).toEqual([
      [['workOrder:W1', 'workOrder:W2'], true],
      [['workOrder:W3', 'workOrder:W4'], true],
      [['workOrder:W5'], false],
    ]);
    expect(last.checkpoint).toEqual({ version: 5 });
    expect(keys(last)).toEqual(['workOrder:W5']);
  });

  it('nothing new: the core still applies (what parts held back), RxDB gets no document', async () => {
    const { cycles, applied } = rig([doc(1)]);
    const answer = await cycles.pull({ version: 1 }, 2);
    expect(applied).toEqual([{ documents: [], hold: false, checkpoint: 1 }]);
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
  it('a full batch for a held part, one document for the head, none of none', () => {
    const ds = [1, 2, 3, 4, 5];
    expect(forRxdb(ds, true, 3)).toEqual([1, 2, 3]);
    expect(forRxdb(ds, false, 3)).toEqual([1]);
    expect(forRxdb(ds, false, 1)).toEqual([1]);
    expect(forRxdb([], false, 3)).toEqual([]);
  });
});
