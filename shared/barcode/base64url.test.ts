import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromBase64url, toBase64url } from './base64url';

describe('base64url', () => {
  it('matches RFC 4648 vectors (url alphabet, no padding)', () => {
    const enc = (s: string) => toBase64url(new TextEncoder().encode(s));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('Zg');
    expect(enc('fo')).toBe('Zm8');
    expect(enc('foo')).toBe('Zm9v');
    expect(enc('foob')).toBe('Zm9vYg');
    expect(toBase64url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });

  it('property: round-trips and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const s = toBase64url(bytes);
        expect(s).toBe(Buffer.from(bytes).toString('base64url'));
        expect(fromBase64url(s)).toEqual(bytes);
      }),
    );
  });

  it('refuses non-canonical spellings, padding and foreign characters', () => {
    expect(fromBase64url('Zh')).toBeUndefined(); // same byte as "Zg" but with non-zero trailing bits
    expect(fromBase64url('Zg==')).toBeUndefined();
    expect(fromBase64url('Z+8')).toBeUndefined();
    expect(fromBase64url('Z')).toBeUndefined();
  });
});
