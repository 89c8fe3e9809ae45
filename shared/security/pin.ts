/**
 * Operator PIN hashing for offline login (badge identifies, PIN authenticates).
 *
 * Stored format (one string, travels with the roster to every station):
 *
 *     scrypt$<N>$<r>$<p>$<salt, base64 unpadded>$<hash, base64 unpadded>
 *     e.g. scrypt$32768$8$1$3q2+7w…$Xk1…
 *
 * Why these choices:
 * - scrypt from `node:crypto`: memory-hard, no native add-on, same code on station core and server. Node-only by
 *   design: the renderer never sees PIN hashes.
 * - N=2^15, r=8, p=1 (32 MiB, ~50-100 ms): a login stays instant on an old station PC. A 4-8 digit PIN has at most
 *   10^8 values, so no cost setting makes a stolen roster safe against offline guessing; what protects PINs is
 *   keeping the roster out of reach and rate-limiting attempts at the station. The cost only has to make bulk
 *   cracking of many operators slow, and the parameters are stored per hash so they can be raised later
 *   (`needsRehash`).
 * - Parameters read from a stored hash are bounded, so a corrupted or hostile roster entry cannot make a station
 *   allocate gigabytes.
 * - Comparison with `timingSafeEqual`.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { ANY_PIN_PATTERN } from './pin-rules';

/** Any roster PIN (verification accepts all of them); who needs how many digits: pin-rules.ts. */
export const Pin = z.string().regex(ANY_PIN_PATTERN, 'PIN must be 4-8 digits');

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_PIN_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** Bounds accepted when reading a stored hash (see module comment). */
const LIMITS = { minLogN: 10, maxLogN: 20, maxR: 32, maxP: 16, minBytes: 16, maxBytes: 64 } as const;

export class PinFormatError extends Error {
  override readonly name = 'PinFormatError';
}

/** A stored PIN hash that cannot be read: a roster problem to report, not a wrong PIN. */
export class PinHashFormatError extends Error {
  override readonly name = 'PinHashFormatError';
}

function scrypt(pin: string, salt: Uint8Array, keylen: number, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // Node refuses when 128*N*r exceeds maxmem (default 32 MiB, exactly our default's need): give headroom.
    maxmem: 128 * params.N * params.r * 2 + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scryptCb(pin, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function fromB64(s: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+$/.test(s)) throw new PinHashFormatError(`PIN hash: ${what} is not base64`);
  const bytes = Buffer.from(s, 'base64');
  // Buffer's decoder is lenient; insist on the one canonical spelling.
  if (b64(bytes) !== s) throw new PinHashFormatError(`PIN hash: ${what} is not canonical base64`);
  if (bytes.length < LIMITS.minBytes || bytes.length > LIMITS.maxBytes) {
    throw new PinHashFormatError(`PIN hash: ${what} must be ${LIMITS.minBytes}-${LIMITS.maxBytes} bytes`);
  }
  return bytes;
}

function validateParams(params: ScryptParams): ScryptParams {
  const { N, r, p } = params;
  const logN = Math.log2(N);
  if (!Number.isInteger(logN) || logN < LIMITS.minLogN || logN > LIMITS.maxLogN) {
    throw new PinHashFormatError(`PIN hash: N must be a power of two between 2^${LIMITS.minLogN} and 2^${LIMITS.maxLogN}`);
  }
  if (!Number.isInteger(r) || r < 1 || r > LIMITS.maxR) throw new PinHashFormatError(`PIN hash: r must be 1-${LIMITS.maxR}`);
  if (!Number.isInteger(p) || p < 1 || p > LIMITS.maxP) throw new PinHashFormatError(`PIN hash: p must be 1-${LIMITS.maxP}`);
  return params;
}

export interface ParsedPinHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

export function parsePinHash(stored: string): ParsedPinHash {
  if (typeof stored !== 'string') throw new PinHashFormatError('PIN hash: not a string');
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    throw new PinHashFormatError('PIN hash: expected scrypt$N$r$p$salt$hash');
  }
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const num = (s: string, what: string) => {
    if (!/^[1-9]\d{0,9}$/.test(s)) throw new PinHashFormatError(`PIN hash: ${what} is not a positive integer`);
    return Number(s);
  };
  const params = validateParams({ N: num(n, 'N'), r: num(r, 'r'), p: num(p, 'p') });
  return { params, salt: fromB64(salt, 'salt'), hash: fromB64(hash, 'hash') };
}

export async function hashPin(pin: string, params: ScryptParams = DEFAULT_PIN_PARAMS): Promise<string> {
  const r = Pin.safeParse(pin);
  if (!r.success) throw new PinFormatError(r.error.issues[0]?.message ?? 'PIN must be 4-8 digits');
  const { N, r: blockSize, p } = validateParams({ ...params });
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(pin, salt, HASH_BYTES, { N, r: blockSize, p });
  return `scrypt$${N}$${blockSize}$${p}$${b64(salt)}$${b64(hash)}`;
}

/**
 * true only for the right PIN. A PIN that is not 4-8 digits is simply wrong (false). A stored hash that cannot be
 * read throws PinHashFormatError, so a corrupted roster entry is reported instead of looking like a typo.
 */
export async function verifyPin(pin: string, stored: string): Promise<boolean> {
  const { params, salt, hash } = parsePinHash(stored);
  if (!Pin.safeParse(pin).success) return false;
  const candidate = await scrypt(pin, salt, hash.length, params);
  return timingSafeEqual(candidate, hash);
}

/** True when a stored hash uses weaker parameters than `target`: re-hash at the next successful login. */
export function needsRehash(stored: string, target: ScryptParams = DEFAULT_PIN_PARAMS): boolean {
  const { params, hash } = parsePinHash(stored);
  return params.N < target.N || params.r < target.r || params.p < target.p || hash.length < HASH_BYTES;
}

/**
 * PINs anyone would guess first (all one digit, straight runs like 1234 / 9876). For the set-PIN screen to refuse;
 * verification does not use it, so existing PINs keep working.
 */
export function isTrivialPin(pin: string): boolean {
  if (!Pin.safeParse(pin).success) return false;
  const d = Array.from(pin, Number);
  const steps = new Set(d.slice(1).map((x, i) => x - (d[i] as number)));
  return steps.size === 1 && [0, 1, -1].includes([...steps][0] as number);
}
