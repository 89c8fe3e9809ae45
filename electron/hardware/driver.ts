import { z } from 'zod';

/**
 * One driver interface for every serial device family.
 *
 * A driver is a pure, incremental byte-stream parser: the connection feeds it whatever bytes one read returned
 * (a frame may be split at any byte, several frames may arrive in one read, garbage may sit in between), and it
 * returns the typed frames completed by those bytes. It never throws and never invents an event: anything it cannot
 * read becomes an `error` diagnostic (counted in `health()`), so the station core can log it and keep running.
 */

// ---------------------------------------------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------------------------------------------

export const MetalSchema = z.enum(['fe', 'nonfe', 'stainless', 'unknown']);
export type Metal = z.infer<typeof MetalSchema>;

/** Fields any detector frame may carry; which ones are present depends on the protocol. */
const detectorCommon = {
  deviceId: z.string().min(1).max(32),
  /** The device's own clock as it sent it (not trusted for ordering; the station stamps its own time). */
  deviceTime: z.string().max(40).optional(),
  /** Framed protocol only: 0–9999, wraps. */
  messageNo: z.number().int().min(0).max(9999).optional(),
  /** Running counters where the protocol reports them. */
  rejectCount: z.number().int().min(0).optional(),
  packCount: z.number().int().min(0).optional(),
};

export const PassFrameSchema = z.object({ kind: z.literal('pass'), ...detectorCommon });
export const DetectionFrameSchema = z.object({ kind: z.literal('detection'), metal: MetalSchema, ...detectorCommon });
export const VerificationFrameSchema = z.object({
  kind: z.literal('verification'),
  result: z.enum(['pass', 'fail']),
  metal: MetalSchema,
  sizeMm: z.number().positive().max(100).optional(),
  pieceId: z.string().min(1).max(64).optional(),
  ...detectorCommon,
});
export const FaultFrameSchema = z.object({
  kind: z.literal('fault'),
  /** Fault register; 0 means the device reports its faults cleared. */
  bits: z.number().int().min(0).max(0xffff),
  description: z.string(),
  ...detectorCommon,
});
export const PowerOnFrameSchema = z.object({ kind: z.literal('powerOn'), ...detectorCommon });
/** Status message carrying only counters (framed protocol `CNT`). */
export const CountersFrameSchema = z.object({ kind: z.literal('counters'), ...detectorCommon });
/**
 * Framed protocol: message numbers skipped. A lost message may have been a detection, so the core must see this
 * (e.g. to demand a verification run) rather than it vanishing into a log.
 */
export const GapFrameSchema = z.object({
  kind: z.literal('gap'),
  deviceId: z.string(),
  expected: z.number().int().min(0).max(9999),
  received: z.number().int().min(0).max(9999),
  missed: z.number().int().min(1).max(9999),
});

/** Parser diagnostic: bytes that could not be read. Never an event; counted in health. */
export const ErrorFrameSchema = z.object({
  kind: z.literal('error'),
  reason: z.string(),
  /** Printable, truncated copy of the offending bytes, for the log. */
  raw: z.string().max(200).optional(),
  /**
   * Set when the unreadable bytes looked like a detection (line protocol: the keyword was readable). Without a
   * checksum a garbled FAIL line must not simply vanish: the core can escalate this instead of only logging it.
   */
  suspected: z.literal('detection').optional(),
});

export const DetectorFrameSchema = z.discriminatedUnion('kind', [
  PassFrameSchema,
  DetectionFrameSchema,
  VerificationFrameSchema,
  FaultFrameSchema,
  PowerOnFrameSchema,
  CountersFrameSchema,
  GapFrameSchema,
  ErrorFrameSchema,
]);
export type DetectorFrame = z.infer<typeof DetectorFrameSchema>;
export type PassFrame = z.infer<typeof PassFrameSchema>;
export type DetectionFrame = z.infer<typeof DetectionFrameSchema>;
export type VerificationFrame = z.infer<typeof VerificationFrameSchema>;
export type FaultFrame = z.infer<typeof FaultFrameSchema>;
export type PowerOnFrame = z.infer<typeof PowerOnFrameSchema>;
export type CountersFrame = z.infer<typeof CountersFrameSchema>;
export type GapFrame = z.infer<typeof GapFrameSchema>;

