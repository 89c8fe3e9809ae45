import { z } from 'zod';
import {
  DEFAULT_FAULT_BITS,
  describeFaultBits,
  emptyHealth,
  printable,
  type CountersFrame,
  type DetectionFrame,
  type DetectorFrame,
  type Driver,
  type DriverHealth,
  type FaultFrame,
  type Metal,
  type PassFrame,
  type PowerOnFrame,
  type VerificationFrame,
} from './driver';

/**
 * Metal detectors with framed messages.
 *
 *   frame    := STX(0x02) payload ETX(0x03) checksum
 *   checksum := XOR of every payload byte (STX and ETX excluded), as 2 hex ASCII characters ('0'-'9','A'-'F';
 *               lower case accepted on input). XOR catches every single-byte error, which is what a noisy cable does.
 *   payload  := msgNo '|' deviceId '|' type '|' time '|' rejects '|' packs '|' faults '|' reset ( '|' arg )*
 *     msgNo    4 digits 0000-9999, +1 per message, wraps 9999 -> 0000
 *     deviceId 1-32 of [A-Za-z0-9_-]
 *     type     PASS | DET | VER | FLT | PWR | CNT
 *     time     device clock (date/time characters) or empty
 *     rejects  reject counter, 1-9 digits;  packs  pack counter, 1-9 digits
 *     faults   fault register, 4 hex digits (0000 = no fault)
 *     reset    '1' if this is the first message since power-on/reset, else '0'
 *     args     DET: metal                         (FE | NFE | SS | UNK)
 *              VER: metal '|' sizeMm '|' pieceId '|' result  (sizeMm and pieceId may be empty; result OK | NG)
 *              PASS, FLT, PWR, CNT: none
 *
 * Example: <STX>0042|MD02|DET|2026-11-21T10:00:00|17|5230|0000|0|FE<ETX>39
 *
 * Emission for one accepted message, in order: `powerOn` if the reset flag is set (and the type is not PWR);
 * `fault` if the fault register differs from the last message's (also when it clears to 0); then the message's own
 * frame. De-duplication: a message number equal to the last accepted one is dropped (the device retransmits when
 * unsure), except the first message after a reset. A jump in numbering yields a `gap` frame before the message.
 * A frame whose checksum fails yields no event at all, only an `error` diagnostic.
 */

export const STX = 0x02;
export const ETX = 0x03;

export const FramedDetectorConfigSchema = z.object({
  /** Longest payload accepted; a longer one is dropped (bounded buffer). */
  maxPayload: z.number().int().min(32).max(4096).default(256),
  expectedDeviceId: z.string().min(1).max(32).optional(),
  faultBits: z.record(z.string(), z.string()).optional(),
});
export type FramedDetectorConfig = z.infer<typeof FramedDetectorConfigSchema>;
export type FramedDetectorConfigInput = z.input<typeof FramedDetectorConfigSchema>;

export type FramedMessageType = 'PASS' | 'DET' | 'VER' | 'FLT' | 'PWR' | 'CNT';

export const FRAMED_METAL_CODES: Readonly<Record<Metal, string>> = { fe: 'FE', nonfe: 'NFE', stainless: 'SS', unknown: 'UNK' };
const CODE_TO_METAL = new Map<string, Metal>(
  (Object.entries(FRAMED_METAL_CODES) as [Metal, string][]).map(([m, c]) => [c, m]),
);

export function xorChecksum(payload: Uint8Array): number {
  let x = 0;
  for (let i = 0; i < payload.length; i++) x ^= payload[i] as number;
  return x;
}

const SIZE = /^[0-9]{1,2}(\.[0-9]{1,3})?$/;
const PIECE_ID = /^[A-Za-z0-9_./-]{1,64}$/;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

const enum State {
  Hunt,
  Payload,
  Check1,
  Check2,
}

class PayloadError extends Error {}

interface ParsedMessage {
  msgNo: number;
  deviceId: string;
  type: FramedMessageType;
  deviceTime: string | undefined;
  rejectCount: number;
  packCount: number;
  faultBits: number;
  reset: boolean;
  args: string[];
}

