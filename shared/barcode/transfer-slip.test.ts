import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { uuidv7 } from '../ids';
import { BarcodeFieldError } from './errors';
import { Place } from './fields';
import {
  canonicalTransferSlip,
  decodeTransferSlipUnverified,
  exportPrivateKeyPkcs8,
  exportPublicKeyRaw,
  generateStationKeyPair,
  importPrivateKeyPkcs8,
  importPublicKeyRaw,
  signTransferSlip,
  verifyTransferSlip,
  type TransferSlipFields,
} from './transfer-slip';
import { SLIP_FIELDS } from './testing';

const fields = SLIP_FIELDS;

let cut: CryptoKeyPair;
let other: CryptoKeyPair;
let keys: Map<string, CryptoKey>;
const lookup = (id: string) => keys.get(id);

beforeAll(async () => {
  cut = await generateStationKeyPair();
  other = await generateStationKeyPair();
  keys = new Map([
    ['ST-CUT-01', cut.publicKey],
    ['ST-CUT-02', other.publicKey],
  ]);
});

const placeArb = fc.constantFrom(...Place.options);
const fieldsArb = fc.record({
  transferId: fc.uuid({ version: 7 }),
  workOrderId: fc.stringMatching(/^MO-\d{4}-\d{4,6}-(CUT|EMB|SEW|SUB|FIN|PCK)$/),
  toWorkOrderId: fc.stringMatching(/^MO-\d{4}-\d{4,6}-(CUT|EMB|SEW|SUB|FIN|PCK)$/),
  articleCode: fc.stringMatching(/^[A-Z0-9][A-Z0-9.-]{2,31}$/),
  quantity: fc.integer({ min: 1, max: 1_000_000 }),
  from: placeArb,
  to: placeArb,
  fromStationId: fc.constant('ST-CUT-01'),
});

