import { LineSplitter, emptyHealth, printable, type DeviceFrame, type DriverHealth, type ErrorFrame, type LineSink, type Terminator } from './driver';

/**
 * What the line drivers (line detector, scanner) share besides parsing: one bounded LineSplitter, the health
 * counters and the frames one read completed. A subclass parses each line in `onLine` and reports a line it refuses
 * with `reject`; an over-long line is reported here.
 */
export abstract class LineDriver<F extends DeviceFrame> {
  protected readonly stats: DriverHealth = emptyHealth();
  protected out: (F | ErrorFrame)[] = [];
  /** Bytes of whole lines the parser refused (the splitter counts the bytes it dropped itself). */
  private rejectedBytes = 0;
  private readonly splitter: LineSplitter;
  private readonly sink: LineSink;

  /** `what` names a line in diagnostics: 'line', 'scan'. */
  protected constructor(maxLength: number, terminator: Terminator, what: string) {
    this.splitter = new LineSplitter(maxLength, terminator);
    this.sink = {
      line: (bytes, printableAscii) => this.onLine(bytes, printableAscii),
      overflow: (head) => this.error(`${what} longer than ${maxLength} bytes dropped`, head),
    };
  }

  push(chunk: Uint8Array): (F | ErrorFrame)[] {
    this.out = [];
    this.stats.bytesIn += chunk.length;
    this.splitter.push(chunk, this.sink);
    this.stats.droppedBytes = this.splitter.dropped + this.rejectedBytes;
    this.stats.bufferedBytes = this.splitter.buffered;
    return this.out;
  }

  resetStream(): void {
    this.splitter.reset();
    this.stats.bufferedBytes = 0;
  }

  health(): DriverHealth {
    return { ...this.stats };
  }

  /** One line, valid only during the call; `printableAscii`: every byte is in 0x20-0x7E. */
  protected abstract onLine(bytes: Buffer, printableAscii: boolean): void;

  /** A whole line refused: its bytes count as dropped, and an `error` frame says why. */
  protected reject(reason: string, bytes: Uint8Array, suspected?: ErrorFrame['suspected']): void {
    this.rejectedBytes += bytes.length;
    this.error(reason, bytes, suspected);
  }

  private error(reason: string, raw: Uint8Array, suspected?: ErrorFrame['suspected']): void {
    this.stats.errors++;
    this.stats.lastError = reason;
    const frame: ErrorFrame = { kind: 'error', reason, raw: printable(raw) };
    if (suspected) frame.suspected = suspected;
    this.out.push(frame);
  }
}
