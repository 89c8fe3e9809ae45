import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeBadge } from './badge';
import { classifyScan, type ScanResult } from './classify';
import { GS, makeSscc } from './gs1';
import { encodeSpkLabel } from './spk';
import { SLIP_FIELDS } from './testing';
import { generateStationKeyPair, signTransferSlip, verifyTransferSlip } from './transfer-slip';

const SSCC = '106141411234567897';
const GTIN = '10614141000415';

let slip: string;
let stationKey: CryptoKey;
beforeAll(async () => {
  const kp = await generateStationKeyPair();
  stationKey = kp.publicKey;
  slip = await signTransferSlip(SLIP_FIELDS, kp.privateKey);
});

function unknown(r: ScanResult) {
  if (r.kind !== 'unknown') throw new Error(`expected unknown, got ${r.kind}`);
  return r;
}

describe('own labels', () => {
  it('badge', () => {
    expect(classifyScan({ data: 'B:OP-0001' })).toEqual({ kind: 'badge', operatorId: 'OP-0001' });
  });

  it('SPK label', () => {
    expect(classifyScan({ data: 'S:MO-2026-0001-SEW:QT-TEDDY-30:240' })).toEqual({
      kind: 'spk',
      workOrderId: 'MO-2026-0001-SEW',
      articleCode: 'QT-TEDDY-30',
      quantity: 240,
    });
  });

  it('transfer slip: structure checked, payload handed on for async verification', async () => {
    const r = classifyScan({ data: `]Q1${slip}` });
    expect(r).toEqual({ kind: 'transferSlip', payload: slip, symbology: 'Q1' });
    if (r.kind === 'transferSlip') {
      expect((await verifyTransferSlip(r.payload, () => stationKey)).ok).toBe(true);
    }
  });

  it.each(['\r', '\n', '\r\n', ' \r\n'])('accepts any scanner terminator (%j)', (t) => {
    expect(classifyScan({ data: `B:OP-0001${t}` }).kind).toBe('badge');
  });

  it('repairs a Caps-Lock-inverted keyboard-wedge scan, even for a signed slip', async () => {
    expect(classifyScan({ data: 'b:op-0001' })).toEqual({ kind: 'badge', operatorId: 'OP-0001' });
    const inverted = slip.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
    const r = classifyScan({ data: inverted });
    expect(r.kind).toBe('transferSlip');
    if (r.kind === 'transferSlip') expect((await verifyTransferSlip(r.payload, () => stationKey)).ok).toBe(true);
  });

  it('a damaged badge is unknown/damaged, naming the field, in both languages', () => {
    const r = unknown(classifyScan({ data: 'B:OP-1' }));
    expect(r.reason).toBe('damaged');
    expect(r.field).toBe('operatorId');
    expect(r.message.en).toMatch(/Badge.*operatorId/);
    expect(r.message.id).toMatch(/kartu operator.*operatorId/);
    expect(r.raw).toBe('B:OP-1');
  });

  it('a truncated transfer slip is unknown/damaged with a slip message', () => {
    const r = unknown(classifyScan({ data: slip.slice(0, 40) }));
    expect(r.reason).toBe('damaged');
    expect(r.message.en).toMatch(/Transfer slip/);
    expect(r.message.id).toMatch(/Slip transfer/);
  });

  it('a damaged SPK label says so', () => {
    const r = unknown(classifyScan({ data: 'S:MO-2026-0001-SEW:ART:0' }));
    expect(r.field).toBe('quantity');
    expect(r.message.id).toMatch(/Label SPK/);
  });
});

describe('AIM symbology identifiers', () => {
  it.each([
    [`]C100${SSCC}`, 'C1'],
    [`]d200${SSCC}`, 'd2'],
    [`]Q300${SSCC}`, 'Q3'],
  ])('strips %j and reads a carton', (data, symbology) => {
    expect(classifyScan({ data })).toMatchObject({ kind: 'carton', sscc: SSCC, symbology });
  });

  it('uses a symbology passed separately, in either spelling, when the driver already stripped it', () => {
    expect(classifyScan({ symbology: ']C1', data: `00${SSCC}` })).toMatchObject({ kind: 'carton', sscc: SSCC });
    expect(classifyScan({ symbology: 'C1', data: `01${GTIN}3724` })).toMatchObject({ kind: 'gs1', symbology: 'C1' });
    expect(classifyScan({ symbology: 'GS1-128', data: `37${'24'}` })).toMatchObject({ kind: 'gs1' });
  });

  it('strips any ]Xn identifier before recognising our own labels', () => {
    expect(classifyScan({ data: ']C0B:OP-0001' })).toEqual({ kind: 'badge', operatorId: 'OP-0001', symbology: 'C0' });
    expect(classifyScan({ data: `]Z9${encodeBadge({ operatorId: 'OP-0002' })}` }).kind).toBe('badge');
  });

  it('EAN-13 becomes a GTIN element', () => {
    expect(classifyScan({ data: ']E04006381333931' })).toMatchObject({
      kind: 'gs1',
      elements: [{ ai: '01', value: '04006381333931' }],
    });
  });
});