describe('sign and verify', () => {
  it('a signed slip verifies offline with the sender key and yields the fields', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    expect(payload.startsWith('T1:')).toBe(true);
    expect(payload).toContain(':MO-2026-0001-CUT:MO-2026-0001-SEW:QT-TEDDY-30:240:CUT:SEW:ST-CUT-01:');
    expect(await verifyTransferSlip(payload, lookup)).toEqual({ ok: true, slip: fields });
  });

  it('is compact enough for a small 2D code', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    expect(payload.length).toBeLessThanOrEqual(213); // QR version 10-M holds 213 bytes
    // Worst case with every field at its maximum length still fits QR 40-L / DataMatrix 144x144 easily.
    expect(/^[A-Za-z0-9:_-]+$/.test(payload)).toBe(true);
  });

  it('stays within QR version 11-M (251 bytes) with every field at its maximum length', async () => {
    const payload = await signTransferSlip(
      {
        transferId: fields.transferId,
        workOrderId: 'MO-2026-000001-EMB',
        toWorkOrderId: 'MO-2026-000001-SEW',
        articleCode: 'A'.repeat(32),
        quantity: 1_000_000,
        from: 'embroidery',
        to: 'sewing',
        fromStationId: `ST-${'S'.repeat(24)}`,
      },
      cut.privateKey,
    );
    expect(payload.length).toBeLessThanOrEqual(251);
  });

  it('accepts an async key lookup (e.g. from the station database)', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const r = await verifyTransferSlip(payload, async (id) => keys.get(id));
    expect(r.ok).toBe(true);
  });

  it('tampered quantity => bad_signature', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const tampered = payload.replace(':240:', ':2400:');
    const r = await verifyTransferSlip(tampered, lookup);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature', field: 'signature' });
  });

  it('tampered sender station (claims another known station) => bad_signature', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const r = await verifyTransferSlip(payload.replace(':ST-CUT-01:', ':ST-CUT-02:'), lookup);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('signed with another station key => bad_signature', async () => {
    const payload = await signTransferSlip(fields, other.privateKey);
    const r = await verifyTransferSlip(payload, lookup);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('unknown station => unknown_station, and a throwing lookup is contained', async () => {
    const payload = await signTransferSlip({ ...fields, fromStationId: 'ST-NEW-09' }, cut.privateKey);
    expect(await verifyTransferSlip(payload, lookup)).toMatchObject({ ok: false, reason: 'unknown_station', field: 'fromStationId' });
    const r = await verifyTransferSlip(payload, () => {
      throw new Error('db closed');
    });
    expect(r).toMatchObject({ ok: false, reason: 'unknown_station' });
    if (!r.ok) expect(r.message).toContain('db closed');
  });

  it('a key that cannot verify (private key given by mistake) => bad_signature, no exception', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const r = await verifyTransferSlip(payload, () => cut.privateKey);
    expect(r).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('truncated payload => malformed naming the missing field', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const cutAt = payload.lastIndexOf(':');
    expect(await verifyTransferSlip(payload.slice(0, cutAt), lookup)).toMatchObject({
      ok: false,
      reason: 'malformed',
      field: 'signature',
    });
    expect(await verifyTransferSlip(payload.slice(0, -10), lookup)).toMatchObject({
      ok: false,
      reason: 'malformed',
      field: 'signature',
    });
    expect(await verifyTransferSlip('T1:', lookup)).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifyTransferSlip('', lookup)).toMatchObject({ ok: false, reason: 'malformed', field: 'prefix' });
  });

  it.each([
    [(p: string) => p.replace(':240:', ':0240:'), 'quantity'],
    [(p: string) => p.replace(':240:', ':0:'), 'quantity'],
    [(p: string) => p.replace(':MO-2026-0001-CUT:', ':MO-X:'), 'workOrderId'],
    [(p: string) => p.replace(':MO-2026-0001-SEW:', ':MO-2026-0001-sew:'), 'toWorkOrderId'],
    [(p: string) => p.replace(':QT-TEDDY-30:', '::'), 'articleCode'],
    [(p: string) => p.replace(':CUT:SEW:', ':CUT::'), 'to'],
    [(p: string) => p.replace(':CUT:SEW:', ':cutting:SEW:'), 'from'],
    [(p: string) => p.replace(':ST-CUT-01:', ':XX-CUT-01:'), 'fromStationId'],
    [(p: string) => p.replace(/^T1:[^:]+/, 'T1:abc'), 'transferId'],
    [(p: string) => `${p}:extra`, 'signature'],
  ])('malformed field %# is named', async (mutate, field) => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    expect(await verifyTransferSlip(mutate(payload), lookup)).toMatchObject({ ok: false, reason: 'malformed', field });
  });

  it('never throws, whatever it is given', async () => {
    const junk: unknown[] = [undefined, null, 42, {}, 'T1:' + 'x'.repeat(5000), 'T1:::::::::', '\u0000'];
    for (const j of junk) {
      const r = await verifyTransferSlip(j as string, lookup);
      expect(r.ok).toBe(false);
    }
  });

  it('refuses to sign invalid fields, naming the field', async () => {
    await expect(signTransferSlip({ ...fields, quantity: 0 }, cut.privateKey)).rejects.toThrow(BarcodeFieldError);
    await expect(signTransferSlip({ ...fields, transferId: 'nope' }, cut.privateKey)).rejects.toThrow(/transferId/);
  });

  it('property: sign/verify round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fieldsArb, async (f) => {
        const payload = await signTransferSlip(f, cut.privateKey);
        expect(await verifyTransferSlip(payload, lookup)).toEqual({ ok: true, slip: f });
        expect(decodeTransferSlipUnverified(payload).fields).toEqual(f);
      }),
      { numRuns: 100 },
    );
  });
});

const oneChar = (unit: 'binary' | 'binary-ascii') => fc.string({ unit, minLength: 1, maxLength: 1 });

