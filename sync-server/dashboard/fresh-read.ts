/**
 * One read shared by every caller that needs a value read after it called: the dashboards' change keys (view-cache.ts
 * reads a view's key before computing, so an answer is never older than its request). After a change, every open
 * dashboard asks at about the same moment; 50 key queries at once took the pool's connections from the stations'
 * pushes (the dashboard benchmark). Here a caller joins the read that has not started yet, or, while one runs (it may
 * have started before the call), the next one, started as soon as that one ends: at most two reads however many ask,
 * and each caller's answer still comes from a read that started after it asked.
 */
export class FreshRead<T> {
  private running: Promise<T> | null = null;
  private queued: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.queued) return this.queued;
    const running = this.running;
    if (!running) return this.start();
    const queued = running
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  private start(): Promise<T> {
    const p = this.read();
    this.running = p;
    const done = () => {
      if (this.running === p) this.running = null;
    };
    p.then(done, done);
    return p;
  }
}
