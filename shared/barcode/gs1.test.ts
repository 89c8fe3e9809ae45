import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BarcodeFieldError } from './errors';
import {
  GS,
  GS1_AIS,
  Sscc,
  encodeGs1,
  encodeSsccElementString,
  formatGs1Hri,
  gs1CheckDigit,
  makeSscc,
  parseGs1,
  ssccCheckDigit,
  validateSscc,
} from './gs1';

// GS1 General Specifications example SSCC: (00) 1 0614141 123456789 -> check digit 7.
const SSCC = '106141411234567897';
const GTIN = '10614141000415'; // valid GTIN-14

function err(fn: () => unknown): BarcodeFieldError {
  try {
    fn();
  } catch (e) {
    if (e instanceof BarcodeFieldError) return e;
    throw e;
  }
  throw new Error('expected a BarcodeFieldError');
}

describe('check digits and SSCC', () => {
  it('computes GS1 mod-10 check digits (known vectors)', () => {
    expect(ssccCheckDigit('10614141123456789')).toBe(7);
    expect(gs1CheckDigit('1061414100041')).toBe(5);
    expect(gs1CheckDigit('400638133393')).toBe(1); // EAN-13 4006381333931
  });

  it('makeSscc pads the serial reference to fill 16 digits with the company prefix', () => {
    expect(makeSscc(1, '0614141', '123456789')).toBe(SSCC);
    expect(makeSscc('1', '0614141', 123456789)).toBe(SSCC);
    expect(makeSscc(0, '8991234', 42)).toMatch(/^08991234000000042\d$/);
    expect(validateSscc(makeSscc(0, '8991234', 42))).toHaveLength(18);
  });

  it('makeSscc names the bad argument', () => {
    expect(err(() => makeSscc(10, '0614141', 1)).field).toBe('extensionDigit');
    expect(err(() => makeSscc(1, '12', 1)).field).toBe('companyPrefix');
    expect(err(() => makeSscc(1, '0614141', '1234567890')).field).toBe('serialRef'); // 10 > 9 digits available
    expect(err(() => makeSscc(1, '0614141', -1)).field).toBe('serialRef');
    expect(err(() => makeSscc(1, '0614141', 1.5)).field).toBe('serialRef');
  });

  it('rejects a wrong check digit with a clear message', () => {
    const bad = SSCC.slice(0, 17) + '3';
    const e = err(() => validateSscc(bad));
    expect(e.message).toMatch(/wrong check digit 3, expected 7/);
    expect(Sscc.safeParse(bad).success).toBe(false);
    expect(Sscc.safeParse(SSCC).success).toBe(true);
    expect(err(() => validateSscc('123')).message).toMatch(/18 digits/);
  });

  it('property: every made SSCC validates, and any single-digit change is caught', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.stringMatching(/^\d{7,10}$/),
        fc.nat({ max: 999_999 }),
        fc.nat({ max: 16 }),
        fc.integer({ min: 1, max: 9 }),
        (ext, prefix, serial, pos, delta) => {
          const s = makeSscc(ext, prefix, serial);
          expect(validateSscc(s)).toBe(s);
          const d = (Number(s[pos]) + delta) % 10;
          const mutated = s.slice(0, pos) + d + s.slice(pos + 1);
          expect(() => validateSscc(mutated)).toThrow(BarcodeFieldError);
        },
      ),
    );
  });
});

