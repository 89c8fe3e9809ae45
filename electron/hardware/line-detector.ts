import { z } from 'zod';
import {
  DEFAULT_FAULT_BITS,
  TerminatorSchema,
  describeFaultBits,
  type DetectionFrame,
  type DetectorFrame,
  type Driver,
  type FaultFrame,
  type Metal,
  type PassFrame,
  type PowerOnFrame,
} from './driver';
import { LineDriver } from './line-driver';

/**
 * Metal detectors that send one ASCII line per event, e.g.
 *
 *   MD01,FAIL,FE,2026-11-21T10:00:00        detection (reject), metal FE
 *   MD01,PASS,,2026-11-21T10:00:01          piece passed
 *   MD01,VERIFY,FE,1.0,TP-123,PASS          verification with certified test piece TP-123 (Fe 1.0 mm), passed
 *   MD01,FAULT,0x04                         fault register (hex with 0x, else decimal)
 *   MD01,POWERON                            power-on / reset
 *
 * Vendors differ in keywords and field order, so the layout is configuration (zod-validated), not code.
 * There is no checksum in this protocol: any line that does not parse exactly is rejected as a diagnostic.
 */

const position = z.number().int().min(0).max(31);
const words = (defaults: string[]) => z.array(z.string().min(1).max(16)).min(1).default(defaults);

export const LineDetectorConfigSchema = z.object({
  separator: z.string().min(1).max(4).default(','),
  terminator: TerminatorSchema.default('any'),
  /** Longest accepted line; longer ones are dropped (bounded buffer). */
  maxLineLength: z.number().int().min(16).max(4096).default(256),
  /** If set, lines from another device id on the same cable are rejected. */
  expectedDeviceId: z.string().min(1).max(32).optional(),
  deviceIdField: position.default(0),
  eventField: position.default(1),
  /** Event keywords, compared case-insensitively. */
  keywords: z
    .object({
      pass: words(['PASS', 'OK']),
      detection: words(['FAIL', 'REJECT', 'DETECT']),
      verification: words(['VERIFY', 'TEST']),
      fault: words(['FAULT', 'ERR']),
      powerOn: words(['POWERON', 'PWRON', 'RESET']),
    })
    .prefault({}),
  /** Field positions per event; `time` and counters are optional everywhere. */
  fields: z
    .object({
      pass: z
        .object({ time: position.optional(), rejectCount: position.optional(), packCount: position.optional() })
        .prefault({ time: 3 }),
      detection: z
        .object({
          metal: position,
          time: position.optional(),
          rejectCount: position.optional(),
          packCount: position.optional(),
        })
        .prefault({ metal: 2, time: 3 }),
      verification: z
        .object({
          metal: position,
          sizeMm: position.optional(),
          pieceId: position.optional(),
          result: position,
          time: position.optional(),
        })
        .prefault({ metal: 2, sizeMm: 3, pieceId: 4, result: 5, time: 6 }),
      fault: z.object({ bits: position, time: position.optional() }).prefault({ bits: 2, time: 3 }),
      powerOn: z.object({ time: position.optional() }).prefault({ time: 2 }),
    })
    .prefault({}),
  metals: z
    .object({
      fe: words(['FE']),
      nonfe: words(['NFE', 'NONFE', 'NF']),
      stainless: words(['SS', 'SUS', 'STAINLESS']),
    })
    .prefault({}),
  results: z.object({ pass: words(['PASS', 'OK']), fail: words(['FAIL', 'NG']) }).prefault({}),
  faultBits: z.record(z.string(), z.string()).optional(),
});
export type LineDetectorConfig = z.infer<typeof LineDetectorConfigSchema>;
export type LineDetectorConfigInput = z.input<typeof LineDetectorConfigSchema>;

const DEVICE_ID = /^[A-Za-z0-9_-]{1,32}$/;
// Device clocks vary in format; accept date/time characters only, so garbled bytes cannot hide in this field.
const DEVICE_TIME = /^[0-9][0-9T:./ +Z-]{3,39}$/;
const COUNTER = /^[0-9]{1,9}$/;
const SIZE = /^[0-9]{1,2}(\.[0-9]{1,3})?$/;
const PIECE_ID = /^[A-Za-z0-9_./-]{1,64}$/;

