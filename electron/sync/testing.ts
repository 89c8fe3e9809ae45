/**
 * Test helpers for the sync client: a fetch whose network can be cut and healed (a partitioned station); a fetch whose
 * pulls can be held off or cut after so many answers; a watch on the writes to a station's documents collection.
 */
import type { StationSyncPort } from '../core/ports';
import type { Fetch } from './http';

export interface PartitionableFetch {
  fetch: Fetch;
  /** From now on every request fails like a pulled cable; requests and live streams in flight are aborted. */
  cut(): void;
  heal(): void;
  readonly isCut: boolean;
}

export function partitionableFetch(base: Fetch = globalThis.fetch): PartitionableFetch {
  let isCut = false;
  const inflight = new Set<AbortController>();
  const fetchFn: Fetch = async (input, init) => {
    if (isCut) throw new TypeError('fetch failed', { cause: new Error('connect ENETUNREACH (network cut by the test)') });
    const ctl = new AbortController();
    inflight.add(ctl);
    const signal = init?.signal ? AbortSignal.any([init.signal, ctl.signal]) : ctl.signal;
    try {
      return await base(input, { ...init, signal });
    } catch (err) {
      inflight.delete(ctl);
      if (ctl.signal.aborted) throw new TypeError('fetch failed', { cause: new Error('connection reset (network cut by the test)') });
      throw err;
    }
  };
  return {
    fetch: fetchFn,
    cut() {
      isCut = true;
      for (const c of inflight) c.abort();
      inflight.clear();
    },
    heal() {
      isCut = false;
    },
    get isCut() {
      return isCut;
    },
  };
}

/** The state of a `pullGate`: tests set `pullsBlocked` and `pullsAllowed`, and read (or reset) the counts. */
export interface PullGate {
  /** Pulls and the live stream fail (pushes go through). */
  pullsBlocked: boolean;
  /** Pulls answered so far; at most `pullsAllowed` are (every later pull fails). */
  pullsAnswered: number;
  pullsAllowed: number;
  /** Pulls that failed because of the gate. */
  pullsRefused: number;
}

/** A fetch whose pulls (and live stream) can be held off while pushes go through, or cut after so many answers. */
export function pullGate(base: Fetch = globalThis.fetch): { gate: PullGate; fetch: Fetch } {
  const gate: PullGate = { pullsBlocked: false, pullsAnswered: 0, pullsAllowed: Infinity, pullsRefused: 0 };
  const gated: Fetch = async (input, init) => {
    const url = String(input);
    const isPull = url.includes('/api/pull');
    if ((gate.pullsBlocked || (isPull && gate.pullsAnswered >= gate.pullsAllowed)) && (isPull || url.includes('/api/stream'))) {
      if (isPull) gate.pullsRefused++;
      throw new TypeError('fetch failed');
    }
    const res = await base(input, init);
    if (isPull) gate.pullsAnswered++;
    return res;
  };
  return { gate, fetch: gated };
}

/** Every write to a station's documents collection, in order: its context and the keys it wrote (until `stop()`). */
export function watchDocumentWrites(core: Pick<StationSyncPort, 'replicationCollections'>) {
  const writes: { context: string; keys: string[] }[] = [];
  const sub = core
    .replicationCollections()
    .documents.storageInstance.changeStream()
    .subscribe((bulk) => writes.push({ context: bulk.context, keys: bulk.events.map((e) => e.documentId) }));
  /** How often each key was written since `from` (an index into `writes`). */
  const perKey = (from = 0) => {
    const n = new Map<string, number>();
    for (const w of writes.slice(from)) for (const k of w.keys) n.set(k, (n.get(k) ?? 0) + 1);
    return n;
  };
  return { writes, perKey, stop: () => sub.unsubscribe() };
}