describe('parseGs1', () => {
  it('parses a carton label: SSCC + content + count + order number', () => {
    const data = `00${SSCC}02${GTIN}3724${GS}400PO-778812`;
    expect(parseGs1(data)).toEqual([
      { ai: '00', title: 'SSCC', value: SSCC },
      { ai: '02', title: 'CONTENT', value: GTIN },
      { ai: '37', title: 'COUNT', value: '24' },
      { ai: '400', title: 'ORDER NUMBER', value: 'PO-778812' },
    ]);
  });

  it('parses GTIN + batch (GS-terminated) + serial', () => {
    const els = parseGs1(`01${GTIN}10LOT-A1${GS}21SN0001`);
    expect(els.map((e) => [e.ai, e.value])).toEqual([
      ['01', GTIN],
      ['10', 'LOT-A1'],
      ['21', 'SN0001'],
    ]);
  });

  it('tolerates a leading FNC1/GS, a trailing GS, and a GS after a fixed-length field', () => {
    expect(parseGs1(`${GS}00${SSCC}${GS}3712${GS}`).map((e) => e.value)).toEqual([SSCC, '12']);
  });

  it('reads the human-readable bracket form, with spaces as printed', () => {
    expect(parseGs1('(00) 1 0614141 123456789 7(37)24').map((e) => [e.ai, e.value])).toEqual([
      ['00', SSCC],
      ['37', '24'],
    ]);
  });

  it('parses dates and weights', () => {
    expect(parseGs1(`17261231${'3103'}001250`).map((e) => [e.ai, e.value])).toEqual([
      ['17', '261231'],
      ['3103', '001250'],
    ]);
  });

  it.each([
    ['', 'data', /empty/],
    [GS, 'data', /empty/],
    [`00${SSCC.slice(0, 17)}3`, 'AI (00) SSCC', /wrong check digit 3, expected 7/],
    [`00${SSCC.slice(0, 10)}`, 'AI (00) SSCC', /exactly 18/],
    [`01${GTIN.slice(0, 13)}9`, 'AI (01) GTIN', /check digit/],
    [`10${'A'.repeat(21)}`, 'AI (10) BATCH/LOT', /missing GS/],
    [`10ABC${GS}99`, 'AI (99) INTERNAL', /1-90/],
    ['37ABC', 'AI (37) COUNT', /digits only/],
    ['10bad space', 'AI (10) BATCH/LOT', /not allowed/],
    ['17261301', 'AI (17) USE BY or EXPIRY', /date/],
    ['5512345', 'position 0', /unknown application identifier/],
    [`3712${GS}88x`, 'position 5', /unknown/],
    [`3712${GS}3713`, 'AI (37) COUNT', /twice/],
    ['(00)123', 'AI (00) SSCC', /exactly 18/],
    ['(55)123', 'AI (55)', /unknown/],
    ['(00', 'position 0', /\(AI\)value/],
  ])('rejects %j naming %s', (data, field, msg) => {
    const e = err(() => parseGs1(data));
    expect(e.field).toBe(field);
    expect(e.message).toMatch(msg);
  });

  it('accepts the same AI twice with the same value', () => {
    expect(parseGs1(`3712${GS}3712`)).toHaveLength(1);
  });

  it('the AI table is prefix-free (so matching by 2/3/4-digit prefix is unambiguous)', () => {
    const ais = [...GS1_AIS.keys()];
    for (const a of ais) for (const b of ais) if (a !== b) expect(b.startsWith(a), `${a} vs ${b}`).toBe(false);
  });
});

describe('encodeGs1', () => {
  it('puts fixed-length elements first and separates variable ones with GS (none after the last)', () => {
    const s = encodeGs1([
      { ai: '400', value: 'PO-1' },
      { ai: '00', value: SSCC },
      { ai: '37', value: '24' },
    ]);
    expect(s).toBe(`00${SSCC}400PO-1${GS}3724`);
    expect(encodeSsccElementString(SSCC)).toBe(`00${SSCC}`);
    expect(formatGs1Hri([{ ai: '00', value: SSCC }])).toBe(`(00)${SSCC}`);
  });

  it('refuses invalid elements', () => {
    expect(err(() => encodeGs1([{ ai: '00', value: '1' }])).field).toBe('AI (00) SSCC');
    expect(err(() => encodeGs1([])).field).toBe('elements');
    expect(err(() => encodeSsccElementString('106141411234567890')).field).toBe('sscc');
  });

  it('property: parse(encode(elements)) returns the same elements', () => {
    const batch = fc.stringMatching(/^[A-Za-z0-9\-./]{1,20}$/);
    const elementsArb = fc.record({
      sscc: fc.tuple(fc.integer({ min: 0, max: 9 }), fc.nat({ max: 999_999_999 })).map(([e, n]) => makeSscc(e, '0614141', n)),
      count: fc.option(fc.integer({ min: 1, max: 99_999_999 }).map(String), { nil: undefined }),
      batch: fc.option(batch, { nil: undefined }),
      order: fc.option(fc.stringMatching(/^[A-Z0-9-]{1,30}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(elementsArb, ({ sscc, count, batch: b, order }) => {
        const els = [
          { ai: '00', value: sscc },
          ...(b === undefined ? [] : [{ ai: '10', value: b }]),
          ...(count === undefined ? [] : [{ ai: '37', value: count }]),
          ...(order === undefined ? [] : [{ ai: '400', value: order }]),
        ];
        const parsed = parseGs1(encodeGs1(els)).map((e) => ({ ai: e.ai, value: e.value }));
        expect(parsed).toEqual(els);
        const hri = parseGs1(formatGs1Hri(els)).map((e) => ({ ai: e.ai, value: e.value }));
        expect(hri).toEqual(els);
      }),
    );
  });

  it('property: parseGs1 never throws anything but BarcodeFieldError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 60 }), (s) => {
        try {
          parseGs1(s);
        } catch (e) {
          expect(e).toBeInstanceOf(BarcodeFieldError);
        }
      }),
    );
  });
});
