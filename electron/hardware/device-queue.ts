/**
 * One device's frames, handled strictly one after another: a detection is committed by the core before the next
 * frame from that detector is even looked at, so nothing the detector says later can overtake the halt.
 */
export class DeviceQueue {
  private tail: Promise<void> = Promise.resolve();
  /** Tasks queued and not finished yet. */
  backlog = 0;

  /** `failed` hears of a task that threw; the queue goes on with the next one. */
  constructor(private readonly failed: (err: unknown) => void) {}

  /** Queue a task behind everything queued before; a task's failure never blocks the next one. */
  enqueue(task: () => Promise<void>): Promise<void> {
    this.backlog++;
    const next = this.tail.then(task).catch(this.failed);
    this.tail = next.finally(() => {
      this.backlog--;
    });
    return this.tail;
  }

  /** Settles when everything queued so far has been handled. */
  get idle(): Promise<void> {
    return this.tail;
  }
}
