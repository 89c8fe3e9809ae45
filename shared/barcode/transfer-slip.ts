/**
 * QT-09 transfer slip: the barcode that lets a receiving station accept goods before it has synced.
 *
 * Payload (one line, fits a QR / DataMatrix in byte mode; ~180 characters for typical values):
 *
 *     T1:<transferId>:<workOrderId>:<toWorkOrderId>:<articleCode>:<quantity>:<from>:<to>:<fromStationId>:<signature>
 *
 *   - `T1`          type + layout version; a new layout gets `T2`, never a silent change.
 *   - transferId    the UUID as 16 bytes, base64url (22 chars instead of 36).
 *   - from, to      places as master's short codes (CUT, EMB, SEW, SUB, FIN, PCK).
 *   - signature     Ed25519 over `canonicalTransferSlip(fields)`, 64 bytes, base64url (86 chars).
 *   Other fields are plain text in their master-data formats, readable when a human has to look.
 *   The fields are those of `transfer.created` / `SlipCopy` in shared/events.ts, so a verified slip plus its
 *   payload is exactly the `slip` a `transfer.accepted` event carries.
 *
 * Fields are positional rather than tagged: the version prefix pins the layout, so tags would only add bytes.
 *
 * The signature covers a canonical encoding of the fields (a domain-separation line, then one field per line),
 * not the payload text, so the payload layout can change without changing what a station key vouches for, and a
 * station key's signature over a slip can never be replayed as some other kind of signed message.
 * Decoding is strict (one spelling per value, canonical base64url), so every changed character either fails to
 * decode or changes the signed bytes.
 *
 * WebCrypto Ed25519 (`globalThis.crypto.subtle`) is used so the same code signs in the station core (Node 20) and
 * verifies in a browser renderer.
 */
import { z } from 'zod';
import { Uuid, uuidFromBytes, uuidToBytes } from '../ids';
import { fromBase64url, toBase64url } from './base64url';
import { BarcodeFieldError, parseField } from './errors';
import {
  ArticleCode,
  Place,
  PLACE_CODES,
  Quantity,
  QUANTITY_TEXT_RULE,
  StationId,
  WorkOrderId,
  parseQuantityText,
  placeCode,
  placeFromCode,
} from './fields';

export const TRANSFER_SLIP_PREFIX = 'T1:';
const SIGNING_CONTEXT = 'quty-shop-floor/transfer-slip/v1';
const ED25519 = { name: 'Ed25519' } as const;

export const TransferSlipFields = z.object({
  transferId: Uuid,
  /** The sender's work order. */
  workOrderId: WorkOrderId,
  /** The receiver's work order (same MO, next place on the route). */
  toWorkOrderId: WorkOrderId,
  articleCode: ArticleCode,
  quantity: Quantity,
  from: Place,
  to: Place,
  /** The station that locked the quantity and signed the slip: whose public key verifies it. */
  fromStationId: StationId,
});
export type TransferSlipFields = z.infer<typeof TransferSlipFields>;

/** Payload field order; also the order in the canonical signed bytes. */
const FIELD_ORDER = [
  'transferId',
  'workOrderId',
  'toWorkOrderId',
  'articleCode',
  'quantity',
  'from',
  'to',
  'fromStationId',
] as const satisfies ReadonlyArray<keyof TransferSlipFields>;

export type VerifyFailureReason = 'bad_signature' | 'malformed' | 'unknown_station';

export type VerifyTransferSlipResult =
  | { ok: true; slip: TransferSlipFields }
  | { ok: false; reason: VerifyFailureReason; message: string; field?: string };

export type PublicKeyLookup = (stationId: string) => CryptoKey | undefined | Promise<CryptoKey | undefined>;

function validateFields(fields: TransferSlipFields): TransferSlipFields {
  const r = TransferSlipFields.safeParse(fields);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new BarcodeFieldError('transferSlip', String(issue?.path[0] ?? 'fields'), issue?.message ?? 'invalid');
  }
  return r.data;
}

