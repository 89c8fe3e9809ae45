/**
 * Test helpers for the sync client: a fetch whose network can be cut and healed (a partitioned station); a watch on
 * the writes to a station's documents collection.
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
