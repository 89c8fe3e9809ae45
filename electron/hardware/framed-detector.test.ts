import { describe, expect, it } from 'vitest';
import { DetectorFrameSchema } from './driver';
import { createFramedDetector, xorChecksum } from './framed-detector';
import { FramedDetectorSimulator, encodeFramed, encodeFramedPayloadBytes, type FramedMessage } from './simulator';
import { errors, events, feed } from './testing/drivers';

const T = '2026-11-21T10:00:00';
const sim = () => new FramedDetectorSimulator('MD02', () => T);
const msg = (over: Partial<FramedMessage>): FramedMessage => ({
  msgNo: 1,
  deviceId: 'MD02',
  type: 'PASS',
  rejectCount: 0,
  packCount: 0,
  faultBits: 0,
  reset: false,
  ...over,
});

describe('framed detector', () => {
  it('documents its checksum: XOR of the payload bytes as two hex characters', () => {
    const bytes = encodeFramed(msg({ msgNo: 42, type: 'DET', time: T, rejectCount: 17, packCount: 5230, args: ['FE'] }));
    const text = Buffer.from(bytes).toString('latin1');
    // The example in the protocol documentation, byte for byte.
    expect(text).toBe('\x020042|MD02|DET|2026-11-21T10:00:00|17|5230|0000|0|FE\x0339');
    const payload = bytes.subarray(1, bytes.length - 3);
    expect(text.slice(-2)).toBe(xorChecksum(payload).toString(16).toUpperCase().padStart(2, '0'));
  });

  it('reads every message type with its counters, number and device time', () => {
    const s = sim();
    const frames = feed(
      createFramedDetector(),
      s.encode({ kind: 'pass' }),
      s.encode({ kind: 'detection', metal: 'fe' }),
      s.encode({ kind: 'verification', metal: 'nonfe', sizeMm: 1.2, pieceId: 'TP-9', result: 'fail' }),
      s.encode({ kind: 'fault', bits: 0x0011 }),
      s.encode({ kind: 'counters' }),
    );
    const common = { deviceId: 'MD02', deviceTime: T };
    expect(frames).toEqual([
      { kind: 'pass', messageNo: 0, rejectCount: 0, packCount: 1, ...common },
      { kind: 'detection', metal: 'fe', messageNo: 1, rejectCount: 1, packCount: 1, ...common },
      { kind: 'verification', result: 'fail', metal: 'nonfe', sizeMm: 1.2, pieceId: 'TP-9', messageNo: 2, rejectCount: 1, packCount: 1, ...common },
      { kind: 'fault', bits: 0x11, description: 'coil imbalance, air pressure low', messageNo: 3, rejectCount: 1, packCount: 1, ...common },
      { kind: 'counters', messageNo: 4, rejectCount: 1, packCount: 1, ...common },
    ]);
    for (const f of frames) expect(DetectorFrameSchema.parse(f)).toEqual(f);
  });

  it('yields no event from a frame whose checksum fails, and reads the next good one', () => {
    const good = encodeFramed(msg({ type: 'DET', args: ['FE'] }));
    for (let i = 1; i < good.length; i++) {
      const bad = Uint8Array.from(good);
      bad[i] = (bad[i] as number) ^ 0x01;
      const d = createFramedDetector();
      const frames = feed(d, bad, encodeFramed(msg({ msgNo: 2 })));
      expect(events(frames).filter((f) => f.kind === 'detection')).toEqual([]);
      expect(events(frames).map((f) => f.kind)).toContain('pass');
      expect(d.health().errors).toBeGreaterThan(0);
    }
  });

  it('drops a repeated message number as a duplicate but not the wrap 9999 -> 0000', () => {
    const s = sim();
    s.jumpTo(9998);
    const d = createFramedDetector();
    const a = s.encode({ kind: 'detection', metal: 'fe' });
    const frames = feed(d, a, s.repeatLast(), s.encode({ kind: 'pass' }), s.repeatLast(), s.encode({ kind: 'pass' }), s.encode({ kind: 'detection', metal: 'stainless' }));
    expect(frames.map((f) => [f.kind, 'messageNo' in f ? f.messageNo : null])).toEqual([
      ['detection', 9998],
      ['pass', 9999],
      ['pass', 0],
      ['detection', 1],
    ]);
    expect(d.health().duplicates).toBe(2);
    expect(d.lastMessageNo).toBe(1);
  });

  it('reports skipped message numbers as a gap (a lost message may have been a detection)', () => {
    const d = createFramedDetector();
    const frames = feed(d, encodeFramed(msg({ msgNo: 9997 })), encodeFramed(msg({ msgNo: 2 })));
    expect(frames[1]).toEqual({ kind: 'gap', deviceId: 'MD02', expected: 9998, received: 2, missed: 4 });
    expect(frames[2]).toMatchObject({ kind: 'pass', messageNo: 2 });
  });

  it('emits power-on for the reset flag and accepts the restarted numbering', () => {
    const s = sim();
    const d = createFramedDetector();
    s.jumpTo(0);
    feed(d, s.encode({ kind: 'pass' }));
    const frames = feed(d, s.encode({ kind: 'powerOn' }), s.encode({ kind: 'pass' }));
    expect(frames.map((f) => f.kind)).toEqual(['powerOn', 'pass']);
    // A device that powers up and sends a detection first: the reset flag rides on that message.
    const late = feed(d, encodeFramed(msg({ msgNo: 0, type: 'DET', args: ['SS'], reset: true })));
    expect(late.map((f) => f.kind)).toEqual(['powerOn', 'detection']);
  });

  it('emits a fault when the fault register changes on any message, including when it clears', () => {
    const d = createFramedDetector();
    const frames = feed(
      d,
      encodeFramed(msg({ msgNo: 1 })),
      encodeFramed(msg({ msgNo: 2, faultBits: 0x0008 })),
      encodeFramed(msg({ msgNo: 3, faultBits: 0x0008 })),
      encodeFramed(msg({ msgNo: 4, faultBits: 0 })),
    );
    expect(frames.map((f) => (f.kind === 'fault' ? `fault:${f.bits}:${f.description}` : f.kind))).toEqual([
      'pass',
      'fault:8:belt stopped',
      'pass',
      'pass',
      'fault:0:no fault',
      'pass',
    ]);
  });

  it('gives the same frames whatever byte the stream is split at', () => {
    const s = sim();
    const bytes = Buffer.concat([s.encode({ kind: 'detection', metal: 'fe' }), s.encode({ kind: 'verification', metal: 'fe', sizeMm: 1, pieceId: 'TP-1', result: 'pass' })]);
    const whole = feed(createFramedDetector(), bytes);
    expect(whole).toHaveLength(2);
    for (let i = 0; i <= bytes.length; i++) {
      expect(feed(createFramedDetector(), bytes.subarray(0, i), bytes.subarray(i))).toEqual(whole);
    }
    // One byte per read.
    const d = createFramedDetector();
    expect(feed(d, ...[...bytes].map((b) => Uint8Array.of(b)))).toEqual(whole);
  });

  it('skips noise between frames, resynchronises on STX inside a frame, accepts lower-case checksums', () => {
    const d = createFramedDetector();
    const lower = Buffer.from(encodeFramed(msg({ msgNo: 3 }))).toString('latin1');
    const frames = feed(
      d,
      'noise\x00\xff',
      encodeFramed(msg({ msgNo: 1 })),
      '\r\n',
      '\x020002|MD0', // cut off by a new frame
      encodeFramed(msg({ msgNo: 2, type: 'DET', args: ['FE'] })),
      lower.slice(0, -2) + lower.slice(-2).toLowerCase(),
    );
    expect(events(frames).map((f) => f.kind)).toEqual(['pass', 'detection', 'pass']);
    expect(errors(frames).map((f) => (f.kind === 'error' ? f.reason : ''))).toEqual([
      '7 byte(s) of noise between frames',
      'frame restarted before ETX',
    ]);
  });

  it('rejects malformed payloads with a valid checksum', () => {
    const d = createFramedDetector();
    const bad = ['12|MD02|PASS||0|0|0000|0', '0001|MD02|DET||0|0|0000|0|XX', '0001|MD02|PASS||0|0|00G0|0', '0001|MD02|VER||0|0|0000|0|FE|1.0|TP|MAYBE', '0001|MD02|BOOM||0|0|0000|0'];
    const frames = feed(d, ...bad.map((p) => encodeFramedPayloadBytes(p)));
    expect(events(frames)).toEqual([]);
    expect(d.health().errors).toBe(bad.length);
  });

  it('bounds a frame that never ends', () => {
    const d = createFramedDetector({ maxPayload: 64 });
    const frames = feed(d, '\x02' + 'A'.repeat(10_000), encodeFramed(msg({})));
    expect(events(frames).map((f) => f.kind)).toEqual(['pass']);
    expect(d.health().bufferedBytes).toBe(0);
    feed(d, '\x02' + 'B'.repeat(1000));
    expect(d.health().bufferedBytes).toBeLessThanOrEqual(64);
  });

  it('keeps the last message number across resetStream (a retransmit after replug is still a duplicate)', () => {
    const d = createFramedDetector();
    const m = encodeFramed(msg({ msgNo: 7 }));
    feed(d, m, m.subarray(0, 5));
    d.resetStream();
    const frames = feed(d, m.subarray(5), m);
    // The tail of the cut frame is noise now; the complete retransmit is a duplicate.
    expect(frames.map((f) => f.kind)).toEqual(['error']);
    expect(d.health().duplicates).toBe(1);
  });
});