/** The exact bytes a station signs: a context line, then each field on its own line in FIELD_ORDER. */
export function canonicalTransferSlip(fields: TransferSlipFields): Uint8Array<ArrayBuffer> {
  const f = validateFields(fields);
  const lines = [SIGNING_CONTEXT, ...FIELD_ORDER.map((name) => String(f[name]))];
  return new TextEncoder().encode(lines.join('\n'));
}

function encodePayloadBody(f: TransferSlipFields): string {
  return [
    toBase64url(uuidToBytes(f.transferId)),
    f.workOrderId,
    f.toWorkOrderId,
    f.articleCode,
    String(f.quantity),
    placeCode(f.from),
    placeCode(f.to),
    f.fromStationId,
  ].join(':');
}

export async function signTransferSlip(fields: TransferSlipFields, privateKey: CryptoKey): Promise<string> {
  const f = validateFields(fields);
  const sig = new Uint8Array(await globalThis.crypto.subtle.sign(ED25519, privateKey, canonicalTransferSlip(f)));
  return `${TRANSFER_SLIP_PREFIX}${encodePayloadBody(f)}:${toBase64url(sig)}`;
}

export interface DecodedTransferSlip {
  fields: TransferSlipFields;
  signature: Uint8Array<ArrayBuffer>;
}

/**
 * Structure only, NOT authenticity: use it to route a scan or to show what a slip claims. Throws
 * BarcodeFieldError naming the broken field. Accepting goods must go through `verifyTransferSlip`.
 */
export function decodeTransferSlipUnverified(payload: string): DecodedTransferSlip {
  if (typeof payload !== 'string' || !payload.startsWith(TRANSFER_SLIP_PREFIX)) {
    throw new BarcodeFieldError('transferSlip', 'prefix', `must start with "${TRANSFER_SLIP_PREFIX}"`);
  }
  const parts = payload.slice(TRANSFER_SLIP_PREFIX.length).split(':');
  const names = [...FIELD_ORDER, 'signature'] as const;
  if (parts.length < names.length) {
    throw new BarcodeFieldError('transferSlip', names[parts.length] ?? 'signature', 'missing (slip truncated?)');
  }
  if (parts.length > names.length) {
    throw new BarcodeFieldError('transferSlip', 'signature', 'unexpected data after the signature');
  }
  const [tid, wo, toWo, art, qty, from, to, station, sig] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  const tidBytes = fromBase64url(tid);
  if (tidBytes === undefined || tidBytes.length !== 16) {
    throw new BarcodeFieldError('transferSlip', 'transferId', 'must be 22 base64url characters (16-byte UUID)');
  }
  const workOrderId = parseField('transferSlip', 'workOrderId', WorkOrderId, wo);
  const toWorkOrderId = parseField('transferSlip', 'toWorkOrderId', WorkOrderId, toWo);
  const articleCode = parseField('transferSlip', 'articleCode', ArticleCode, art);
  const quantity = parseQuantityText(qty);
  if (quantity === undefined) throw new BarcodeFieldError('transferSlip', 'quantity', QUANTITY_TEXT_RULE);
  const place = (field: 'from' | 'to', code: string): Place => {
    const p = placeFromCode(code);
    if (p === undefined) throw new BarcodeFieldError('transferSlip', field, `must be one of ${PLACE_CODES.join(', ')}`);
    return p;
  };
  const fields: TransferSlipFields = {
    transferId: uuidFromBytes(tidBytes),
    workOrderId,
    toWorkOrderId,
    articleCode,
    quantity,
    from: place('from', from),
    to: place('to', to),
    fromStationId: parseField('transferSlip', 'fromStationId', StationId, station),
  };
  const sigBytes = fromBase64url(sig);
  if (sigBytes === undefined || sigBytes.length !== 64) {
    throw new BarcodeFieldError('transferSlip', 'signature', 'must be 86 base64url characters (64-byte Ed25519)');
  }
  return { fields, signature: new Uint8Array(sigBytes) };
}