export class FramedDetectorDriver implements Driver<DetectorFrame> {
  readonly family = 'framed-detector' as const;
  readonly config: FramedDetectorConfig;
  private readonly buf: Buffer;
  private readonly reader: PayloadReader;
  private len = 0;
  private state = State.Hunt;
  private check = 0;
  /** Running XOR and printable check of the payload so far, so completing a frame needs no second pass. */
  private xor = 0;
  private nonPrintable = false;
  private garbage = 0;
  private readonly garbageHead = new Uint8Array(40);
  private readonly stats: DriverHealth = emptyHealth();
  private readonly faultTable: Record<number, string>;
  private lastMsgNo: number | null = null;
  private lastWasReset = false;
  private lastFaultBits: number | null = null;
  private out: DetectorFrame[] = [];

  constructor(config: FramedDetectorConfigInput = {}) {
    this.config = FramedDetectorConfigSchema.parse(config);
    this.buf = Buffer.alloc(this.config.maxPayload);
    this.reader = new PayloadReader(this.buf);
    this.faultTable = { ...DEFAULT_FAULT_BITS };
    for (const [bit, text] of Object.entries(this.config.faultBits ?? {})) this.faultTable[Number(bit)] = text;
  }

  health(): DriverHealth {
    return { ...this.stats, bufferedBytes: this.len };
  }

  /** The last accepted message number (survives `resetStream`, so a retransmit after replug is still a duplicate). */
  get lastMessageNo(): number | null {
    return this.lastMsgNo;
  }

  resetStream(): void {
    this.flushGarbage();
    this.len = 0;
    this.state = State.Hunt;
  }

