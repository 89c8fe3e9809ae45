/** Test helpers for the sync client: a fetch whose network can be cut and healed (a partitioned station). */
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