/** Decode and verify offline. Never throws: every failure is a typed result the UI can show. */
export async function verifyTransferSlip(
  payload: string,
  publicKeyLookup: PublicKeyLookup,
): Promise<VerifyTransferSlipResult> {
  let decoded: DecodedTransferSlip;
  try {
    decoded = decodeTransferSlipUnverified(payload);
  } catch (e) {
    if (e instanceof BarcodeFieldError) {
      return { ok: false, reason: 'malformed', message: e.message, field: e.field };
    }
    return { ok: false, reason: 'malformed', message: `transferSlip: ${errorText(e)}` };
  }
  const { fields, signature } = decoded;

  let key: CryptoKey | undefined;
  try {
    key = await publicKeyLookup(fields.fromStationId);
  } catch (e) {
    return refused('unknown_station', 'fromStationId', `could not look up the key of station ${fields.fromStationId}: ${errorText(e)}`);
  }
  if (key === undefined) return refused('unknown_station', 'fromStationId', `no public key known for station ${fields.fromStationId}`);

  try {
    const valid = await globalThis.crypto.subtle.verify(ED25519, key, signature, canonicalTransferSlip(fields));
    if (valid) return { ok: true, slip: fields };
    return refused('bad_signature', 'signature', `signature does not match station ${fields.fromStationId} (slip altered or signed by another key)`);
  } catch (e) {
    // A key of the wrong algorithm or without the 'verify' usage: still not a valid slip, and never a crash.
    return refused('bad_signature', 'signature', `could not verify with the key of station ${fields.fromStationId}: ${errorText(e)}`);
  }
}

/** A slip that decoded but is not to be trusted: why, and which field says so. */
function refused(reason: VerifyFailureReason, field: 'fromStationId' | 'signature', message: string): VerifyTransferSlipResult {
  return { ok: false, reason, message: `transferSlip: ${message}`, field };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- station keys ---------------------------------------------------------------------------------------------

/** A new station key pair. Extractable so the station core can persist the private key (PKCS#8). */
export async function generateStationKeyPair(): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey(ED25519, true, ['sign', 'verify']);
}

/** Raw 32-byte public key as base64url (43 chars): what enrollment sends to the server and the roster carries. */
export async function exportPublicKeyRaw(publicKey: CryptoKey): Promise<string> {
  return toBase64url(new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', publicKey)));
}

export async function importPublicKeyRaw(base64url: string): Promise<CryptoKey> {
  const bytes = typeof base64url === 'string' ? fromBase64url(base64url) : undefined;
  if (bytes === undefined || bytes.length !== 32) {
    throw new BarcodeFieldError('key', 'publicKey', 'must be 43 base64url characters (32-byte Ed25519 public key)');
  }
  try {
    return await globalThis.crypto.subtle.importKey('raw', new Uint8Array(bytes), ED25519, true, ['verify']);
  } catch (e) {
    throw new BarcodeFieldError('key', 'publicKey', `not an Ed25519 public key: ${errorText(e)}`);
  }
}

/** PKCS#8 private key as base64url, for the station's own key file. */
export async function exportPrivateKeyPkcs8(privateKey: CryptoKey): Promise<string> {
  return toBase64url(new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', privateKey)));
}

export async function importPrivateKeyPkcs8(base64url: string, extractable = false): Promise<CryptoKey> {
  const bytes = typeof base64url === 'string' ? fromBase64url(base64url) : undefined;
  if (bytes === undefined) {
    throw new BarcodeFieldError('key', 'privateKey', 'must be base64url PKCS#8');
  }
  try {
    return await globalThis.crypto.subtle.importKey('pkcs8', new Uint8Array(bytes), ED25519, extractable, ['sign']);
  } catch (e) {
    throw new BarcodeFieldError('key', 'privateKey', `not an Ed25519 PKCS#8 key: ${errorText(e)}`);
  }
}
