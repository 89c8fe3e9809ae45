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
 * Example: <STX>0042|MD02|DET|2026-11-21T10:00:00|17|5230|0000|0|FE<ETX>5C
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

const MSG_NO = /^[0-9]{4}$/;
const DEVICE_ID = /^[A-Za-z0-9_-]{1,32}$/;
const DEVICE_TIME = /^[0-9][0-9T:./ +Z-]{3,39}$/;
const COUNTER = /^[0-9]{1,9}$/;
const FAULTS = /^[0-9A-Fa-f]{4}$/;
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
  private readonly buf: Uint8Array;
  private len = 0;
  private state = State.Hunt;
  private check = 0;
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
    this.buf = new Uint8Array(this.config.maxPayload);
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
    for (let i = 0; i < chunk.length; i++) {
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
        case State.Payload:
          if (b === ETX) this.state = State.Check1;
          else if (b === STX) {
            this.reject('frame restarted before ETX', this.len + 1);
            this.startFrame();
          } else if (this.len === this.buf.length) {
            this.reject(`payload longer than ${this.buf.length} bytes`, this.len + 1);
            this.state = State.Hunt;
            this.len = 0;
          } else this.buf[this.len++] = b;
          break;
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
    const payload = this.buf.subarray(0, this.len);
    const expected = xorChecksum(payload);
    if (expected !== this.check) {
      this.reject(
        `checksum mismatch (got ${this.check.toString(16).padStart(2, '0')}, computed ${expected.toString(16).padStart(2, '0')})`,
        this.len + 4,
      );
      return;
    }
    let msg: ParsedMessage;
    try {
      msg = parsePayload(payload);
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

function parsePayload(payload: Uint8Array): ParsedMessage {
  for (let i = 0; i < payload.length; i++) {
    const b = payload[i] as number;
    if (b < 0x20 || b > 0x7e) throw new PayloadError('non-printable byte');
  }
  // latin1 is byte-for-byte and, after the check above, plain ASCII; far cheaper than fromCharCode(...bytes).
  const f = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('latin1').split('|');
  if (f.length < 8) throw new PayloadError('too few fields');
  const no = f[0] as string;
  const deviceId = f[1] as string;
  const type = f[2] as string;
  const time = f[3] as string;
  const rej = f[4] as string;
  const pack = f[5] as string;
  const faults = f[6] as string;
  const reset = f[7] as string;
  const args = f.length > 8 ? f.slice(8) : NO_ARGS;
  if (!MSG_NO.test(no)) throw new PayloadError('message number');
  if (!DEVICE_ID.test(deviceId)) throw new PayloadError('device id');
  if (time !== '' && !DEVICE_TIME.test(time)) throw new PayloadError('device time');
  if (!COUNTER.test(rej) || !COUNTER.test(pack)) throw new PayloadError('counters');
  if (!FAULTS.test(faults)) throw new PayloadError('fault bits');
  if (reset !== '0' && reset !== '1') throw new PayloadError('reset flag');
  switch (type) {
    case 'PASS':
    case 'FLT':
    case 'PWR':
    case 'CNT':
      if (args.length !== 0) throw new PayloadError(`unexpected arguments for ${type}`);
      break;
    case 'DET':
      if (args.length !== 1 || !CODE_TO_METAL.has(args[0] ?? '')) throw new PayloadError('detection metal');
      break;
    case 'VER': {
      if (args.length !== 4) throw new PayloadError('verification fields');
      const metal = args[0] as string;
      const size = args[1] as string;
      const pieceId = args[2] as string;
      const result = args[3] as string;
      if (!CODE_TO_METAL.has(metal)) throw new PayloadError('verification metal');
      if (size !== '' && (!SIZE.test(size) || Number(size) <= 0)) throw new PayloadError('test piece size');
      if (pieceId !== '' && !PIECE_ID.test(pieceId)) throw new PayloadError('test piece id');
      if (result !== 'OK' && result !== 'NG') throw new PayloadError('verification result');
      break;
    }
    default:
      throw new PayloadError('message type');
  }
  return {
    msgNo: Number(no),
    deviceId,
    type,
    deviceTime: time === '' ? undefined : time,
    rejectCount: Number(rej),
    packCount: Number(pack),
    faultBits: parseInt(faults, 16),
    reset: reset === '1',
    args,
  };
}

export function createFramedDetector(config: FramedDetectorConfigInput = {}): FramedDetectorDriver {
  return new FramedDetectorDriver(config);
}
