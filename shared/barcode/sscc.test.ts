import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sscc, gs1CheckDigit } from './gs1';
import { CompanyPrefix, SsccLease, composeSscc, leaseSize, leasesOverlap, maxSerial, nextSscc, remainingSerials, serialWidth, ssccParts } from './sscc';

const lease = (first: number, last: number, over: Partial<SsccLease> = {}): SsccLease =>
  SsccLease.parse({ leaseId: `L-${first}`, companyPrefix: '0614141', extension: 1, first, last, leasedAt: '2026-12-05T08:00:00.000Z', ...over });

describe('SSCC composition', () => {
  it('builds the GS1 example SSCC from extension 1, prefix 0614141 and serial 123456789', () => {
    expect(composeSscc({ companyPrefix: '0614141', extension: 1 }, 123456789)).toBe('106141411234567897');
  });

  it('zero-pads the serial to fill 16 digits with the prefix, for every prefix length 7–10', () => {
    expect(composeSscc({ companyPrefix: '8991234567', extension: 0 }, 42)).toMatch(/^08991234567000042\d$/);
    expect(composeSscc({ companyPrefix: '8991234', extension: 3 }, 7)).toMatch(/^38991234000000007\d$/);
    expect(serialWidth('8991234')).toBe(9);
    expect(maxSerial('8991234567')).toBe(999_999);
  });

  it('refuses a prefix outside 7–10 digits and a serial too long for the prefix', () => {
    expect(() => composeSscc({ companyPrefix: '061414', extension: 0 }, 1)).toThrow(/7-10 digits/);
    expect(() => composeSscc({ companyPrefix: '06141410000', extension: 0 }, 1)).toThrow(/7-10 digits/);
    expect(() => composeSscc({ companyPrefix: '8991234567', extension: 0 }, 1_000_000)).toThrow(/at most 6 digits/);
    expect(CompanyPrefix.safeParse('89912a4').success).toBe(false);
  });

  it('every composed SSCC is valid (check digit by gs1.ts) and gives its extension and serial back', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{7,10}$/), fc.integer({ min: 0, max: 9 }), fc.nat(), (prefix, ext, n) => {
        const serial = n % (maxSerial(prefix) + 1);
        const sscc = composeSscc({ companyPrefix: prefix, extension: ext }, serial);
        expect(Sscc.safeParse(sscc).success).toBe(true);
        expect(Number(sscc[17])).toBe(gs1CheckDigit(sscc.slice(0, 17)));
        expect(ssccParts(sscc, prefix)).toEqual({ extension: ext, serial });
      }),
    );
  });

  it('ssccParts says null for an SSCC of another company prefix', () => {
    expect(ssccParts('106141411234567897', '8991234')).toBeNull();
  });
});

describe('SSCC lease', () => {
  it('parses a lease and refuses a reversed range, a serial too long for the prefix, unknown fields', () => {
    expect(leaseSize(lease(100, 199))).toBe(100);
    const base = { leaseId: 'L1', companyPrefix: '8991234567', extension: 0, leasedAt: '2026-12-05T08:00:00Z' };
    expect(SsccLease.safeParse({ ...base, first: 10, last: 9 }).success).toBe(false);
    expect(SsccLease.safeParse({ ...base, first: 0, last: 1_000_000 }).success).toBe(false);
    expect(SsccLease.safeParse({ ...base, first: 0, last: 999_999 }).success).toBe(true);
    expect(SsccLease.safeParse({ ...base, first: -1, last: 5 }).success).toBe(false);
    expect(SsccLease.safeParse({ ...base, first: 0, last: 5, extra: 1 }).success).toBe(false);
    expect(SsccLease.safeParse({ ...base, extension: 10, first: 0, last: 5 }).success).toBe(false);
  });

  it('overlap: same prefix and extension with a shared serial only', () => {
    expect(leasesOverlap(lease(0, 99), lease(99, 150))).toBe(true);
    expect(leasesOverlap(lease(0, 99), lease(100, 150))).toBe(false);
    expect(leasesOverlap(lease(0, 99), lease(0, 99, { extension: 2 }))).toBe(false);
    expect(leasesOverlap(lease(0, 99), lease(0, 99, { companyPrefix: '0614142' }))).toBe(false);
  });
});

describe('nextSscc: allocation from held leases', () => {
  it('takes the first lease in order, then the next; null when all are used', () => {
    const leases = [lease(10, 11), lease(500, 500)];
    expect(nextSscc(leases, 0)).toMatchObject({ serial: 10, leaseId: 'L-10' });
    expect(nextSscc(leases, 1)).toMatchObject({ serial: 11 });
    expect(nextSscc(leases, 2)).toMatchObject({ serial: 500, leaseId: 'L-500', sscc: composeSscc(leases[1] as SsccLease, 500) });
    expect(nextSscc(leases, 3)).toBeNull();
    expect(nextSscc([], 0)).toBeNull();
    expect(remainingSerials(leases, 1)).toBe(2);
    expect(remainingSerials(leases, 9)).toBe(0);
    expect(() => nextSscc(leases, -1)).toThrow();
  });

  it('stations with disjoint leases never allocate the same SSCC, however many each uses', () => {
    const disjoint = fc
      .array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 8 })
      .map((sizes) => {
        // The server's counter: consecutive blocks, handed to stations round-robin.
        let next = 0;
        return sizes.map((size, i) => {
          const l = lease(next, next + size - 1, { leaseId: `L${i}` });
          next += size;
          return { station: i % 3, lease: l };
        });
      });
    fc.assert(
      fc.property(disjoint, (blocks) => {
        const seen = new Set<string>();
        for (const station of [0, 1, 2]) {
          const held = blocks.filter((b) => b.station === station).map((b) => b.lease);
          for (let used = 0; ; used++) {
            const a = nextSscc(held, used);
            if (!a) {
              expect(used).toBe(remainingSerials(held, 0));
              break;
            }
            expect(seen.has(a.sscc), a.sscc).toBe(false);
            seen.add(a.sscc);
          }
        }
        expect(seen.size).toBe(blocks.reduce((n, b) => n + leaseSize(b.lease), 0));
      }),
    );
  });
});