/** A raw scan; classification (badge, SPK, slip, carton...) happens in `shared/barcode`, not here. */
export const ScanFrameSchema = z.object({
  kind: z.literal('scan'),
  /** AIM symbology identifier as sent (`]C1`, `]E0`, `]d2`...), or null when the scanner sends none. */
  symbology: z.string().regex(/^\][A-Za-z][0-9A-Za-z]$/).nullable(),
  data: z.string().min(1),
});
export type ScanFrame = z.infer<typeof ScanFrameSchema>;

export const ScannerFrameSchema = z.discriminatedUnion('kind', [ScanFrameSchema, ErrorFrameSchema]);
export type ScannerFrame = z.infer<typeof ScannerFrameSchema>;

export const DeviceFrameSchema = z.union([DetectorFrameSchema, ScannerFrameSchema]);
export type DeviceFrame = DetectorFrame | ScannerFrame;
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Driver
// ---------------------------------------------------------------------------------------------------------------

export interface DriverHealth {
  bytesIn: number;
  /** Frames emitted, diagnostics excluded. */
  frames: number;
  /** `error` diagnostics emitted. */
  errors: number;
  /** Bytes thrown away (garbage between frames, over-long lines, bad frames). */
  droppedBytes: number;
  /** Framed protocol: repeated message numbers dropped. */
  duplicates: number;
  /** Bytes currently held waiting for the rest of a frame; always <= the configured bound. */
  bufferedBytes: number;
  lastError: string | null;
}

export type DeviceFamily = 'line-detector' | 'framed-detector' | 'scanner';

export interface Driver<F extends DeviceFrame = DeviceFrame> {
  readonly family: DeviceFamily;
  /** Feed the bytes of one read; returns the frames they completed, in order. Never throws. */
  push(chunk: Uint8Array): F[];
  /**
   * Forget a partly received frame (after unplug/replug the next bytes do not continue it). Keeps what must survive
   * a reconnect, such as the last accepted message number for de-duplication.
   */
  resetStream(): void;
  health(): DriverHealth;
}

export function emptyHealth(): DriverHealth {
  return { bytesIn: 0, frames: 0, errors: 0, droppedBytes: 0, duplicates: 0, bufferedBytes: 0, lastError: null };
}

/** Printable copy of bytes for diagnostics: control bytes shown as <XX>, truncated so logs stay bounded. */
export function printable(bytes: Uint8Array, max = 120): string {
  let out = '';
  for (let i = 0; i < bytes.length && out.length < max; i++) {
    const b = bytes[i] ?? 0;
    out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `<${b.toString(16).padStart(2, '0').toUpperCase()}>`;
  }
  return out.length > max ? out.slice(0, max) : out;
}

// ---------------------------------------------------------------------------------------------------------------
// Fault register
// ---------------------------------------------------------------------------------------------------------------

/** Default meaning of the detector fault bits (both protocols); a site can pass its own table in the driver config. */
export const DEFAULT_FAULT_BITS: Readonly<Record<number, string>> = {
  0x0001: 'coil imbalance',
  0x0002: 'reject not confirmed',
  0x0004: 'reject bin full',
  0x0008: 'belt stopped',
  0x0010: 'air pressure low',
  0x0020: 'configuration memory error',
  0x0040: 'verification overdue',
  0x0080: 'cover open',
};

