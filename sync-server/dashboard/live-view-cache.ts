/**
 * A live dashboard view computed once for every dashboard that asks at about the same time, and never older than a
 * request. After a change every open dashboard re-reads at once (live.ts sends one `change` per interval); those
 * requests arrive over some milliseconds, and on a busy floor (a push every 5 ms) each reads a newer change key than
 * the one before. view-cache.ts, which joins a computation only on an equal key, started one computation for the first
 * request and made every later one of the same burst wait out the whole interval for the next (the dashboard
 * benchmark's push → dashboard latency: p50 0.33 s of which most was that wait).
 *
 * Here a request joins any computation that STARTED after the request arrived (its reads come after that moment, so
 * they hold everything committed before the request), whatever the keys: a computation waits `gatherMs` before it
 * starts, so the burst a `change` causes shares one. Keys only tell when nothing changed: a request whose change key
 * (read after it arrived) equals the one the last computation read when it started gets that computation's answer
 * (within `maxAgeMs`, which bounds what changes without moving any key: a station going quiet turns offline). And
 * computations start at most once per `minIntervalMs` however busy the floor; requests meanwhile join the next one.
 */
export class LiveViewCache<T> {
  private done: { key: string; at: number; value: T } | null = null;
  private running: { startedAt: number; promise: Promise<T> } | null = null;
  /** The computation requests join while it has not started (it starts after every one of them arrived). */
  private next: Promise<T> | null = null;
  private lastStart = -Infinity;

  constructor(
    private readonly opts: { maxAgeMs: number; minIntervalMs: number; gatherMs: number },
    /** The change key, read after it is called (fresh-read.ts): a computation reads it as it starts. */
    private readonly readKey: () => Promise<string>,
  ) {}

  /**
   * The view for a request that arrived at `arrived` (performance.now()) and then read the change key `key`; `maxAgeMs`
   * a tighter age bound than the cache's own for this request (live-views.ts keep: computed again before the bound).
   */
  async get(arrived: number, key: string, compute: () => Promise<T>, maxAgeMs = this.opts.maxAgeMs): Promise<T> {
    const done = this.done;
    if (done && done.key === key && performance.now() - done.at < Math.min(maxAgeMs, this.opts.maxAgeMs)) return done.value;
    if (this.running && this.running.startedAt >= arrived) return this.running.promise;
    if (this.next) return this.next;
    const next = (async () => {
      await this.running?.promise.catch(() => undefined);
      const wait = Math.max(this.opts.gatherMs, this.lastStart + this.opts.minIntervalMs - performance.now());
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.next = null;
      return this.start(compute);
    })();
    this.next = next;
    return next;
  }

  private async start(compute: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    this.lastStart = startedAt;
    const promise = (async () => {
      // The key first, then the view: the view holds at least what the key says.
      const key = await this.readKey();
      const value = await compute();
      if (!this.done || this.done.at <= startedAt) this.done = { key, at: startedAt, value };
      return value;
    })();
    const running = { startedAt, promise };
    this.running = running;
    try {
      return await promise;
    } finally {
      if (this.running === running) this.running = null;
    }
  }
}