type EventKind = 'pass' | 'detection' | 'verification' | 'fault' | 'powerOn';

class LineError extends Error {}

function fieldAt(fields: string[], pos: number | undefined): string | undefined {
  if (pos === undefined) return undefined;
  const v = fields[pos];
  return v === undefined || v === '' ? undefined : v;
}

function timeAt(fields: string[], pos: number | undefined): string | undefined {
  const time = fieldAt(fields, pos);
  if (time !== undefined && !DEVICE_TIME.test(time)) throw new LineError('malformed device time');
  return time;
}

/** Sets the optional fields only when present (frames carry no `undefined` keys), without object spreads. */
function withOptional<T extends { deviceTime?: string }>(frame: T, deviceTime: string | undefined): T {
  if (deviceTime !== undefined) frame.deviceTime = deviceTime;
  return frame;
}

function counterAt(fields: string[], pos: number | undefined, name: string): number | undefined {
  const v = fieldAt(fields, pos);
  if (v === undefined) return undefined;
  if (!COUNTER.test(v)) throw new LineError(`malformed ${name}`);
  return Number(v);
}

/** Sets the reject and pack counters a pass or detection line carries, when present (no `undefined` keys). */
function withCounters<T extends { rejectCount?: number; packCount?: number }>(
  frame: T,
  fields: string[],
  at: { rejectCount?: number | undefined; packCount?: number | undefined },
): T {
  const rejectCount = counterAt(fields, at.rejectCount, 'reject counter');
  const packCount = counterAt(fields, at.packCount, 'pack counter');
  if (rejectCount !== undefined) frame.rejectCount = rejectCount;
  if (packCount !== undefined) frame.packCount = packCount;
  return frame;
}

export class LineDetectorDriver extends LineDriver<DetectorFrame> implements Driver<DetectorFrame> {
  readonly family = 'line-detector' as const;
  readonly config: LineDetectorConfig;
  private readonly keywordToKind = new Map<string, EventKind>();
  private readonly metalWords = new Map<string, Metal>();
  private readonly faultTable: Record<number, string>;
  private lastGoodId = '';

  constructor(config: LineDetectorConfigInput = {}) {
    const parsed = LineDetectorConfigSchema.parse(config);
    super(parsed.maxLineLength, parsed.terminator, 'line');
    this.config = parsed;
    const k = this.config.keywords;
    for (const kind of ['pass', 'detection', 'verification', 'fault', 'powerOn'] as const) {
      for (const w of k[kind]) this.keywordToKind.set(w.toUpperCase(), kind);
    }
    for (const metal of ['fe', 'nonfe', 'stainless'] as const) {
      for (const w of this.config.metals[metal]) this.metalWords.set(w.toUpperCase(), metal);
    }
    this.faultTable = { ...DEFAULT_FAULT_BITS };
    for (const [bit, text] of Object.entries(this.config.faultBits ?? {})) this.faultTable[Number(bit)] = text;
  }

  protected onLine(bytes: Buffer, printableAscii: boolean): void {
    let kind: EventKind | undefined;
    try {
      if (!printableAscii) {
        const bad = bytes.find((b) => b < 0x20 || b > 0x7e) ?? 0;
        throw new LineError(`non-printable byte 0x${bad.toString(16).padStart(2, '0')}`);
      }
      // latin1 is byte-for-byte, and the line is plain ASCII.
      const text = bytes.toString('latin1');
      const fields = text.split(this.config.separator);
      for (let i = 0; i < fields.length; i++) {
        const field = fields[i] as string;
        // Most devices pad nothing; trimming only when needed saves an allocation per field.
        if (field.length > 0 && (field.charCodeAt(0) === 0x20 || field.charCodeAt(field.length - 1) === 0x20)) {
          fields[i] = field.trim();
        }
      }
      const word = fields[this.config.eventField] ?? '';
      kind = this.keywordToKind.get(word) ?? this.keywordToKind.get(word.toUpperCase());
      const frame = this.parseFields(fields, kind);
      this.stats.frames++;
      this.out.push(frame);
    } catch (err) {
      // Only LineError is expected; anything else is a parser bug, still reported rather than thrown at the core.
      const reason = err instanceof LineError ? err.message : `parser failure: ${String(err)}`;
      const suspected = kind === 'detection' || (kind === undefined && this.looksLikeDetection(bytes));
      this.reject(reason, bytes, suspected ? 'detection' : undefined);
    }
  }