  push(chunk: Uint8Array): DetectorFrame[] {
    this.out = [];
    this.stats.bytesIn += chunk.length;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i] as number;
      switch (this.state) {
        case State.Hunt:
          if (b === STX) {
            this.flushGarbage();
            this.startFrame();
          } else if (b !== 0x0d && b !== 0x0a) {
            // CR/LF after a frame is common padding, not noise; anything else is counted and reported once per run.
            if (this.garbage < this.garbageHead.length) this.garbageHead[this.garbage] = b;
            this.garbage++;
            this.stats.droppedBytes++;
          }
          break;
        case State.Payload: {
          // Most bytes of a stream land here: copy in a local loop, keeping the XOR and the printable check as we go.
          const buf = this.buf;
          let len = this.len;
          let x = this.xor;
          let bad = this.nonPrintable;
          let c = b;
          while (c !== ETX && c !== STX && len < buf.length) {
            buf[len++] = c;
            x ^= c;
            if (c < 0x20 || c > 0x7e) bad = true;
            if (++i === n) break;
            c = chunk[i] as number;
          }
          this.len = len;
          this.xor = x;
          this.nonPrintable = bad;
          if (i === n) break;
          if (c === ETX) this.state = State.Check1;
          else if (c === STX) {
            this.reject('frame restarted before ETX', this.len + 1);
            this.startFrame();
          } else {
            this.reject(`payload longer than ${this.buf.length} bytes`, this.len + 1);
            this.state = State.Hunt;
            this.len = 0;
          }
          break;
        }
        case State.Check1:
        case State.Check2: {
          const v = hexValue(b);
          if (v < 0) {
            this.reject(b === STX ? 'frame cut off inside checksum' : 'malformed checksum', this.len + 2);
            if (b === STX) this.startFrame();
            else {
              this.state = State.Hunt;
              this.len = 0;
            }
          } else if (this.state === State.Check1) {
            this.check = v << 4;
            this.state = State.Check2;
          } else {
            this.check |= v;
            this.state = State.Hunt;
            this.completeFrame();
            this.len = 0;
          }
          break;
        }
      }
    }
    this.stats.bufferedBytes = this.len;
    return this.out;
  }

  private startFrame(): void {
    this.state = State.Payload;
    this.len = 0;
    this.xor = 0;
    this.nonPrintable = false;
  }

  private flushGarbage(): void {
    if (this.garbage === 0) return;
    this.error(`${this.garbage} byte(s) of noise between frames`, this.garbageHead.subarray(0, Math.min(this.garbage, 40)));
    this.garbage = 0;
  }

  private reject(reason: string, bytes: number): void {
    this.stats.droppedBytes += bytes;
    this.error(reason, this.buf.subarray(0, this.len));
  }

  private error(reason: string, raw: Uint8Array): void {
    this.stats.errors++;
    this.stats.lastError = reason;
    this.out.push({ kind: 'error', reason, raw: printable(raw) });
  }

  private completeFrame(): void {
    const expected = this.xor;
    if (expected !== this.check) {
      this.reject(
        `checksum mismatch (got ${this.check.toString(16).padStart(2, '0')}, computed ${expected.toString(16).padStart(2, '0')})`,
        this.len + 4,
      );
      return;
    }
    let msg: ParsedMessage;
    try {
      if (this.nonPrintable) throw new PayloadError('non-printable byte');
      msg = this.reader.read(this.len);
      if (this.config.expectedDeviceId && msg.deviceId !== this.config.expectedDeviceId) {
        throw new PayloadError(`message from unexpected device ${msg.deviceId}`);
      }
    } catch (err) {
      const reason = err instanceof PayloadError ? err.message : `parser failure: ${String(err)}`;
      this.reject(`malformed payload: ${reason}`, this.len + 4);
      return;
    }
    this.accept(msg);
  }

  private accept(msg: ParsedMessage): void {
    // The first message after a reset may legitimately reuse the number the device had before it restarted.
    const restart = msg.reset && !this.lastWasReset;
    if (this.lastMsgNo === msg.msgNo && !restart) {
      this.stats.duplicates++;
      return;
    }
    if (this.lastMsgNo !== null && !msg.reset) {
      const expected = (this.lastMsgNo + 1) % 10000;
      if (msg.msgNo !== expected) {
        this.emit({
          kind: 'gap',
          deviceId: msg.deviceId,
          expected,
          received: msg.msgNo,
          missed: (msg.msgNo - expected + 10000) % 10000,
        });
      }
    }
    this.lastMsgNo = msg.msgNo;
    this.lastWasReset = msg.reset;

    const id = msg.deviceId;
    if (msg.reset && msg.type !== 'PWR') this.emit(stamp<PowerOnFrame>({ kind: 'powerOn', deviceId: id }, msg));
    const faultChanged = this.lastFaultBits === null ? msg.faultBits !== 0 : msg.faultBits !== this.lastFaultBits;
    this.lastFaultBits = msg.faultBits;
    if (faultChanged || msg.type === 'FLT') {
      const description = describeFaultBits(msg.faultBits, this.faultTable);
      this.emit(stamp<FaultFrame>({ kind: 'fault', bits: msg.faultBits, description, deviceId: id }, msg));
    }
    switch (msg.type) {
      case 'PASS':
        this.emit(stamp<PassFrame>({ kind: 'pass', deviceId: id }, msg));
        break;
      case 'DET':
        this.emit(stamp<DetectionFrame>({ kind: 'detection', metal: metalOf(msg.args[0]), deviceId: id }, msg));
        break;
      case 'VER': {
        const size = msg.args[1];
        const pieceId = msg.args[2];
        const frame: VerificationFrame = {
          kind: 'verification',
          result: msg.args[3] === 'OK' ? 'pass' : 'fail',
          metal: metalOf(msg.args[0]),
          deviceId: id,
        };
        if (size) frame.sizeMm = Number(size);
        if (pieceId) frame.pieceId = pieceId;
        this.emit(stamp(frame, msg));
        break;
      }
      case 'FLT':
        // Already emitted above: a FLT message is always reported, changed or not.
        break;
      case 'PWR':
        this.emit(stamp<PowerOnFrame>({ kind: 'powerOn', deviceId: id }, msg));
        break;
      case 'CNT':
        this.emit(stamp<CountersFrame>({ kind: 'counters', deviceId: id }, msg));
        break;
    }
  }

  private emit(frame: DetectorFrame): void {
    this.stats.frames++;
    this.out.push(frame);
  }
}

