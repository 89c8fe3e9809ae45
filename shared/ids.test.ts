import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ROLLBACK_ALLOWANCE_MS,
  Uuid,
  UuidV7,
  createUuidV7Generator,
  isUuid,
  isUuidV7,
  normalizeUuid,
  uuidFromBytes,
  uuidToBytes,
  uuidV7Time,
  uuidv7,
} from './ids';

const T0 = 1_767_225_600_000;

function versionAndVariant(id: string) {
  const bytes = uuidToBytes(id);
  return { version: (bytes[6] as number) >> 4, variant: (bytes[8] as number) >> 6 };
}

describe('uuidv7', () => {
  it('has version 7 and the RFC 9562 variant', () => {
    for (let i = 0; i < 100; i++) {
      const id = uuidv7();
      expect(versionAndVariant(id)).toEqual({ version: 7, variant: 0b10 });
      expect(isUuid(id)).toBe(true);
      expect(isUuidV7(id)).toBe(true);
      expect(UuidV7.parse(id)).toBe(id);
    }
  });

  it('embeds the millisecond timestamp', () => {
    const id = uuidv7(() => T0);
    expect(uuidV7Time(id)).toBe(T0);
    expect(id.startsWith('019b76da-a800-7')).toBe(true); // T0 = 0x019b76daa800: big-endian, then the version nibble
  });

  it('matches an RFC 9562 test vector layout with a fixed random source', () => {
    // RFC 9562 Appendix A.6: ts 0x017F22E279B0 -> "017f22e2-79b0-7..."
    const gen = createUuidV7Generator((b) => b.fill(0));
    const id = gen(() => 0x017f22e279b0);
    expect(id).toBe('017f22e2-79b0-7000-8000-000000000000');
  });

  it('10k ids are unique and sort in creation order, even within one millisecond', () => {
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(uuidv7(() => T0 + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(10_000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('sorts by time across milliseconds', () => {
    const gen = createUuidV7Generator();
    const a = gen(() => T0 + 5);
    const b = gen(() => T0 + 6);
    const c = gen(() => T0 + 1000);
    expect([c, a, b].sort()).toEqual([a, b, c]);
  });

  it('stays monotonic on a small clock step back', () => {
    const gen = createUuidV7Generator();
    const a = gen(() => T0);
    const b = gen(() => T0 - 500);
    expect(b > a).toBe(true);
    expect(uuidV7Time(b)).toBe(T0);
  });

  it('follows the clock after a large correction instead of stamping future times', () => {
    const gen = createUuidV7Generator();
    gen(() => T0 + 86_400_000);
    const after = gen(() => T0);
    expect(uuidV7Time(after)).toBe(T0);
    expect(ROLLBACK_ALLOWANCE_MS).toBeLessThan(86_400_000);
  });

  it('moves to the next millisecond when the random tail overflows', () => {
    // A random source of all 0xff makes the tail start high and steps large, so it overflows quickly.
    const gen = createUuidV7Generator((b) => b.fill(0xff));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(gen(() => T0));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(versionAndVariant(id)).toEqual({ version: 7, variant: 0b10 });
  });

  it('rejects an unusable clock', () => {
    expect(() => uuidv7(() => -1)).toThrow(RangeError);
    expect(() => uuidv7(() => Number.NaN)).toThrow(RangeError);
    expect(() => uuidv7(() => 2 ** 48)).toThrow(RangeError);
  });

  it('property: ids from any non-decreasing clock sequence are strictly increasing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }), (steps) => {
        const gen = createUuidV7Generator();
        let t = T0;
        let prev = '';
        for (const s of steps) {
          t += s;
          const id = gen(() => t);
          expect(id > prev).toBe(true);
          expect(uuidV7Time(id)).toBeGreaterThanOrEqual(t);
          prev = id;
        }
      }),
    );
  });
});

describe('validation', () => {
  it.each([
    ['', false],
    ['not-a-uuid', false],
    ['017F22E2-79B0-7CC3-98C4-DC0C0C07398F', false], // upper case is not canonical
    ['017f22e2-79b0-7cc3-98c4-dc0c0c07398f', true],
    ['017f22e279b07cc398c4dc0c0c07398f', false],
    ['f81d4fae-7dec-11d0-a765-00a0c91e6bf6', true], // v1 is a UUID, not a v7
  ])('isUuid(%j) = %s', (s, ok) => {
    expect(isUuid(s)).toBe(ok);
    expect(Uuid.safeParse(s).success).toBe(ok);
  });

  it('zod error explains the expected form', () => {
    const r = Uuid.safeParse('nope');
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/canonical lowercase/);
  });

  it('uuidV7Time refuses non-v7', () => {
    expect(() => uuidV7Time('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toThrow(/UUIDv7/);
  });

  it('normalizes upper-case and braces', () => {
    expect(normalizeUuid('{017F22E2-79B0-7CC3-98C4-DC0C0C07398F}')).toBe('017f22e2-79b0-7cc3-98c4-dc0c0c07398f');
    expect(() => normalizeUuid('x')).toThrow(TypeError);
  });

  it('property: bytes round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const id = uuidFromBytes(bytes);
        expect(isUuid(id)).toBe(true);
        expect(uuidToBytes(id)).toEqual(bytes);
      }),
    );
  });
});