  /**
   * A line too garbled to parse (a non-printable byte, a broken event field) that still carries a detection
   * keyword in some field: without a checksum it must not vanish as mere noise.
   */
  private looksLikeDetection(bytes: Uint8Array): boolean {
    const text = Buffer.from(bytes).toString('latin1').toUpperCase().replace(/[^\x20-\x7e]/g, this.config.separator);
    return text.split(this.config.separator).some((f) => this.keywordToKind.get(f.trim()) === 'detection');
  }

  private parseFields(fields: string[], kind: EventKind | undefined): DetectorFrame {
    const deviceId = fields[this.config.deviceIdField] ?? '';
    // One detector per cable sends the same id every line: validate a new id once.
    if (deviceId !== this.lastGoodId) {
      if (!DEVICE_ID.test(deviceId)) throw new LineError('missing or malformed device id');
      this.lastGoodId = deviceId;
    }
    if (this.config.expectedDeviceId && deviceId !== this.config.expectedDeviceId) {
      throw new LineError(`line from unexpected device ${deviceId}`);
    }
    if (!kind) throw new LineError('unknown event keyword');
    const f = this.config.fields;
    switch (kind) {
      case 'pass':
        return withCounters(withOptional<PassFrame>({ kind: 'pass', deviceId }, timeAt(fields, f.pass.time)), fields, f.pass);
      case 'detection': {
        // A reject with an unreadable metal code is still a reject: it becomes 'unknown', never dropped.
        const code = fieldAt(fields, f.detection.metal);
        const metal = code === undefined ? 'unknown' : this.metal(code);
        const frame = withOptional<DetectionFrame>({ kind: 'detection', metal, deviceId }, timeAt(fields, f.detection.time));
        return withCounters(frame, fields, f.detection);
      }
      case 'verification': {
        const v = f.verification;
        const resultWord = (fieldAt(fields, v.result) ?? '').toUpperCase();
        const result = this.config.results.pass.some((w) => w.toUpperCase() === resultWord)
          ? 'pass'
          : this.config.results.fail.some((w) => w.toUpperCase() === resultWord)
            ? 'fail'
            : undefined;
        if (!result) throw new LineError('verification without a readable result');
        const code = fieldAt(fields, v.metal);
        const frame: DetectorFrame = {
          kind: 'verification',
          result,
          metal: code === undefined ? 'unknown' : this.metal(code),
          deviceId,
        };
        withOptional(frame, timeAt(fields, v.time));
        const size = fieldAt(fields, v.sizeMm);
        if (size !== undefined) {
          if (!SIZE.test(size) || Number(size) <= 0) throw new LineError('malformed test piece size');
          frame.sizeMm = Number(size);
        }
        const pieceId = fieldAt(fields, v.pieceId);
        if (pieceId !== undefined) {
          if (!PIECE_ID.test(pieceId)) throw new LineError('malformed test piece id');
          frame.pieceId = pieceId;
        }
        return frame;
      }
      case 'fault': {
        const raw = fieldAt(fields, f.fault.bits);
        if (raw === undefined) throw new LineError('fault without bits');
        const bits = /^0[xX][0-9A-Fa-f]{1,4}$/.test(raw)
          ? parseInt(raw.slice(2), 16)
          : /^[0-9]{1,5}$/.test(raw)
            ? Number(raw)
            : NaN;
        if (!Number.isInteger(bits) || bits > 0xffff) throw new LineError('malformed fault bits');
        return withOptional<FaultFrame>(
          { kind: 'fault', bits, description: describeFaultBits(bits, this.faultTable), deviceId },
          timeAt(fields, f.fault.time),
        );
      }
      case 'powerOn':
        return withOptional<PowerOnFrame>({ kind: 'powerOn', deviceId }, timeAt(fields, f.powerOn.time));
    }
  }

  private metal(code: string): Metal {
    return this.metalWords.get(code) ?? this.metalWords.get(code.toUpperCase()) ?? 'unknown';
  }
}

export function createLineDetector(config: LineDetectorConfigInput = {}): LineDetectorDriver {
  return new LineDetectorDriver(config);
}
