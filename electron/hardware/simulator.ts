import { SerialPortStream } from '@serialport/stream';
import { SerialPort } from 'serialport';
import { ETX, FRAMED_METAL_CODES, STX, xorChecksum, type FramedMessageType } from './framed-detector';
import { HostRequestReader } from './host-request';
import type { Metal, Terminator } from './driver';
import type { MockSerialBus } from './mock-bus';
import type { SerialBinding } from './ports';

export { openPtyPair, socatAvailable, type PtyPair, type PtyPairOptions } from './pty';
export { MockSerialBus, type MockDeviceInfo } from './mock-bus';

/**
 * Device simulator: the exact byte streams the drivers read (encoders), stateful device models that number their
 * messages and keep counters, a small script language for test runs and commissioning, and sinks that write into a
 * pty (any port path) or into a `MockSerialBus` port.
 */

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function terminatorBytes(t: Exclude<Terminator, 'any'>): string {
  return t === 'CR' ? '\r' : t === 'LF' ? '\n' : '\r\n';
}

// ---------------------------------------------------------------------------------------------------------------
// Events the simulated detectors send
// ---------------------------------------------------------------------------------------------------------------

export type DetectorEvent =
  | { kind: 'pass' }
  | { kind: 'detection'; metal: Metal }
  | { kind: 'verification'; metal: Metal; sizeMm?: number; pieceId?: string; result: 'pass' | 'fail' }
  | { kind: 'fault'; bits: number }
  | { kind: 'powerOn' }
  | { kind: 'counters' };

/** The certified test pieces a simulated detector runs when asked to verify (DOMAIN.md: Fe 1.0, non-Fe, stainless). */
export const CERTIFIED_PIECES: readonly DetectorEvent[] = [
  { kind: 'verification', metal: 'fe', sizeMm: 1.0, pieceId: 'TP-FE-10', result: 'pass' },
  { kind: 'verification', metal: 'nonfe', sizeMm: 1.5, pieceId: 'TP-NFE-15', result: 'pass' },
  { kind: 'verification', metal: 'stainless', sizeMm: 2.0, pieceId: 'TP-SS-20', result: 'pass' },
];

// ---------------------------------------------------------------------------------------------------------------
// Line detector (default layout of LineDetectorDriver)
// ---------------------------------------------------------------------------------------------------------------

const LINE_METAL: Readonly<Record<Metal, string>> = { fe: 'FE', nonfe: 'NFE', stainless: 'SS', unknown: '' };

export interface LineEncodeOptions {
  deviceId?: string;
  time?: string;
  terminator?: Exclude<Terminator, 'any'>;
}

/** One event as the default line layout: `MD01,FAIL,FE,<time>`, `MD01,VERIFY,FE,1.0,TP-123,PASS`, ... */
export function encodeLine(event: DetectorEvent, options: LineEncodeOptions = {}): Uint8Array {
  const id = options.deviceId ?? 'MD01';
  const time = options.time ?? '';
  let fields: string[];
  switch (event.kind) {
    case 'pass':
    case 'counters':
      fields = [id, 'PASS', '', time];
      break;
    case 'detection':
      fields = [id, 'FAIL', LINE_METAL[event.metal], time];
      break;
    case 'verification':
      fields = [id, 'VERIFY', LINE_METAL[event.metal], event.sizeMm?.toFixed(1) ?? '', event.pieceId ?? '', event.result === 'pass' ? 'PASS' : 'FAIL', time];
      break;
    case 'fault':
      fields = [id, 'FAULT', `0x${event.bits.toString(16).toUpperCase().padStart(2, '0')}`, time];
      break;
    case 'powerOn':
      fields = [id, 'POWERON', time];
      break;
  }
  while (fields.length > 2 && fields[fields.length - 1] === '') fields.pop();
  return ascii(fields.join(',') + terminatorBytes(options.terminator ?? 'CRLF'));
}

// ---------------------------------------------------------------------------------------------------------------
// Framed detector
// ---------------------------------------------------------------------------------------------------------------

export interface FramedMessage {
  msgNo: number;
  deviceId: string;
  type: FramedMessageType;
  time?: string;
  rejectCount: number;
  packCount: number;
  faultBits: number;
  reset: boolean;
  args?: string[];
}

export function encodeFramedPayload(m: FramedMessage): string {
  const fields = [
    String(m.msgNo % 10000).padStart(4, '0'),
    m.deviceId,
    m.type,
    m.time ?? '',
    String(m.rejectCount),
    String(m.packCount),
    m.faultBits.toString(16).toUpperCase().padStart(4, '0'),
    m.reset ? '1' : '0',
    ...(m.args ?? []),
  ];
  return fields.join('|');
}

