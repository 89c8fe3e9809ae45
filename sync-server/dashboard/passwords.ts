/**
 * Dashboard passwords: scrypt from node:crypto, stored in the same self-describing format as roster PINs
 * (`scrypt$N$r$p$salt$hash`, read with shared/security/pin.ts's bounded parser). Unlike a PIN, a password never leaves
 * the server. N=2^15, r=8 (32 MiB, ~50–100 ms): slow enough to make a stolen table costly, quick enough for a login.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { parsePinHash, type ScryptParams } from '../../shared/security/pin';

const PARAMS: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function scrypt(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${b64(salt)}$${b64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const { params, salt, hash } = parsePinHash(stored);
  const candidate = await scrypt(password, salt, hash.length, params);
  return timingSafeEqual(candidate, hash);
}

/** A hash nobody's password matches: an unknown user name costs the same scrypt as a known one (no timing hint). */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64url'));
  return decoy;
}