export function describeFaultBits(bits: number, table: Readonly<Record<number, string>> = DEFAULT_FAULT_BITS): string {
  if (bits === 0) return 'no fault';
  const parts: string[] = [];
  for (let bit = 1; bit <= 0x8000; bit <<= 1) {
    if ((bits & bit) === 0) continue;
    parts.push(table[bit] ?? `unknown fault 0x${bit.toString(16).padStart(4, '0')}`);
  }
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Line splitting shared by the line detector and the scanner
// ---------------------------------------------------------------------------------------------------------------

export const TerminatorSchema = z.enum(['CR', 'LF', 'CRLF', 'any']);
/** `any`: CR, LF or CRLF each end one line (a CRLF split across reads still ends exactly one line). */
export type Terminator = z.infer<typeof TerminatorSchema>;

const CR = 0x0d;
const LF = 0x0a;

export interface LineSink {
  /**
   * `bytes` is only valid during the call (the splitter reuses its buffer). `printableAscii`: every byte is in
   * 0x20-0x7E, checked while the line was collected so the parser need not look again.
   */
  line(bytes: Buffer, printableAscii: boolean): void;
  /** Called once when a line grows past the bound; its bytes are dropped up to the next terminator. */
  overflow(droppedSoFar: Uint8Array): void;
}

/**
 * Splits a byte stream into lines with a fixed-size buffer: memory stays bounded whatever the device sends.
 * Empty lines are skipped (a CRLF pair, a stray LF), so no phantom empty scan or event can come out of here.
 */
export class LineSplitter {
  private readonly buf: Buffer;
  private len = 0;
  private printable = true;
  private overflowing = false;
  /** `any`: the previous byte was CR, so an LF now is the second half of CRLF. `CRLF`: a CR is waiting for its LF. */
  private afterCR = false;
  dropped = 0;

  constructor(
    readonly maxLength: number,
    private readonly terminator: Terminator,
  ) {
    this.buf = Buffer.alloc(maxLength);
  }

  get buffered(): number {
    return this.len;
  }

  reset(): void {
    this.len = 0;
    this.printable = true;
    this.overflowing = false;
    this.afterCR = false;
  }

  push(chunk: Uint8Array, sink: LineSink): void {
    const term = this.terminator;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (term === 'any') {
        if (b === CR) {
          this.afterCR = true;
          this.endLine(sink);
          continue;
        }
        if (b === LF) {
          if (!this.afterCR) this.endLine(sink);
          this.afterCR = false;
          continue;
        }
        this.afterCR = false;
      } else if (term === 'CR') {
        if (b === CR) {
          this.endLine(sink);
          continue;
        }
      } else if (term === 'LF') {
        if (b === LF) {
          this.endLine(sink);
          continue;
        }
      } else {
        // CRLF: a CR is held back until we know whether LF follows; a lone CR is data (and the parser rejects it).
        if (this.afterCR) {
          this.afterCR = false;
          if (b === LF) {
            this.endLine(sink);
            continue;
          }
          this.append(CR, sink);
        }
        if (b === CR) {
          this.afterCR = true;
          continue;
        }
      }
      this.append(b, sink);
    }
  }

  private append(b: number, sink: LineSink): void {
    if (this.overflowing) {
      this.dropped++;
      return;
    }
    if (this.len === this.buf.length) {
      this.overflowing = true;
      this.dropped += this.len + 1;
      sink.overflow(this.buf.subarray(0, Math.min(this.len, 60)));
      this.len = 0;
      this.printable = true;
      return;
    }
    this.buf[this.len++] = b;
    if (b < 0x20 || b > 0x7e) this.printable = false;
  }

  private endLine(sink: LineSink): void {
    if (this.overflowing) {
      this.overflowing = false;
      this.len = 0;
      this.printable = true;
      return;
    }
    if (this.len === 0) return;
    // A view, not a copy (a copy per line costs more than parsing it): valid only during the call, since the
    // buffer is reused for the next line. Sinks decode it at once.
    const line = this.buf.subarray(0, this.len);
    const printable = this.printable;
    this.len = 0;
    this.printable = true;
    sink.line(line, printable);
  }
}
