import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBadge, encodeBadge } from './badge';
import { BarcodeFieldError } from './errors';

const operatorIdArb = fc.stringMatching(/^OP-[A-Z0-9]{2,12}$/);

describe('badge', () => {
  it('encodes compactly', () => {
    expect(encodeBadge({ operatorId: 'OP-0001' })).toBe('B:OP-0001');
    expect(decodeBadge('B:OP-0001')).toEqual({ operatorId: 'OP-0001' });
  });

  it('property: round-trip', () => {
    fc.assert(
      fc.property(operatorIdArb, (operatorId) => {
        expect(decodeBadge(encodeBadge({ operatorId }))).toEqual({ operatorId });
      }),
    );
  });

  it.each([
    ['OP-0001', 'prefix'],
    ['X:OP-0001', 'prefix'],
    ['B:', 'operatorId'],
    ['B:OP-1', 'operatorId'],
    ['B:op-0001', 'operatorId'],
    ['B:OP-0001 ', 'operatorId'],
  ])('rejects %j naming field %s', (data, field) => {
    try {
      decodeBadge(data);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BarcodeFieldError);
      expect((e as BarcodeFieldError).field).toBe(field);
      expect((e as BarcodeFieldError).message).toContain(field);
    }
  });

  it('refuses to print a badge for a bad id', () => {
    expect(() => encodeBadge({ operatorId: 'Budi' })).toThrow(/operatorId/);
  });
});
