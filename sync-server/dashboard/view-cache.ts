/**
 * One read model computed once per change, shared by every dashboard on this instance: after a station's push, every
 * open dashboard hears `change` and asks again at about the same moment; without this, 50 dashboards would each load
 * every open work order. The key says what the view was computed from (the change counter, the audit's last id); a
 * request that finds the same key within `maxAgeMs` gets the same answer, and requests arriving while it is computed
 * wait for that one computation. The key is read BEFORE computing, so a cached view is never older than its key (a
 * change that commits meanwhile moves the key, and the next request computes again). `maxAgeMs` bounds what changes
 * without moving any key (a station going quiet turns offline as time passes).
 *
 * Under a busy floor the key moves with every push (200 stations at 1 event/s: every 5 ms), so each dashboard's
 * re-read would find a new key and compute again: five dashboards made 30+ full floor loads a second and slowed the
 * stations' pushes (the load test, tests/load). So computations start at most once per `minIntervalMs`: a request
 * with a new key joins the next computation, which starts when the running one has finished and the interval has
 * passed. Its answer is still never older than the request (the computation starts after the request read its key);
 * it is only later, by at most the interval.
 */
export class ViewCache<T> {
  private done: { key: string; at: number; value: T } | null = null;
  private running: { key: string; promise: Promise<T> } | null = null;
  /** The computation requests with a newer key wait for: started when `running` ends and the interval has passed. */
  private next: { key: string; promise: Promise<T> } | null = null;
  private lastStart = -Infinity;

  constructor(
    private readonly maxAgeMs: number,
    private readonly minIntervalMs = 0,
  ) {}

  async get(key: string, compute: () => Promise<T>): Promise<T> {
    const done = this.done;
    if (done && done.key === key && Date.now() - done.at < this.maxAgeMs) return done.value;
    if (this.running?.key === key) return this.running.promise;
    if (this.next) {
      // Joiners read their keys before the computation starts: the latest one names what it will at least include.
      this.next.key = key;
      return this.next.promise;
    }
    if (!this.running && Date.now() - this.lastStart >= this.minIntervalMs) return this.start(key, compute);
    const next: { key: string; promise: Promise<T> } = { key, promise: Promise.resolve(undefined as never) };
    next.promise = (async () => {
      await this.running?.promise.catch(() => undefined);
      const wait = this.lastStart + this.minIntervalMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.next = null;
      return this.start(next.key, compute);
    })();
    this.next = next;
    return next.promise;
  }

  private async start(key: string, compute: () => Promise<T>): Promise<T> {
    const at = Date.now();
    this.lastStart = at;
    const running = { key, promise: compute() };
    this.running = running;
    try {
      const value = await running.promise;
      if (!this.done || this.done.at <= at) this.done = { key, at, value };
      return value;
    } finally {
      if (this.running === running) this.running = null;
    }
  }
}
