import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorFrameSchema, ScannerFrameSchema, type DeviceFrame, type Driver } from './driver';
import { createFramedDetector } from './framed-detector';
import { createLineDetector } from './line-detector';
import { createScanner } from './scanner';
import { encodeFramed, encodeLine, encodeScan, type DetectorEvent, type FramedMessage } from './simulator';

/*
 * Parser fuzzing: whatever arrives on the wire, in whatever chunks, a driver never throws, keeps its buffer within
 * its bound, emits only schema-valid frames, gives the same frames however the stream is chunked, and (framed
 * protocol) never turns a frame with a failed checksum into an event.
 */

const bytesArb = fc.uint8Array({ minLength: 0, maxLength: 2000 });

/** Cuts `bytes` into chunks at arbitrary points. */
const chunked = (bytes: Uint8Array, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
};

function run<F extends DeviceFrame>(driver: Driver<F>, chunks: Uint8Array[], bound: number): F[] {
  const out: F[] = [];
  for (const c of chunks) {
    out.push(...driver.push(c));
    expect(driver.health().bufferedBytes).toBeLessThanOrEqual(bound);
  }
  return out;
}

type AnyDriver = Driver<DeviceFrame>;
const drivers = [
  { name: 'line detector', make: (): AnyDriver => createLineDetector({ maxLineLength: 128 }), bound: 128, schema: DetectorFrameSchema },
  { name: 'framed detector', make: (): AnyDriver => createFramedDetector({ maxPayload: 128 }), bound: 128, schema: DetectorFrameSchema },
  { name: 'scanner', make: (): AnyDriver => createScanner({ maxLength: 128 }), bound: 128, schema: ScannerFrameSchema },
] as const;

const metalArb = fc.constantFrom('fe', 'nonfe', 'stainless', 'unknown' as const);
const eventArb: fc.Arbitrary<DetectorEvent> = fc.oneof(
  fc.constant({ kind: 'pass' as const }),
  metalArb.map((metal) => ({ kind: 'detection' as const, metal })),
  fc.record({
    kind: fc.constant('verification' as const),
    metal: metalArb,
    sizeMm: fc.constantFrom(1, 1.2, 2.5),
    pieceId: fc.stringMatching(/^[A-Z]{2}-[0-9]{1,4}$/),
    result: fc.constantFrom('pass', 'fail' as const),
  }),
  fc.integer({ min: 0, max: 0xffff }).map((bits) => ({ kind: 'fault' as const, bits })),
  fc.constant({ kind: 'powerOn' as const }),
);

const FRAMED_TYPE = { pass: 'PASS', detection: 'DET', verification: 'VER', fault: 'FLT', powerOn: 'PWR', counters: 'CNT' } as const;
const METAL_CODE = { fe: 'FE', nonfe: 'NFE', stainless: 'SS', unknown: 'UNK' } as const;

