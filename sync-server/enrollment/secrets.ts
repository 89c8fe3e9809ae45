import { createHash, createPublicKey, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Tokens are 256 random bits, so a fast SHA-256 is enough to store them: there is nothing to brute-force, and a slow
 * hash would cost a scrypt per request. Enrollment codes are shorter (typed by a person) but single-use, expiring
 * and only ever compared by hash.
 */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function newStationToken(): string {
  return randomBytes(32).toString('base64url');
}

// Crockford base32 without I, L, O, U: nothing a person can misread on the dashboard or mistype at the station.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 symbols (60 bits) shown as XXXX-XXXX-XXXX. */
export function newEnrollmentCode(): string {
  let s = '';
  for (let i = 0; i < 12; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

/** Case, dashes and spaces do not matter when typing a code. */
export function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export function hashCode(code: string): string {
  return sha256Hex(normaliseCode(code));
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretEquals(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** A base64url raw Ed25519 public key must decode to 32 bytes that Node accepts as a key. */
export function isEd25519PublicKey(b64url: string): boolean {
  if (!/^[A-Za-z0-9_-]{43}$/.test(b64url)) return false;
  try {
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}