describe('tamper resistance', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:. ';

  it('every single-character substitution, at every position, fails', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    for (let i = 0; i < payload.length; i++) {
      // Three replacements per position: neighbours in the alphabet and ':' (field boundary shifts).
      const c = payload[i] as string;
      const k = ALPHABET.indexOf(c);
      const subs = new Set([ALPHABET[(k + 1) % ALPHABET.length], ALPHABET[(k + 7) % ALPHABET.length], ':']);
      subs.delete(c);
      for (const s of subs) {
        const mutated = payload.slice(0, i) + s + payload.slice(i + 1);
        const r = await verifyTransferSlip(mutated, lookup);
        expect(r.ok, `position ${i}: ${c} -> ${s}`).toBe(false);
      }
    }
  });

  it('property: any single-character mutation (substitute, insert, delete) fails verification or decoding', async () => {
    const payload = await signTransferSlip(fields, cut.privateKey);
    const mutation = fc.oneof(
      fc.record({
        op: fc.constant('sub' as const),
        at: fc.nat({ max: payload.length - 1 }),
        ch: fc.oneof(fc.constantFrom(...ALPHABET), oneChar('binary-ascii'), oneChar('binary')),
      }),
      fc.record({
        op: fc.constant('ins' as const),
        at: fc.nat({ max: payload.length }),
        ch: fc.oneof(fc.constantFrom(...ALPHABET), oneChar('binary-ascii')),
      }),
      fc.record({ op: fc.constant('del' as const), at: fc.nat({ max: payload.length - 1 }), ch: fc.constant('') }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async ({ op, at, ch }) => {
        const mutated =
          op === 'sub'
            ? payload.slice(0, at) + ch + payload.slice(at + 1)
            : op === 'ins'
              ? payload.slice(0, at) + ch + payload.slice(at)
              : payload.slice(0, at) + payload.slice(at + 1);
        fc.pre(mutated !== payload);
        const r = await verifyTransferSlip(mutated, lookup);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(['bad_signature', 'malformed', 'unknown_station']).toContain(r.reason);
      }),
      { numRuns: 500 },
    );
  });

  it('property: for random slips, a random substitution never verifies', async () => {
    await fc.assert(
      fc.asyncProperty(fieldsArb, fc.nat(), fc.constantFrom(...ALPHABET), async (f, atRaw, ch) => {
        const payload = await signTransferSlip(f, cut.privateKey);
        const at = atRaw % payload.length;
        fc.pre(payload[at] !== ch);
        const mutated = payload.slice(0, at) + ch + payload.slice(at + 1);
        expect((await verifyTransferSlip(mutated, lookup)).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('canonical encoding', () => {
  it('is a context line then one field per line, in a fixed order', () => {
    const text = new TextDecoder().decode(canonicalTransferSlip(fields));
    expect(text).toBe(
      [
        'quty-shop-floor/transfer-slip/v1',
        fields.transferId,
        'MO-2026-0001-CUT',
        'MO-2026-0001-SEW',
        'QT-TEDDY-30',
        '240',
        'cutting',
        'sewing',
        'ST-CUT-01',
      ].join('\n'),
    );
  });

  it('ignores extra properties (they are not signed, so they are not carried)', () => {
    const withExtra = { ...fields, note: 'x' } as TransferSlipFields;
    expect(canonicalTransferSlip(withExtra)).toEqual(canonicalTransferSlip(fields));
  });
});

describe('keys', () => {
  it('public key raw export/import round-trips as 43 base64url chars and verifies', async () => {
    const raw = await exportPublicKeyRaw(cut.publicKey);
    expect(raw).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const imported = await importPublicKeyRaw(raw);
    const payload = await signTransferSlip({ ...fields, transferId: uuidv7() }, cut.privateKey);
    expect((await verifyTransferSlip(payload, () => imported)).ok).toBe(true);
  });

  it('private key PKCS#8 export/import round-trips and signs', async () => {
    const pkcs8 = await exportPrivateKeyPkcs8(cut.privateKey);
    const priv = await importPrivateKeyPkcs8(pkcs8);
    const payload = await signTransferSlip(fields, priv);
    expect((await verifyTransferSlip(payload, lookup)).ok).toBe(true);
  });

  it('bad key material is a BarcodeFieldError naming the key', async () => {
    await expect(importPublicKeyRaw('short')).rejects.toThrow(/publicKey/);
    await expect(importPublicKeyRaw('A'.repeat(44))).rejects.toThrow(BarcodeFieldError);
    await expect(importPrivateKeyPkcs8('AAAA')).rejects.toThrow(/privateKey/);
    await expect(importPrivateKeyPkcs8('!!')).rejects.toThrow(/privateKey/);
  });
});