function framedMessages(events: DetectorEvent[], start: number): FramedMessage[] {
  return events.map((e, i) => ({
    msgNo: (start + i) % 10000,
    deviceId: 'MD02',
    type: FRAMED_TYPE[e.kind],
    time: '2026-11-21T10:00:00',
    rejectCount: i,
    packCount: 2 * i,
    faultBits: e.kind === 'fault' ? e.bits : 0,
    reset: false,
    args:
      e.kind === 'detection'
        ? [METAL_CODE[e.metal]]
        : e.kind === 'verification'
          ? [METAL_CODE[e.metal], e.sizeMm?.toFixed(1) ?? '', e.pieceId ?? '', e.result === 'pass' ? 'OK' : 'NG']
          : [],
  }));
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const messageNos = (frames: DeviceFrame[]) =>
  frames.flatMap((f) => (f.kind !== 'error' && f.kind !== 'gap' && 'messageNo' in f && f.messageNo !== undefined ? [f.messageNo] : []));

describe('parser fuzzing', () => {
  for (const d of drivers) {
    it(`${d.name}: random bytes in random chunks never throw, stay bounded, emit only valid frames`, () => {
      fc.assert(
        fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 20 }), (bytes, cuts) => {
          const frames = run(d.make(), chunked(bytes, cuts), d.bound);
          for (const f of frames) d.schema.parse(f);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('line detector and scanner: chunking never changes what is read, noise or not', () => {
    const lineArb = fc.oneof(
      eventArb.map((e) => encodeLine(e, { terminator: 'CRLF' })),
      fc.uint8Array({ maxLength: 40 }),
      fc.stringMatching(/^(\][CEd][0-9])?[A-Z0-9-]{1,30}$/).map((data) => encodeScan({ symbology: null, data }, 'LF')),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 30 }), (parts, cuts) => {
        const bytes = concat(parts);
        for (const make of [(): AnyDriver => createLineDetector({ maxLineLength: 128 }), (): AnyDriver => createScanner({ maxLength: 128 })]) {
          const whole = run(make(), [bytes], 128);
          expect(run(make(), chunked(bytes, cuts), 128)).toEqual(whole);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('framed detector: valid frames in noise, any chunking, all arrive exactly once', () => {
    // Noise without STX: an STX in noise may legitimately open a frame that the next real STX then restarts.
    const noiseArb = fc.uint8Array({ maxLength: 30 }).map((b) => b.map((x) => (x === 0x02 ? 0x00 : x)));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArb, noiseArb), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 0, max: 9999 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (items, start, cuts) => {
          const msgs = framedMessages(items.map(([e]) => e), start);
          const bytes = concat(items.flatMap(([, noise], i) => [encodeFramed(msgs[i] as FramedMessage), noise]));
          const frames = run(createFramedDetector(), chunked(bytes, cuts), 256);
          expect([...new Set(messageNos(frames))]).toEqual(msgs.map((m) => m.msgNo));
          expect(frames.some((f) => f.kind === 'gap')).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });

  // The one single-byte change that is not an error: the checksum's hex letters are read in either case (some devices
  // send lower case), so flipping a checksum letter's case (XOR 0x20) leaves the frame meaning exactly what was sent.
  const sameMeaning = (frame: Uint8Array, at: number, delta: number): boolean => {
    if (at < frame.length - 2) return false;
    const hex = (b: number) => (b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1);
    const before = hex((frame[at] as number) ^ delta);
    return before >= 0 && before === hex(frame[at] as number);
  };

  it('framed detector: a frame with any single corrupted byte yields no event; the others still arrive', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 2, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, which, offset, delta, cuts) => {
          const msgs = framedMessages(events, 100);
          const encoded = msgs.map((m) => Uint8Array.from(encodeFramed(m)));
          const victim = which % encoded.length;
          const frame = encoded[victim] as Uint8Array;
          const at = offset % frame.length;
          frame[at] = (frame[at] as number) ^ delta;
          const frames = run(createFramedDetector(), chunked(concat(encoded), cuts), 256);
          const seen = messageNos(frames);
          if (sameMeaning(frame, at, delta)) {
            expect([...new Set(seen)]).toEqual(msgs.map((m) => m.msgNo));
            return;
          }
          expect(seen).not.toContain((msgs[victim] as FramedMessage).msgNo);
          expect([...new Set(seen)]).toEqual(msgs.filter((_, i) => i !== victim).map((m) => m.msgNo));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('framed detector: heavily mutated streams never crash and emit only valid frames', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (events, mutations, cuts) => {
          const msgs = framedMessages(events, 9995);
          const bytes = concat(msgs.map((m) => encodeFramed(m)));
          for (const [pos, value] of mutations) bytes[pos % bytes.length] = value;
          const frames = run(createFramedDetector(), chunked(bytes, cuts), 256);
          // XOR catches every single-byte error (property above) but not every multi-byte one (two equal flips in
          // one frame cancel out), so for a mangled stream the promise is: no crash, bounded, schema-valid frames.
          for (const f of frames) DetectorFrameSchema.parse(f);
        },
      ),
      { numRuns: 300 },
    );
  });
});