interface Stampable {
  messageNo?: number;
  rejectCount?: number;
  packCount?: number;
  deviceTime?: string;
}

/** Adds the fields every framed message carries (plain assignments: this runs for every frame). */
function stamp<T extends Stampable>(frame: T, msg: ParsedMessage): T {
  frame.messageNo = msg.msgNo;
  frame.rejectCount = msg.rejectCount;
  frame.packCount = msg.packCount;
  if (msg.deviceTime !== undefined) frame.deviceTime = msg.deviceTime;
  return frame;
}

function metalOf(code: string | undefined): Metal {
  return (code && CODE_TO_METAL.get(code)) || 'unknown';
}

const NO_ARGS: string[] = [];
const SEP = 0x7c; // '|'
const MAX_FIELDS = 16;

/** Packs up to 4 ASCII bytes into one number, so short codes compare without making strings. */
function codeKey(p: Uint8Array, start: number, end: number): number {
  if (end - start > 4 || end <= start) return -1;
  let k = 0;
  for (let i = start; i < end; i++) k = k * 256 + (p[i] as number);
  return k;
}
const keyOf = (s: string): number => codeKey(Uint8Array.from(s, (c) => c.charCodeAt(0)), 0, s.length);
const TYPE_BY_KEY = new Map<number, FramedMessageType>(
  (['PASS', 'DET', 'VER', 'FLT', 'PWR', 'CNT'] as const).map((t) => [keyOf(t), t]),
);
/** DET's single argument, as a shared constant array per metal code (no allocation per message). */
const DET_ARGS_BY_KEY = new Map<number, string[]>(Object.values(FRAMED_METAL_CODES).map((c) => [keyOf(c), [c]]));

