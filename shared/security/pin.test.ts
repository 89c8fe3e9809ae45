import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_PIN_PARAMS,
  Pin,
  PinFormatError,
  PinHashFormatError,
  hashPin,
  isTrivialPin,
  needsRehash,
  parsePinHash,
  verifyPin,
} from './pin';

// Cheap parameters for the many-hash property tests; one test covers the real defaults.
const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('hashPin / verifyPin', () => {
  it('uses the documented format and default cost, and verifies', async () => {
    const h = await hashPin('482913');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPin('482913', h)).toBe(true);
    expect(await verifyPin('482914', h)).toBe(false);
    expect(needsRehash(h)).toBe(false);
  });

  it('salts: the same PIN hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPin('1111', FAST), hashPin('1111', FAST)]);
    expect(a).not.toBe(b);
    expect(await verifyPin('1111', a)).toBe(true);
    expect(await verifyPin('1111', b)).toBe(true);
  });

  it('property: right PIN verifies, any other PIN does not', async () => {
    const pinArb = fc.stringMatching(/^\d{4,8}$/);
    await fc.assert(
      fc.asyncProperty(pinArb, pinArb, async (pin, other) => {
        fc.pre(pin !== other);
        const h = await hashPin(pin, FAST);
        expect(await verifyPin(pin, h)).toBe(true);
        expect(await verifyPin(other, h)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('a PIN with extra characters is wrong, not a near-match', async () => {
    const h = await hashPin('1234', FAST);
    for (const p of ['1234 ', ' 1234', '12345', '123', '', '١٢٣٤' /* Arabic-Indic digits */]) {
      expect(await verifyPin(p, h)).toBe(false);
    }
  });

  it('refuses to hash a PIN that is not 4-8 digits', async () => {
    for (const p of ['123', '123456789', 'abcd', '12 34', '']) {
      await expect(hashPin(p, FAST)).rejects.toThrow(PinFormatError);
    }
    await expect(hashPin('123')).rejects.toThrow(/4-8 digits/);
  });
});

describe('stored hash parsing', () => {
  it('round-trips parameters, salt and hash', async () => {
    const h = await hashPin('2580', FAST);
    const p = parsePinHash(h);
    expect(p.params).toEqual(FAST);
    expect(p.salt).toHaveLength(16);
    expect(p.hash).toHaveLength(32);
  });

  it.each([
    ['', /expected scrypt/],
    ['bcrypt$10$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /expected scrypt/],
    ['scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /power of two/],
    ['scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /power of two/],
    ['scrypt$1024$0$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /positive integer/],
    ['scrypt$1024$99$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /r must be/],
    ['scrypt$1024$8$1$AAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /salt must be/],
    ['scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$!!!', /hash is not base64/],
    ['scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAB$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', /salt is not canonical/],
  ])('rejects %j', async (stored, msg) => {
    expect(() => parsePinHash(stored)).toThrow(PinHashFormatError);
    expect(() => parsePinHash(stored)).toThrow(msg);
    await expect(verifyPin('1234', stored)).rejects.toThrow(PinHashFormatError);
  });

  it('a tampered hash no longer verifies', async () => {
    const h = await hashPin('9031', FAST);
    const parts = h.split('$');
    const hash = parts[5] as string;
    parts[5] = (hash[0] === 'A' ? 'B' : 'A') + hash.slice(1);
    expect(await verifyPin('9031', parts.join('$'))).toBe(false);
  });

  it('needsRehash flags weaker parameters', async () => {
    const weak = await hashPin('7391', FAST);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, FAST)).toBe(false);
    expect(DEFAULT_PIN_PARAMS.N).toBeGreaterThan(FAST.N);
  });
});

describe('PIN rules', () => {
  it('format', () => {
    expect(Pin.safeParse('0000').success).toBe(true);
    expect(Pin.safeParse('12345678').success).toBe(true);
    expect(Pin.safeParse('123').success).toBe(false);
    expect(Pin.safeParse('1234a').success).toBe(false);
    expect(Pin.safeParse('123456789').success).toBe(false);
  });

  it('trivial PINs for the set-PIN screen', () => {
    for (const p of ['0000', '1111', '1234', '4321', '123456', '98765432']) expect(isTrivialPin(p), p).toBe(true);
    for (const p of ['1357', '4829', '1243', '0102', 'abcd']) expect(isTrivialPin(p), p).toBe(false);
  });
});
