import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarcodeFieldError } from './errors';
import { C128, CODE128_PATTERNS, barsOf, code128Check, encodeCode128, encodeGs1128, type Code128Symbol } from './code128';
import { GS, encodeSsccElementString } from './gs1';

/** An independent reader: widths back to values (by pattern), then values back to data, checking the check value. */
function decode(symbol: Code128Symbol): { data: string; gs1: boolean } {
  const byPattern = new Map(CODE128_PATTERNS.map((p, v) => [p, v]));
  const values: number[] = [];
  let i = 0;
  while (i < symbol.widths.length) {
    const take = symbol.widths.length - i === 7 ? 7 : 6;
    const v = byPattern.get(symbol.widths.slice(i, i + take).join(''));
    if (v === undefined) throw new Error(`no symbol at module group ${i}`);
    values.push(v);
    i += take;
  }
  const stop = values.pop();
  const check = values.pop();
  if (stop !== C128.STOP) throw new Error('no stop');
  if (check !== code128Check(values)) throw new Error('bad check value');
  let set = values[0] === C128.START_C ? 'C' : 'B';
  let data = '';
  let gs1 = false;
  values.slice(1).forEach((v, k) => {
    if (v === C128.FNC1) {
      if (k === 0) gs1 = true;
      else data += GS;
    } else if (set === 'C' && v === C128.CODE_B) set = 'B';
    else if (set === 'B' && v === C128.CODE_C) set = 'C';
    else data += set === 'C' ? String(v).padStart(2, '0') : String.fromCharCode(v + 32);
  });
  return { data, gs1 };
}

describe('Code 128 symbol table', () => {
  it('has 107 symbols: 3 bars + 3 spaces over 11 modules with an even bar total; the stop 13 modules', () => {
    expect(CODE128_PATTERNS).toHaveLength(107);
    CODE128_PATTERNS.forEach((p, v) => {
      const w = [...p].map(Number);
      expect(w.length, `value ${v}`).toBe(v === C128.STOP ? 7 : 6);
      expect(w.reduce((a, b) => a + b, 0), `value ${v}`).toBe(v === C128.STOP ? 13 : 11);
      expect(w.every((x) => x >= 1 && x <= 4), `value ${v}`).toBe(true);
      const bars = w.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
      expect(bars % 2, `value ${v} bar parity`).toBe(0);
    });
    expect(new Set(CODE128_PATTERNS).size).toBe(107);
  });

  it('has the start, FNC1 and stop patterns of ISO/IEC 15417', () => {
    expect(CODE128_PATTERNS[C128.START_B]).toBe('211214');
    expect(CODE128_PATTERNS[C128.START_C]).toBe('211232');
    expect(CODE128_PATTERNS[C128.FNC1]).toBe('411131');
    expect(CODE128_PATTERNS[C128.STOP]).toBe('2331112');
    expect(CODE128_PATTERNS[0]).toBe('212222');
  });
});

describe('GS1-128 encoding: known symbol values', () => {
  it('(90)12 is Start C, FNC1, 90, 12, check 11, stop (zint test vector)', () => {
    expect(encodeGs1128('9012').values).toEqual([105, 102, 90, 12, 11, 106]);
  });

  it('the SSCC 000000000000000125 is Start C, FNC1, ten pairs, check 80, stop: 156 modules (zint NVE-18 vector)', () => {
    const s = encodeGs1128('00' + '000000000000000125');
    expect(s.values).toEqual([105, 102, 0, 0, 0, 0, 0, 0, 0, 0, 1, 25, 80, 106]);
    expect(s.modules).toBe(156);
  });

  it("the GS1 example SSCC (00)106141411234567897: its pairs in code set C, the check value worked out by hand", () => {
    const s = encodeGs1128(encodeSsccElementString('106141411234567897'));
    // 105 + 102 + 2·0 + 3·10 + 4·61 + 5·41 + 6·41 + 7·12 + 8·34 + 9·56 + 10·78 + 11·97 = 3639; 3639 mod 103 = 34.
    expect(s.values).toEqual([105, 102, 0, 10, 61, 41, 41, 12, 34, 56, 78, 97, 34, 106]);
    expect(s.widths.slice(0, 12).join('')).toBe('211232' + '411131');
    expect(s.widths.slice(-7).join('')).toBe('2331112');
  });

  it('switches to set B for letters and back to C for long digit runs; GS becomes FNC1', () => {
    const s = encodeGs1128(`10AB12${GS}3712`);
    expect(s.values.slice(0, 8)).toEqual([105, 102, 10, C128.CODE_B, 33, 34, 17, 18]);
    expect(decode(s)).toEqual({ data: `10AB12${GS}3712`, gs1: true });
  });

  it('plain Code 128 starts in B for text and in C for 4+ digits', () => {
    expect(encodeCode128('Ab').values.slice(0, 3)).toEqual([104, 33, 66]);
    expect(encodeCode128('123456').values.slice(0, 4)).toEqual([105, 12, 34, 56]);
  });

  it('refuses empty data, characters outside printable ASCII and an oversized GS1 string', () => {
    expect(() => encodeGs1128('')).toThrow(BarcodeFieldError);
    expect(() => encodeCode128('')).toThrow(BarcodeFieldError);
    expect(() => encodeCode128('caf\u00e9')).toThrow(/not printable/);
    expect(() => encodeCode128(`a${GS}b`)).toThrow(/FNC1 only in GS1-128/);
    expect(() => encodeGs1128('9'.repeat(49))).toThrow(/at most 48/);
  });
});

describe('Code 128 encoding: properties', () => {
  const printable = fc.string({ unit: fc.constantFrom(...'0123456789ABCXYZabz-./ '.split('')), minLength: 1, maxLength: 40 });

  it('any printable string decodes back to itself, with a valid check value', () => {
    fc.assert(
      fc.property(printable, (data) => {
        expect(decode(encodeCode128(data))).toEqual({ data, gs1: false });
      }),
    );
  });

  it('any GS1 digit string round-trips with FNC1 first, and is never longer than in set B alone', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: 2, maxLength: 48 }), (digits) => {
        const s = encodeGs1128(digits);
        expect(decode(s)).toEqual({ data: digits, gs1: true });
        expect(s.values.length).toBeLessThanOrEqual(digits.length + 4);
        expect(s.modules).toBe((s.values.length - 1) * 11 + 13);
      }),
    );
  });

  it('bars alternate with spaces: the bar rectangles cover exactly the bar modules, after the quiet zone', () => {
    fc.assert(
      fc.property(printable, (data) => {
        const s = encodeCode128(data);
        const bars = barsOf(s, 10);
        expect(bars[0]?.x).toBe(10);
        expect(bars.reduce((n, b) => n + b.w, 0)).toBe(s.widths.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0));
        const last = bars[bars.length - 1];
        expect(last ? last.x + last.w : 0).toBe(10 + s.modules);
      }),
    );
  });
});
