import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qrModules, qrPath } from './qr';
import { decodeQr as decode } from './testing';

describe('QR codes for slips', () => {
  it('a signed-slip-sized text reads back exactly with an independent decoder', () => {
    const slip = `QT09.v1.TR-0000000001.ST-CUT-1.${'AbC-_0'.repeat(30)}`;
    const m = qrModules(slip);
    expect(m.length % 4).toBe(1); // 21 + 4 (version - 1)
    expect(m.every((row) => row.length === m.length)).toBe(true);
    expect(decode(m)).toBe(slip);
  });

  it('any printable ASCII text up to 300 characters reads back exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 300 }), (text) => {
        expect(decode(qrModules(text))).toBe(text);
      }),
      { numRuns: 25 },
    );
  });

  it('refuses text it would not encode faithfully; the SVG path has one square per dark module', () => {
    expect(() => qrModules('Bär')).toThrow(RangeError);
    const m = qrModules('ST-CUT-1');
    const dark = m.flat().filter(Boolean).length;
    expect(qrPath(m).match(/h1v1h-1z/g)).toHaveLength(dark);
    expect(qrPath(m)).toMatch(/^M4 4h1v1h-1z/); // the top-left finder pattern's corner, inside the quiet zone
  });
});