/** STX payload ETX + XOR checksum as 2 upper-case hex characters. */
export function encodeFramedPayloadBytes(payload: string): Uint8Array {
  const body = ascii(payload);
  const check = xorChecksum(body).toString(16).toUpperCase().padStart(2, '0');
  return concat([Uint8Array.of(STX), body, Uint8Array.of(ETX), ascii(check)]);
}

export function encodeFramed(m: FramedMessage): Uint8Array {
  return encodeFramedPayloadBytes(encodeFramedPayload(m));
}

/** A framed detector: numbers its messages (wrapping at 9999), counts packs and rejects, keeps a fault register. */
export class FramedDetectorSimulator {
  nextMsgNo = 0;
  rejectCount = 0;
  packCount = 0;
  faultBits = 0;
  /** Set after power-on until the next message is sent. */
  private resetPending = false;
  private last: Uint8Array | null = null;
  private readonly requests = new HostRequestReader();

  constructor(
    readonly deviceId = 'MD02',
    private readonly clock: () => string = () => new Date().toISOString().slice(0, 19),
  ) {}

  encode(event: DetectorEvent): Uint8Array {
    let type: FramedMessageType;
    let args: string[] = [];
    switch (event.kind) {
      case 'pass':
        type = 'PASS';
        this.packCount++;
        break;
      case 'detection':
        type = 'DET';
        this.rejectCount++;
        args = [FRAMED_METAL_CODES[event.metal]];
        break;
      case 'verification':
        type = 'VER';
        args = [
          FRAMED_METAL_CODES[event.metal],
          event.sizeMm?.toFixed(1) ?? '',
          event.pieceId ?? '',
          event.result === 'pass' ? 'OK' : 'NG',
        ];
        break;
      case 'fault':
        type = 'FLT';
        this.faultBits = event.bits & 0xffff;
        break;
      case 'powerOn':
        // A real device restarts its numbering and counters on power-up.
        this.nextMsgNo = 0;
        this.rejectCount = 0;
        this.packCount = 0;
        this.faultBits = 0;
        this.resetPending = true;
        type = 'PWR';
        break;
      case 'counters':
        type = 'CNT';
        break;
    }
    const bytes = encodeFramed({
      msgNo: this.nextMsgNo,
      deviceId: this.deviceId,
      type,
      time: this.clock(),
      rejectCount: this.rejectCount,
      packCount: this.packCount,
      faultBits: this.faultBits,
      reset: this.resetPending,
      args,
    });
    this.resetPending = false;
    this.nextMsgNo = (this.nextMsgNo + 1) % 10000;
    this.last = bytes;
    return bytes;
  }

  /**
   * Bytes the station wrote to this detector (host-request.ts): a verification request addressed to it is answered
   * with a run of `pieces` (its certified ones), as messages to send back in order.
   */
  answer(written: Uint8Array, pieces: readonly DetectorEvent[] = CERTIFIED_PIECES): Uint8Array[] {
    return this.runsAsked(written, pieces).flatMap((run) => run.map((p) => this.encode(p)));
  }

  /**
   * The same as `answer`, as events still to encode: for a device that sends its run over time (each message
   * numbered when it is sent, so other messages sent meanwhile keep the numbering in order).
   */
  runsAsked(written: Uint8Array, pieces: readonly DetectorEvent[] = CERTIFIED_PIECES): DetectorEvent[][] {
    const asked = this.requests.push(written).filter((r) => r.deviceId === this.deviceId && r.command === 'VER');
    return asked.map(() => [...pieces]);
  }

  /** The device resending its last message (same number): the driver must drop it. */
  repeatLast(): Uint8Array {
    return this.last ?? new Uint8Array(0);
  }

