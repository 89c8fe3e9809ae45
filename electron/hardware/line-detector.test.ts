import { describe, expect, it } from 'vitest';
import { DetectorFrameSchema } from './driver';
import { createLineDetector } from './line-detector';
import { encodeLine } from './simulator';
import { errors, events, feed } from './testing/drivers';

const SAMPLE =
  'MD01,FAIL,FE,2026-11-21T10:00:00\r\n' +
  'MD01,PASS,,2026-11-21T10:00:01\r\n' +
  'MD01,VERIFY,FE,1.0,TP-123,PASS\r\n' +
  'MD01,FAULT,0x04\r\n' +
  'MD01,POWERON\r\n';

const EXPECTED = [
  { kind: 'detection', metal: 'fe', deviceId: 'MD01', deviceTime: '2026-11-21T10:00:00' },
  { kind: 'pass', deviceId: 'MD01', deviceTime: '2026-11-21T10:00:01' },
  { kind: 'verification', result: 'pass', metal: 'fe', sizeMm: 1, pieceId: 'TP-123', deviceId: 'MD01' },
  { kind: 'fault', bits: 4, description: 'reject bin full', deviceId: 'MD01' },
  { kind: 'powerOn', deviceId: 'MD01' },
];

describe('line detector', () => {
  it('reads each event type of the default layout into a valid frame', () => {
    const frames = feed(createLineDetector(), SAMPLE);
    expect(frames).toEqual(EXPECTED);
    for (const f of frames) expect(DetectorFrameSchema.parse(f)).toEqual(f);
  });

  it('gives the same frames whatever byte the stream is split at', () => {
    const bytes = Buffer.from(SAMPLE, 'latin1');
    for (let i = 0; i <= bytes.length; i++) {
      for (const j of [i, Math.min(bytes.length, i + 7)]) {
        const d = createLineDetector();
        expect(feed(d, bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j))).toEqual(EXPECTED);
      }
    }
  });

  it('accepts CR, LF and CRLF terminators, and a CRLF split across reads ends one line', () => {
    for (const t of ['\r', '\n', '\r\n']) {
      expect(events(feed(createLineDetector(), `MD01,FAIL,FE${t}MD01,PASS${t}`)).map((f) => f.kind)).toEqual(['detection', 'pass']);
    }
    const d = createLineDetector();
    expect(feed(d, 'MD01,FAIL,NFE\r', '\nMD01,PASS\r', '\n')).toEqual([
      { kind: 'detection', metal: 'nonfe', deviceId: 'MD01' },
      { kind: 'pass', deviceId: 'MD01' },
    ]);
    expect(d.health().errors).toBe(0);
  });

  it('honours a strict terminator: with CRLF configured a bare LF does not end a line', () => {
    const d = createLineDetector({ terminator: 'CRLF' });
    expect(feed(d, 'MD01,PASS\nMD01,FAIL,FE\r\n').map((f) => f.kind)).toEqual(['error']);
    expect(feed(d, 'MD01,FAIL,SS\r', '\n')).toEqual([{ kind: 'detection', metal: 'stainless', deviceId: 'MD01' }]);
  });

  it('rejects garbled lines as diagnostics, never as events, and flags a garbled FAIL as a suspected detection', () => {
    const d = createLineDetector();
    const frames = feed(d, 'MD01,FA\x00IL,FE\r\n', 'MD01,BLAH\r\n', ',FAIL,FE\r\n', 'MD01,FAIL,FE,20?6-11\r\n', 'MD01,VERIFY,FE,1.0,TP-1,MAYBE\r\n', 'MD01,FAULT,0xZZ\r\n');
    expect(events(frames)).toEqual([]);
    expect(frames).toHaveLength(6);
    expect(frames[3]).toMatchObject({ kind: 'error', reason: 'malformed device time', suspected: 'detection' });
    // ',FAIL,FE' has no device id but still says FAIL: suspected too. A bare garbled word or a VERIFY line is not.
    expect(frames.map((f) => (f.kind === 'error' ? (f.suspected ?? '-') : f.kind))).toEqual(['-', '-', 'detection', 'detection', '-', '-']);
    expect(d.health()).toMatchObject({ errors: 6, frames: 0 });
  });

  it('a FAIL line with a non-printable byte elsewhere is still flagged as a suspected detection', () => {
    const frames = feed(createLineDetector(), 'MD01,FAIL,F\x07E,2026-11-21T10:00:00\r\n', 'MD01,PA\x07SS,,2026-11-21T10:00:01\r\n');
    expect(events(frames)).toEqual([]);
    expect(frames[0]).toMatchObject({ kind: 'error', suspected: 'detection' });
    expect(frames[1]).toMatchObject({ kind: 'error' });
    expect(frames[1]).not.toHaveProperty('suspected');
  });

  it('keeps a reject whose metal code is unreadable, as metal unknown', () => {
    expect(feed(createLineDetector(), 'MD01,FAIL,XX\r\nMD01,REJECT\r\n')).toEqual([
      { kind: 'detection', metal: 'unknown', deviceId: 'MD01' },
      { kind: 'detection', metal: 'unknown', deviceId: 'MD01' },
    ]);
  });

  it('drops an over-long line with a bounded buffer and reads the next line', () => {
    const d = createLineDetector({ maxLineLength: 64 });
    const frames = feed(d, 'X'.repeat(50), 'Y'.repeat(10_000), '\r\nMD01,PASS\r\n');
    expect(frames.map((f) => f.kind)).toEqual(['error', 'pass']);
    expect(d.health().bufferedBytes).toBe(0);
    expect(d.health().droppedBytes).toBe(10_050);
    feed(d, 'Z'.repeat(5000));
    expect(d.health().bufferedBytes).toBeLessThanOrEqual(64);
  });

  it('reads a vendor layout given as configuration', () => {
    const d = createLineDetector({
      separator: ';',
      deviceIdField: 1,
      eventField: 0,
      keywords: { detection: ['NG'], pass: ['GOOD'] },
      fields: { detection: { metal: 3, time: 2, rejectCount: 4 }, pass: { time: 2, packCount: 3 } },
      metals: { fe: ['FERRO'] },
    });
    expect(feed(d, 'NG;LINE3-MD;10:00:00;FERRO;12\nGOOD;LINE3-MD;10:00:01;4711\n')).toEqual([
      { kind: 'detection', metal: 'fe', deviceId: 'LINE3-MD', deviceTime: '10:00:00', rejectCount: 12 },
      { kind: 'pass', deviceId: 'LINE3-MD', deviceTime: '10:00:01', packCount: 4711 },
    ]);
    expect(() => createLineDetector({ separator: '' })).toThrow();
  });

  it('refuses lines from another device id when one is expected', () => {
    const frames = feed(createLineDetector({ expectedDeviceId: 'MD01' }), 'MD02,FAIL,FE\nMD01,FAIL,FE\n');
    expect(frames.map((f) => f.kind)).toEqual(['error', 'detection']);
  });

  it('reads what the simulator encodes', () => {
    const d = createLineDetector();
    const bytes = encodeLine({ kind: 'verification', metal: 'stainless', sizeMm: 1.5, pieceId: 'SS-15', result: 'fail' }, { terminator: 'LF' });
    expect(feed(d, bytes)).toEqual([{ kind: 'verification', result: 'fail', metal: 'stainless', sizeMm: 1.5, pieceId: 'SS-15', deviceId: 'MD01' }]);
    expect(errors(feed(d, encodeLine({ kind: 'fault', bits: 0x81 }, { time: '2026-11-21T10:00:00' })))).toEqual([]);
  });
});