describe('GS1', () => {
  it('a carton label with several AIs is a carton, elements kept', () => {
    const r = classifyScan({ data: `]C100${SSCC}02${GTIN}3724${GS}400PO-7788\r\n` });
    expect(r.kind).toBe('carton');
    if (r.kind === 'carton') {
      expect(r.sscc).toBe(SSCC);
      expect(r.elements.map((e) => e.ai)).toEqual(['00', '02', '37', '400']);
    }
  });

  it('without an identifier: recognised by shape (digits, leading GS, bracket HRI, bare SSCC)', () => {
    expect(classifyScan({ data: `00${SSCC}` })).toMatchObject({ kind: 'carton', sscc: SSCC });
    expect(classifyScan({ data: `${GS}01${GTIN}10LOT1` })).toMatchObject({ kind: 'gs1' });
    expect(classifyScan({ data: `(00)${SSCC}` })).toMatchObject({ kind: 'carton', sscc: SSCC });
    expect(classifyScan({ data: SSCC })).toMatchObject({ kind: 'carton', sscc: SSCC });
    expect(classifyScan({ data: '4006381333931' })).toMatchObject({ kind: 'gs1', elements: [{ ai: '01' }] });
  });

  it('a carton label with a wrong SSCC check digit is refused with the AI named', () => {
    const bad = SSCC.slice(0, 17) + '3';
    const r = unknown(classifyScan({ data: `]C100${bad}` }));
    expect(r.reason).toBe('damaged');
    expect(r.field).toBe('AI (00) SSCC');
    expect(r.message.en).toMatch(/Carton/);
    expect(r.message.id).toMatch(/karton/);
  });

  it('carton labels made by makeSscc always classify as cartons', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.nat({ max: 999_999_999 }), (ext, n) => {
        const sscc = makeSscc(ext, '8991234', n);
        expect(classifyScan({ data: `]C100${sscc}\r` })).toMatchObject({ kind: 'carton', sscc });
      }),
    );
  });
});

describe('unknown', () => {
  it('empty scans', () => {
    for (const data of ['', '\r\n', ']C1', GS]) {
      const r = unknown(classifyScan({ data }));
      expect(r.reason).toBe('empty');
      expect(r.message.en).toBeTruthy();
      expect(r.message.id).toBeTruthy();
    }
  });

  it('unrecognised text gets a bilingual operator message', () => {
    const r = unknown(classifyScan({ data: 'hello world' }));
    expect(r.reason).toBe('unrecognized');
    expect(r.message.en).toMatch(/not a badge, SPK label, transfer slip or carton label/);
    expect(r.message.id).toMatch(/bukan kartu operator, label SPK, slip transfer, atau label karton/);
  });

  it('property: never throws, always a known kind, unknowns always carry both languages', () => {
    const kinds = ['badge', 'spk', 'transferSlip', 'carton', 'gs1', 'unknown'];
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.constantFrom('B:', 'S:', 'T1:', ']C1', '00', '(0').chain((p) =>
            fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((s) => p + s),
          ),
        ),
        fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        (data, symbology) => {
          const r = classifyScan(symbology === undefined ? { data } : { data, symbology });
          expect(kinds).toContain(r.kind);
          if (r.kind === 'unknown') {
            expect(r.message.en.length).toBeGreaterThan(0);
            expect(r.message.id.length).toBeGreaterThan(0);
          }
        },
      ),
    );
  });

  it('property: every encoded label classifies back to itself', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^MO-\d{4}-\d{4,6}-(CUT|SEW)$/),
        fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{2,31}$/),
        fc.integer({ min: 1, max: 1_000_000 }),
        (workOrderId, articleCode, quantity) => {
          expect(classifyScan({ data: encodeSpkLabel({ workOrderId, articleCode, quantity }) + '\r\n' })).toEqual({
            kind: 'spk',
            workOrderId,
            articleCode,
            quantity,
          });
        },
      ),
    );
  });
});
