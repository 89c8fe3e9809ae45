/**
 * Work for many streams spread over turns of the event loop: at most `perTurn` jobs run per turn, and between turns the
 * loop reads its sockets (the stations' pushes). A round of the live channel (live.ts) resolves every open dashboard's
 * answer at the same moment; sending them all at once (50 socket writes of tens of kilobytes) held the event loop for
 * milliseconds, and a station's push arriving meanwhile waited that long for its acknowledgement (the dashboard
 * benchmark's push-ack p99). The same work, in slices.
 */
export class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(
    private readonly perTurn: number,
    private readonly onError: (err: unknown) => void,
  ) {
    if (!Number.isInteger(perTurn) || perTurn < 1) throw new Error(`perTurn must be a positive integer (${perTurn})`);
  }

  /** Runs `job` in a later turn, after the jobs queued before it. */
  run(job: () => void): void {
    this.waiting.push(job);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    for (const job of this.waiting.splice(0, this.perTurn)) {
      try {
        job();
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.waiting.length > 0) setImmediate(() => this.drain());
    else this.scheduled = false;
  }
}

/**
 * Resolves in a later turn of the event loop, after the sockets were read: a computation that awaits it between its
 * steps lets a push arriving meanwhile be read (and its database round trips answered) between them, instead of after
 * all of them (live-views.ts: the Floor's few milliseconds after each of its reads).
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
