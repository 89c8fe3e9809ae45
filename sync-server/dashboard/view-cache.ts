/**
 * One read model computed once per change, shared by every dashboard on this instance: after a station's push, every
 * open dashboard hears `change` and asks again at about the same moment; without this, 50 dashboards would each load
 * every open work order. The key says what the view was computed from (the change counter, the audit's last id); a
 * request that finds the same key within `maxAgeMs` gets the same answer, and requests arriving while it is computed
 * wait for that one computation. The key is read BEFORE computing, so a cached view is never older than its key (a
 * change that commits meanwhile moves the key, and the next request computes again). `maxAgeMs` bounds what changes
 * without moving any key (a station going quiet turns offline as time passes).
 */
export class ViewCache<T> {
  private done: { key: string; at: number; value: T } | null = null;
  private pending: { key: string; promise: Promise<T> } | null = null;

  constructor(private readonly maxAgeMs: number) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const done = this.done;
    if (done && done.key === key && Date.now() - done.at < this.maxAgeMs) return done.value;
    if (this.pending?.key === key) return this.pending.promise;
    const at = Date.now();
    const promise = compute();
    const pending = { key, promise };
    this.pending = pending;
    try {
      const value = await promise;
      this.done = { key, at, value };
      return value;
    } finally {
      if (this.pending === pending) this.pending = null;
    }
  }
}
