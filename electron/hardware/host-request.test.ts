import { describe, expect, it } from 'vitest';
import { createFramedDetector } from './framed-detector';
import { HostRequestReader, encodeHostRequest } from './host-request';
import { CERTIFIED_PIECES, FramedDetectorSimulator, splitAt } from './simulator';
import { feed } from './testing/drivers';

/*
 * Station -> detector: the request that puts a framed detector in test mode for a verification run started at the
 * station, and the simulated detector's answer (its certified pieces, as the real driver reads them).
 */

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('host requests to a framed detector', () => {
  it('a verification request is STX REQ|<device>|VER ETX and the XOR checksum, read back whole from split reads', () => {
    const bytes = encodeHostRequest({ deviceId: 'MD01', command: 'VER' });
    const payload = 'REQ|MD01|VER';
    const check = [...payload].reduce((x, c) => x ^ c.charCodeAt(0), 0).toString(16).toUpperCase().padStart(2, '0');
    expect(Buffer.from(bytes).toString('latin1')).toBe(`\x02${payload}\x03${check}`);

    const reader = new HostRequestReader();
    const got = splitAt(bytes, 1, 5, bytes.length - 1).flatMap((c) => reader.push(c));
    expect(got).toEqual([{ deviceId: 'MD01', command: 'VER' }]);
    expect(reader.errors).toBe(0);
  });

  it('noise, a wrong checksum, an unknown command and an over-long frame are skipped and counted; the next request is read', () => {
    const reader = new HostRequestReader();
    const good = encodeHostRequest({ deviceId: 'MD02', command: 'VER' });
    const badCheck = Uint8Array.from(good);
    badCheck[badCheck.length - 1] = badCheck[badCheck.length - 1] === 0x30 ? 0x31 : 0x30;
    const unknown = encodeHostRequest({ deviceId: 'MD02', command: 'VER' }).slice();
    unknown.set(ascii('XYZ'), 10); // REQ|MD02|XYZ, checksum now wrong too
    const long = ascii(`\x02REQ|${'M'.repeat(200)}|VER\x03`);
    expect(reader.push(ascii('hello\r\n'))).toEqual([]);
    expect(reader.push(badCheck)).toEqual([]);
    expect(reader.push(unknown)).toEqual([]);
    expect(reader.push(long)).toEqual([]);
    expect(reader.errors).toBe(3);
    expect(reader.push(good)).toEqual([{ deviceId: 'MD02', command: 'VER' }]);
  });

  it('the simulated detector answers a request for it with a run of its certified pieces, and ignores one for another device', () => {
    const sim = new FramedDetectorSimulator('MD01');
    const answer = sim.answer(encodeHostRequest({ deviceId: 'MD01', command: 'VER' }));
    const frames = feed(createFramedDetector(), ...answer);
    expect(frames.map((f) => (f.kind === 'verification' ? [f.metal, f.sizeMm, f.pieceId, f.result] : f.kind))).toEqual([
      ['fe', 1.0, 'TP-FE-10', 'pass'],
      ['nonfe', 1.5, 'TP-NFE-15', 'pass'],
      ['stainless', 2.0, 'TP-SS-20', 'pass'],
    ]);
    expect(answer).toHaveLength(CERTIFIED_PIECES.length);
    expect(sim.answer(encodeHostRequest({ deviceId: 'MD02', command: 'VER' }))).toEqual([]);
    // Split across two writes from the station, answered once whole.
    const req = encodeHostRequest({ deviceId: 'MD01', command: 'VER' });
    expect(sim.answer(req.subarray(0, 4))).toEqual([]);
    expect(sim.answer(req.subarray(4))).toHaveLength(3);
  });

  it('a run answered over time is numbered as each piece is sent: a pass sent meanwhile leaves no gap (the demo floor halted on one)', () => {
    const sim = new FramedDetectorSimulator('MD01');
    const [run] = sim.runsAsked(encodeHostRequest({ deviceId: 'MD01', command: 'VER' }));
    expect(run).toEqual([...CERTIFIED_PIECES]);
    const [first, ...rest] = run ?? [];
    // The first test piece, then a product pass, then the others: numbered in the order they go out.
    const sent = [sim.encode(first as (typeof CERTIFIED_PIECES)[number]), sim.encode({ kind: 'pass' }), ...rest.map((p) => sim.encode(p))];
    const kinds = feed(createFramedDetector(), ...sent).map((f) => f.kind);
    expect(kinds).not.toContain('gap');
    expect(kinds).not.toContain('error');
    expect(kinds).toEqual(['verification', 'pass', 'verification', 'verification']);
    // Encoded all at once and sent later (what the demo did), the pass overtakes and the driver sees numbering jump.
    const eager = sim.answer(encodeHostRequest({ deviceId: 'MD01', command: 'VER' }));
    const late = sim.encode({ kind: 'pass' });
    expect(feed(createFramedDetector(), ...sent, late, ...eager).map((f) => f.kind)).toContain('gap');
  });
});
