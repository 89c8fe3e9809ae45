import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BarcodeFieldError } from './errors';
import { decodeSpkLabel, encodeSpkLabel } from './spk';

const workOrderIdArb = fc.stringMatching(/^MO-\d{4}-\d{4,6}-(CUT|EMB|SEW|FIN|PCK)$/);
const articleCodeArb = fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{2,31}$/);
const quantityArb = fc.integer({ min: 1, max: 1_000_000 });

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof BarcodeFieldError) return e.field;
    throw e;
  }
  throw new Error('expected a BarcodeFieldError');
}

describe('SPK label', () => {
  it('encodes as S:<wo>:<article>:<qty>', () => {
    const s = encodeSpkLabel({ workOrderId: 'MO-2026-0001-SEW', articleCode: 'QT-TEDDY-30', quantity: 240 });
    expect(s).toBe('S:MO-2026-0001-SEW:QT-TEDDY-30:240');
    expect(decodeSpkLabel(s)).toEqual({ workOrderId: 'MO-2026-0001-SEW', articleCode: 'QT-TEDDY-30', quantity: 240 });
  });

  it('property: round-trip', () => {
    fc.assert(
      fc.property(workOrderIdArb, articleCodeArb, quantityArb, (workOrderId, articleCode, quantity) => {
        const f = { workOrderId, articleCode, quantity };
        expect(decodeSpkLabel(encodeSpkLabel(f))).toEqual(f);
      }),
    );
  });

  it.each([
    ['MO-2026-0001-SEW:ART:1', 'prefix'],
    ['S:MO-2026-0001-SEW', 'articleCode'],
    ['S:MO-2026-0001-SEW:ART', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:1:9', 'quantity'],
    ['S:MO-26-1-SEW:ART:1', 'workOrderId'],
    ['S:MO-2026-0001-SEW:art lower:1', 'articleCode'],
    ['S:MO-2026-0001-SEW::1', 'articleCode'],
    ['S:MO-2026-0001-SEW:ART:0', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:007', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:-5', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:1e3', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:1000001', 'quantity'],
    ['S:MO-2026-0001-SEW:ART:10000000', 'quantity'],
    ['S:MO-2026-0001-XXX:ART:1', 'workOrderId'],
    ['S:MO-2026-0001-SEW:A/B:1', 'articleCode'],
  ])('rejects %j naming field %s', (data, field) => {
    expect(fieldOf(() => decodeSpkLabel(data))).toBe(field);
  });

  it('refuses to print invalid fields, naming them', () => {
    expect(fieldOf(() => encodeSpkLabel({ workOrderId: 'MO-2026-0001-SEW', articleCode: 'A:B', quantity: 1 }))).toBe(
      'articleCode',
    );
    expect(fieldOf(() => encodeSpkLabel({ workOrderId: 'MO-2026-0001-SEW', articleCode: 'ART', quantity: 1.5 }))).toBe(
      'quantity',
    );
  });
});
