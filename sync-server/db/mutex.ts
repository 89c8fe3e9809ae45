/** A FIFO async mutex: PGlite is one connection, so its statements and transactions must take turns. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next holder waits for this one to settle either way; a failure belongs to this caller only.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