/** Unsigned decimal of 1..maxDigits digits, or -1. */
function digits(p: Uint8Array, start: number, end: number, maxDigits: number): number {
  if (end <= start || end - start > maxDigits) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = (p[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

function isIdByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2d;
}

/** Device time: a digit, then 3-39 of [0-9T:./ +Z-]. */
function isTime(p: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  if (n < 4 || n > 40) return false;
  const first = p[start] as number;
  if (first < 0x30 || first > 0x39) return false;
  for (let i = start + 1; i < end; i++) {
    const b = p[i] as number;
    const ok = (b >= 0x30 && b <= 0x39) || b === 0x54 || b === 0x3a || b === 0x2e || b === 0x2f || b === 0x20 || b === 0x2b || b === 0x5a || b === 0x2d;
    if (!ok) return false;
  }
  return true;
}

/**
 * Reads a payload straight from its bytes: fields are located by their separators and numbers are read digit by
 * digit, so the hot path (PASS/DET) makes no intermediate strings beyond the device time. Verification messages
 * (a few per hour) take the simpler string route.
 */
class PayloadReader {
  /** Start and end (exclusive) of each field in the payload buffer. */
  private readonly starts = new Int32Array(MAX_FIELDS);
  private readonly ends = new Int32Array(MAX_FIELDS);
  private idBytes = new Uint8Array(0);
  private id = '';

  constructor(private readonly buf: Buffer) {}

  read(len: number): ParsedMessage {
    const p = this.buf;
    const st = this.starts;
    const en = this.ends;
    let nf = 0;
    st[0] = 0;
    for (let i = 0; i < len; i++) {
      if (p[i] !== SEP) continue;
      if (nf + 1 === MAX_FIELDS) throw new PayloadError('too many fields');
      en[nf++] = i;
      st[nf] = i + 1;
    }
    en[nf++] = len;
    if (nf < 8) throw new PayloadError('too few fields');
    const s0 = st[0] as number;
    const e0 = en[0] as number;
    const s1 = st[1] as number;
    const e1 = en[1] as number;
    const s2 = st[2] as number;
    const e2 = en[2] as number;
    const s3 = st[3] as number;
    const e3 = en[3] as number;
    const s4 = st[4] as number;
    const e4 = en[4] as number;
    const s5 = st[5] as number;
    const e5 = en[5] as number;
    const s6 = st[6] as number;
    const e6 = en[6] as number;
    const s7 = st[7] as number;
    const e7 = en[7] as number;

    const msgNo = e0 - s0 === 4 ? digits(p, s0, e0, 4) : -1;
    if (msgNo < 0) throw new PayloadError('message number');
    const deviceId = this.deviceId(s1, e1);
    const type = TYPE_BY_KEY.get(codeKey(p, s2, e2));
    let deviceTime: string | undefined;
    if (e3 > s3) {
      if (!isTime(p, s3, e3)) throw new PayloadError('device time');
      deviceTime = p.toString('latin1', s3, e3);
    }
    const rejectCount = digits(p, s4, e4, 9);
    const packCount = digits(p, s5, e5, 9);
    if (rejectCount < 0 || packCount < 0) throw new PayloadError('counters');
    let faultBits = e6 - s6 === 4 ? 0 : -1;
    for (let i = s6; faultBits >= 0 && i < e6; i++) {
      const v = hexValue(p[i] as number);
      faultBits = v < 0 ? -1 : faultBits * 16 + v;
    }
    if (faultBits < 0) throw new PayloadError('fault bits');
    const resetByte = e7 - s7 === 1 ? p[s7] : -1;
    if (resetByte !== 0x30 && resetByte !== 0x31) throw new PayloadError('reset flag');

    const argc = nf - 8;
    let args = NO_ARGS;
    switch (type) {
      case 'PASS':
      case 'FLT':
      case 'PWR':
      case 'CNT':
        if (argc !== 0) throw new PayloadError(`unexpected arguments for ${type}`);
        break;
      case 'DET': {
        const s8 = st[8] as number;
        const e8 = en[8] as number;
        const detArgs = argc === 1 ? DET_ARGS_BY_KEY.get(codeKey(p, s8, e8)) : undefined;
        if (!detArgs) throw new PayloadError('detection metal');
        args = detArgs;
        break;
      }
      case 'VER': {
        if (argc !== 4) throw new PayloadError('verification fields');
        args = [8, 9, 10, 11].map((k) => p.toString('latin1', st[k], en[k]));
        const [metal, size, pieceId, result] = args as [string, string, string, string];
        if (!CODE_TO_METAL.has(metal)) throw new PayloadError('verification metal');
        if (size !== '' && (!SIZE.test(size) || Number(size) <= 0)) throw new PayloadError('test piece size');
        if (pieceId !== '' && !PIECE_ID.test(pieceId)) throw new PayloadError('test piece id');
        if (result !== 'OK' && result !== 'NG') throw new PayloadError('verification result');
        break;
      }
      default:
        throw new PayloadError('message type');
    }
    return { msgNo, deviceId, type, deviceTime, rejectCount, packCount, faultBits, reset: resetByte === 0x31, args };
  }

  /** A detector sends the same id every time: reuse the last string when the bytes match. */
  private deviceId(start: number, end: number): string {
    const p = this.buf;
    const n = end - start;
    if (n < 1 || n > 32) throw new PayloadError('device id');
    let same = n === this.idBytes.length;
    for (let i = 0; i < n; i++) {
      const b = p[start + i] as number;
      if (!isIdByte(b)) throw new PayloadError('device id');
      if (same && this.idBytes[i] !== b) same = false;
    }
    if (!same) {
      this.idBytes = p.slice(start, end);
      this.id = p.toString('latin1', start, end);
    }
    return this.id;
  }
}

export function createFramedDetector(config: FramedDetectorConfigInput = {}): FramedDetectorDriver {
  return new FramedDetectorDriver(config);
}