  /** Jump the numbering, e.g. to 9998 to exercise the wrap to 0000. */
  jumpTo(msgNo: number): void {
    this.nextMsgNo = msgNo % 10000;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------------------------

export function encodeScan(
  scan: { symbology: string | null; data: string },
  terminator: Exclude<Terminator, 'any'> = 'CR',
): Uint8Array {
  return new TextEncoder().encode((scan.symbology ?? '') + scan.data + terminatorBytes(terminator));
}

// ---------------------------------------------------------------------------------------------------------------
// Noise and splitting
// ---------------------------------------------------------------------------------------------------------------

/** Deterministic pseudo-random bytes (xorshift), so a failing run can be repeated. */
export function garbage(length: number, seed = 1): Uint8Array {
  let x = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Splits bytes into chunks at the given offsets (as separate reads would deliver them). */
export function splitAt(bytes: Uint8Array, ...offsets: number[]): Uint8Array[] {
  const cuts = [0, ...offsets.filter((o) => o > 0 && o < bytes.length).sort((a, b) => a - b), bytes.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) out.push(bytes.subarray(cuts[i], cuts[i + 1]));
  return out.filter((c) => c.length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Sinks: where the simulated device's bytes go
// ---------------------------------------------------------------------------------------------------------------

export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** A sink on a real port that also reads what the station sends the device. */
export interface DevicePort extends ByteSink {
  /** Bytes the station wrote (e.g. a test-mode request); returns the unsubscribe. */
  onData(listener: (bytes: Uint8Array) => void): () => void;
}

/**
 * Writes into a port path (one end of a pty pair, or a real port looped to the station) with the real binding, and
 * reads what the station writes back.
 */
export function openPortSink(path: string, options: { baudRate?: number; binding?: SerialBinding } = {}): Promise<DevicePort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPortStream({
      binding: options.binding ?? SerialPort.binding,
      path,
      baudRate: options.baudRate ?? 9600,
      autoOpen: false,
    });
    // A write into a pty whose reader went away fails; the simulator reports it through write()'s rejection.
    port.on('error', () => {});
    port.open((err) => {
      if (err) {
        reject(err);
        return;
      }
      resolve({
        write: (bytes) =>
          new Promise<void>((res, rej) => {
            port.write(Buffer.from(bytes), (e) => (e ? rej(e) : port.drain((d) => (d ? rej(d) : res()))));
          }),
        close: () => new Promise<void>((res) => (port.isOpen ? port.close(() => res()) : res())),
        onData: (listener) => {
          const read = (chunk: Buffer) => listener(Uint8Array.from(chunk));
          port.on('data', read);
          return () => port.off('data', read);
        },
      });
    });
  });
}

/** Writes into a `MockSerialBus` device (bytes sent while the station has the port closed are lost, as on a wire). */
export function mockSink(bus: MockSerialBus, path: string): ByteSink {
  return {
    write: async (bytes) => {
      bus.emit(path, bytes);
      // Let the stream deliver the read before the next write, so writes stay separate reads.
      await new Promise((r) => setImmediate(r));
    },
    close: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Scripts
// ---------------------------------------------------------------------------------------------------------------

export type DeviceKind = 'line-detector' | 'framed-detector' | 'scanner';

/**
 * Steps, separated by `;` (or new lines), `name[:arg...][*repeat]`:
 *   pass | detect:fe|nonfe|ss|unknown | verify:<metal>:<sizeMm>:<pieceId>:pass|fail | fault:<bits, 0x.. or decimal>
 *   clear (fault register back to 0) | poweron | counters
 *   scan:<symbology or ->:<data>           (scanner; `\xHH` escapes, e.g. \x1d for GS)
 *   term:CR|LF|CRLF                        (terminator for following lines/scans)
 *   garbage:<n>                            n random bytes
 *   split                                  the next message is written one byte at a time
 *   dup                                    (framed) resend the last message, same number
 *   wrap                                   (framed) jump numbering to 9998
 *   sleep:<ms> | unplug | replug           (unplug/replug need a sink that can do it, e.g. the CLI's own socat)
 */
export type ScriptStep =
  | { op: 'event'; event: DetectorEvent }
  | { op: 'scan'; symbology: string | null; data: string }
  | { op: 'term'; terminator: Exclude<Terminator, 'any'> }
  | { op: 'garbage'; length: number }
  | { op: 'split' }
  | { op: 'dup' }
  | { op: 'wrap' }
  | { op: 'sleep'; ms: number }
  | { op: 'unplug' }
  | { op: 'replug' };

const METALS: Readonly<Record<string, Metal>> = { fe: 'fe', nonfe: 'nonfe', nfe: 'nonfe', ss: 'stainless', stainless: 'stainless', unknown: 'unknown' };

function unescape(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseScript(script: string): ScriptStep[] {
  const steps: ScriptStep[] = [];
  for (const raw of script.split(/[;\n]/)) {
    let token = raw.trim();
    if (!token || token.startsWith('#')) continue;
    let repeat = 1;
    const rep = /\*(\d+)$/.exec(token);
    if (rep?.[1] && !token.startsWith('scan:')) {
      repeat = Number(rep[1]);
      token = token.slice(0, rep.index);
    }
    const [name = '', ...args] = token.split(':');
    const metal = (s: string | undefined): Metal => {
      const m = METALS[(s ?? '').toLowerCase()];
      if (!m) throw new Error(`unknown metal "${s}" in step "${raw.trim()}"`);
      return m;
    };
    let step: ScriptStep;
    switch (name.toLowerCase()) {
      case 'pass':
        step = { op: 'event', event: { kind: 'pass' } };
        break;
      case 'detect':
        step = { op: 'event', event: { kind: 'detection', metal: metal(args[0] ?? 'fe') } };
        break;
      case 'verify': {
        const size = args[1] ? Number(args[1]) : undefined;
        if (size !== undefined && !(size > 0)) throw new Error(`bad size in "${raw.trim()}"`);
        const result = (args[3] ?? 'pass').toLowerCase();
        if (result !== 'pass' && result !== 'fail') throw new Error(`bad result in "${raw.trim()}"`);
        step = {
          op: 'event',
          event: {
            kind: 'verification',
            metal: metal(args[0] ?? 'fe'),
            ...(size === undefined ? {} : { sizeMm: size }),
            ...(args[2] ? { pieceId: args[2] } : {}),
            result,
          },
        };
        break;
      }
      case 'fault': {
        const text = args[0] ?? '1';
        const bits = text.toLowerCase().startsWith('0x') ? parseInt(text.slice(2), 16) : Number(text);
        if (!Number.isInteger(bits) || bits < 0 || bits > 0xffff) throw new Error(`bad fault bits in "${raw.trim()}"`);
        step = { op: 'event', event: { kind: 'fault', bits } };
        break;
      }
      case 'clear':
        step = { op: 'event', event: { kind: 'fault', bits: 0 } };
        break;
      case 'poweron':
        step = { op: 'event', event: { kind: 'powerOn' } };
        break;
      case 'counters':
        step = { op: 'event', event: { kind: 'counters' } };
        break;
      case 'scan': {
        const sym = args[0] ?? '-';
        step = { op: 'scan', symbology: sym === '-' || sym === '' ? null : sym, data: unescape(args.slice(1).join(':')) };
        break;
      }
      case 'term': {
        const t = (args[0] ?? '').toUpperCase();
        if (t !== 'CR' && t !== 'LF' && t !== 'CRLF') throw new Error(`bad terminator in "${raw.trim()}"`);
        step = { op: 'term', terminator: t };
        break;
      }
      case 'garbage':
        step = { op: 'garbage', length: Number(args[0] ?? 16) };
        break;
      case 'split':
      case 'dup':
      case 'wrap':
      case 'unplug':
      case 'replug':
        step = { op: name.toLowerCase() as 'split' | 'dup' | 'wrap' | 'unplug' | 'replug' };
        break;
      case 'sleep':
        step = { op: 'sleep', ms: Number(args[0] ?? 100) };
        break;
      default:
        throw new Error(`unknown step "${raw.trim()}"`);
    }
    for (let i = 0; i < repeat; i++) steps.push(step);
  }
  return steps;
}

export interface RunScriptOptions {
  device: DeviceKind;
  sink: ByteSink;
  /** Pause between steps (ms), so each message is its own read unless split says otherwise. */
  stepDelayMs?: number;
  /** Pause between the single-byte writes of a split message. */
  splitDelayMs?: number;
  deviceId?: string;
  unplug?: () => Promise<void>;
  replug?: () => Promise<void>;
  onStep?: (step: ScriptStep, bytes: Uint8Array) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runScript(steps: ScriptStep[], options: RunScriptOptions): Promise<void> {
  const framed = new FramedDetectorSimulator(options.deviceId ?? 'MD02');
  let terminator: Exclude<Terminator, 'any'> = options.device === 'scanner' ? 'CR' : 'CRLF';
  let splitNext = false;
  let seed = 7;
  const write = async (bytes: Uint8Array) => {
    if (!splitNext) {
      await options.sink.write(bytes);
      return;
    }
    splitNext = false;
    for (let i = 0; i < bytes.length; i++) {
      await options.sink.write(bytes.subarray(i, i + 1));
      await sleep(options.splitDelayMs ?? 2);
    }
  };
  for (const step of steps) {
    let bytes: Uint8Array = new Uint8Array(0);
    switch (step.op) {
      case 'event':
        bytes =
          options.device === 'framed-detector'
            ? framed.encode(step.event)
            : encodeLine(step.event, { deviceId: options.deviceId ?? 'MD01', terminator, time: new Date().toISOString().slice(0, 19) });
        break;
      case 'scan':
        bytes = encodeScan(step, terminator);
        break;
      case 'term':
        terminator = step.terminator;
        break;
      case 'garbage':
        bytes = garbage(step.length, seed++);
        break;
      case 'split':
        splitNext = true;
        break;
      case 'dup':
        bytes = framed.repeatLast();
        break;
      case 'wrap':
        framed.jumpTo(9998);
        break;
      case 'sleep':
        await sleep(step.ms);
        break;
      case 'unplug':
        if (!options.unplug) throw new Error('this sink cannot unplug');
        await options.unplug();
        break;
      case 'replug':
        if (!options.replug) throw new Error('this sink cannot replug');
        await options.replug();
        break;
    }
    if (bytes.length > 0) await write(bytes);
    options.onStep?.(step, bytes);
    if (options.stepDelayMs) await sleep(options.stepDelayMs);
  }
}
