/**
 * UUIDv7 (RFC 9562 §5.7): time-ordered ids for events and documents, generated offline on any station.
 *
 * Layout (128 bits):  unix_ts_ms (48) | ver=0111 (4) | rand_a (12) | var=10 (2) | rand_b (62)
 *
 * Monotonic within one generator (RFC 9562 §6.2, method 2 "monotonic random"): when the clock has not advanced
 * (same millisecond, or a small step back), the 74 random bits are treated as one counter and incremented by a
 * random amount, so ids sort in creation order and the next id is still unguessable. If that counter would
 * overflow, the timestamp is advanced by 1 ms. A large step back of the clock (more than `ROLLBACK_ALLOWANCE_MS`,
 * e.g. a station clock corrected from a day fast) resets the generator to the real time instead of stamping the
 * rest of the day with a wrong time: ids stay unique (74 random bits), only monotonicity across the jump is lost.
 *
 * Uses `globalThis.crypto.getRandomValues`: Node 20 and browsers both have it. No Node imports.
 */
import { z } from 'zod';

/** Canonical form: lowercase hex, 8-4-4-4-12. Ids are compared as strings in SQLite/PostgreSQL, so one case only. */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UUID_V7_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const Uuid = z.string().regex(UUID_PATTERN, 'must be a UUID in canonical lowercase form (8-4-4-4-12 hex)');
export type Uuid = z.infer<typeof Uuid>;

export const UuidV7 = z
  .string()
  .regex(UUID_V7_PATTERN, 'must be a UUIDv7 in canonical lowercase form (version 7, RFC 9562 variant)');
export type UuidV7 = z.infer<typeof UuidV7>;

export function isUuid(s: unknown): s is string {
  return typeof s === 'string' && UUID_PATTERN.test(s);
}

export function isUuidV7(s: unknown): s is string {
  return typeof s === 'string' && UUID_V7_PATTERN.test(s);
}

/** Upper-case or brace-wrapped UUIDs from other systems -> canonical form; throws if it is not a UUID at all. */
export function normalizeUuid(s: string): string {
  const c = s.trim().replace(/^\{(.*)\}$/, '$1').toLowerCase();
  if (!UUID_PATTERN.test(c)) throw new TypeError(`Not a UUID: ${JSON.stringify(s)}`);
  return c;
}

/** Milliseconds since epoch embedded in a UUIDv7. */
export function uuidV7Time(id: string): number {
  if (!isUuidV7(id)) throw new TypeError(`Not a UUIDv7: ${JSON.stringify(id)}`);
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** 16 bytes <-> canonical string; barcodes carry the bytes (22 base64url chars instead of 36). */
export function uuidToBytes(id: string): Uint8Array {
  if (!isUuid(id)) throw new TypeError(`Not a UUID: ${JSON.stringify(id)}`);
  const hex = id.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw new TypeError(`A UUID is 16 bytes, got ${bytes.length}`);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const ROLLBACK_ALLOWANCE_MS = 10_000;
const MAX_TIMESTAMP = 2 ** 48 - 1;
const TAIL_BITS = 74n;
const TAIL_MAX = (1n << TAIL_BITS) - 1n;

export type RandomFill = (bytes: Uint8Array) => Uint8Array;

const defaultRandom: RandomFill = (bytes) => globalThis.crypto.getRandomValues(bytes);

function randomBigInt(bytes: number, random: RandomFill): bigint {
  const buf = random(new Uint8Array(bytes));
  let v = 0n;
  for (const b of buf) v = (v << 8n) | BigInt(b);
  return v;
}

export interface UuidV7Generator {
  (now?: () => number): string;
}

/** A generator with its own monotonic state (one per process is the norm; tests make their own). */
export function createUuidV7Generator(random: RandomFill = defaultRandom): UuidV7Generator {
  let lastMs = -1;
  let tail = 0n;

  return (now: () => number = Date.now) => {
    const raw = now();
    if (!Number.isFinite(raw) || raw < 0 || raw > MAX_TIMESTAMP) {
      throw new RangeError(`Clock returned a time UUIDv7 cannot hold: ${raw}`);
    }
    const ms = Math.floor(raw);
    if (ms > lastMs || ms < lastMs - ROLLBACK_ALLOWANCE_MS) {
      lastMs = ms;
      // Leave the top tail bit clear so a fresh millisecond has room for ~2^73 increments before overflow.
      tail = randomBigInt(10, random) & (TAIL_MAX >> 1n);
    } else {
      // 32-bit random step (at least 1): monotonic, and still not predictable from the previous id.
      tail += (randomBigInt(4, random) & 0xffffffffn) + 1n;
      if (tail > TAIL_MAX) {
        lastMs += 1;
        if (lastMs > MAX_TIMESTAMP) throw new RangeError('UUIDv7 timestamp overflow');
        tail = randomBigInt(10, random) & (TAIL_MAX >> 1n);
      }
    }
    const randA = (tail >> 62n) & 0xfffn;
    const randB = tail & ((1n << 62n) - 1n);
    const hi = (BigInt(lastMs) << 16n) | (0x7n << 12n) | randA; // 64 bits: ts | ver | rand_a
    const lo = (0b10n << 62n) | randB; // 64 bits: var | rand_b
    const hex = hi.toString(16).padStart(16, '0') + lo.toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

const defaultGenerator = createUuidV7Generator();

/** A new UUIDv7, monotonic across calls in this JS realm. */
export function uuidv7(now: () => number = Date.now): string {
  return defaultGenerator(now);
}
