/**
 * What did the operator just scan? One entry point for every scanner path (serial, keyboard wedge, camera).
 *
 * Steps: drop the scanner's line terminator; strip an AIM symbology identifier (`]Xn`) if the driver has not
 * already; then recognise, in order, GS1 data (by symbology, or by shape when no identifier was sent), our own
 * prefixed labels (`B:` badge, `S:` SPK, `T1:` transfer slip), and finally report `unknown` with a message the
 * operator can act on, in English and Bahasa Indonesia.
 *
 * Pure and synchronous: a transfer slip is only checked for structure here; its signature is verified by the
 * caller with `verifyTransferSlip` (async, needs the sender's public key).
 */
import { decodeBadge, BADGE_PREFIX } from './badge';
import { BarcodeFieldError } from './errors';
import { GS, gs1CheckDigit, parseGs1, type Gs1Element } from './gs1';
import { decodeSpkLabel, SPK_PREFIX } from './spk';
import { decodeTransferSlipUnverified, TRANSFER_SLIP_PREFIX } from './transfer-slip';

export interface ScanMessage {
  en: string;
  id: string;
}

export type ScanUnknownReason = 'empty' | 'unrecognized' | 'damaged';

export type ScanResult = (
  | { kind: 'badge'; operatorId: string }
  | { kind: 'spk'; workOrderId: string; articleCode: string; quantity: number }
  | { kind: 'transferSlip'; payload: string }
  | { kind: 'carton'; sscc: string; elements: Gs1Element[] }
  | { kind: 'gs1'; elements: Gs1Element[] }
  | { kind: 'unknown'; raw: string; reason: ScanUnknownReason; field?: string; message: ScanMessage }
) & {
  /** AIM symbology identifier without the `]`, e.g. `C1`, when the scanner or driver reported one. */
  symbology?: string;
};

export interface ScanInput {
  /** AIM identifier (`]C1` or `C1`) or a driver's symbology name, if the driver already split it off. */
  symbology?: string;
  data: string;
}

const AIM_PREFIX = /^\]([A-Za-z])([0-9A-Za-z])/;

/** AIM identifiers whose data is a GS1 element string (FNC1 in first position). */
const GS1_AIM = new Set(['C1', 'e0', 'd2', 'Q3', 'J1']);
/** EAN/UPC: data is a bare GTIN-13/12/8, no AI. */
const EAN_AIM = new Set(['E0', 'E3', 'E4', 'X0']);

function normalizeSymbology(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  const m = /^\]?([A-Za-z][0-9A-Za-z])$/.exec(t);
  return m ? m[1] : t || undefined;
}

const looksGs1ByName = (s: string | undefined) => s !== undefined && /gs1/i.test(s);

/** Swap upper and lower case: a keyboard-wedge scanner with Caps Lock on delivers exactly this. */
function invertCase(s: string): string {
  return s.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
}

const messages = {
  empty: {
    en: 'Nothing was read. Scan again.',
    id: 'Tidak ada yang terbaca. Pindai ulang.',
  },
  unrecognized: {
    en: 'This barcode is not a badge, SPK label, transfer slip or carton label.',
    id: 'Barcode ini bukan kartu operator, label SPK, slip transfer, atau label karton.',
  },
  badge: (field: string) => ({
    en: `Badge barcode is damaged or invalid (${field}). Ask your supervisor for a new badge.`,
    id: `Barcode kartu operator rusak atau tidak valid (${field}). Minta kartu baru ke supervisor.`,
  }),
  spk: (field: string) => ({
    en: `SPK label is damaged or invalid (${field}). Reprint the SPK label.`,
    id: `Label SPK rusak atau tidak valid (${field}). Cetak ulang label SPK.`,
  }),
  transferSlip: (field: string) => ({
    en: `Transfer slip is damaged or incomplete (${field}). Scan again, or ask the sending department to reprint it.`,
    id: `Slip transfer rusak atau tidak lengkap (${field}). Pindai ulang, atau minta departemen pengirim mencetak ulang.`,
  }),
  gs1: (field: string) => ({
    en: `Carton / GS1 label cannot be read (${field}). Scan again or check the label.`,
    id: `Label karton / GS1 tidak dapat dibaca (${field}). Pindai ulang atau periksa labelnya.`,
  }),
};

type Kind = 'badge' | 'spk' | 'transferSlip' | 'gs1';

function damaged(raw: string, kind: Kind, e: unknown, symbology: string | undefined): ScanResult {
  const field = e instanceof BarcodeFieldError ? e.field : 'data';
  return { kind: 'unknown', raw, reason: 'damaged', field, message: messages[kind](field), ...sym(symbology) };
}

const sym = (symbology: string | undefined) => (symbology === undefined ? {} : { symbology });

function fromGs1(raw: string, data: string, symbology: string | undefined): ScanResult {
  try {
    const elements = parseGs1(data);
    const sscc = elements.find((e) => e.ai === '00');
    if (sscc) return { kind: 'carton', sscc: sscc.value, elements, ...sym(symbology) };
    return { kind: 'gs1', elements, ...sym(symbology) };
  } catch (e) {
    return damaged(raw, 'gs1', e, symbology);
  }
}

/** EAN-13 / UPC-A / EAN-8 carry a GTIN without an AI: present it as AI (01), GTIN-14. */
function fromEan(raw: string, data: string, symbology: string | undefined): ScanResult {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(data)) {
    return damaged(raw, 'gs1', new BarcodeFieldError('gs1', 'GTIN', 'must be 8, 12, 13 or 14 digits'), symbology);
  }
  return fromGs1(raw, '01' + data.padStart(14, '0'), symbology);
}

function fromOwnLabel(raw: string, data: string, symbology: string | undefined): ScanResult | undefined {
  if (data.startsWith(BADGE_PREFIX)) {
    try {
      return { kind: 'badge', ...decodeBadge(data), ...sym(symbology) };
    } catch (e) {
      return damaged(raw, 'badge', e, symbology);
    }
  }
  if (data.startsWith(SPK_PREFIX)) {
    try {
      return { kind: 'spk', ...decodeSpkLabel(data), ...sym(symbology) };
    } catch (e) {
      return damaged(raw, 'spk', e, symbology);
    }
  }
  if (data.startsWith(TRANSFER_SLIP_PREFIX)) {
    try {
      decodeTransferSlipUnverified(data);
      return { kind: 'transferSlip', payload: data, ...sym(symbology) };
    } catch (e) {
      return damaged(raw, 'transferSlip', e, symbology);
    }
  }
  return undefined;
}

export function classifyScan(input: ScanInput): ScanResult {
  const raw = typeof input?.data === 'string' ? input.data : '';
  // Scanners end a scan with CR, LF or CRLF; a wedge may add stray spaces. GS is data, so only trim these.
  let data = raw.replace(/^[ \r\n\t\0]+|[ \r\n\t\0]+$/g, '');
  let symbology = normalizeSymbology(input?.symbology);
  const aim = AIM_PREFIX.exec(data);
  if (aim) {
    symbology = `${aim[1]}${aim[2]}`;
    data = data.slice(3);
  }

  if (data.length === 0 || data.replaceAll(GS, '').length === 0) {
    return { kind: 'unknown', raw, reason: 'empty', message: messages.empty, ...sym(symbology) };
  }

  if (symbology !== undefined && (GS1_AIM.has(symbology) || looksGs1ByName(symbology))) {
    return fromGs1(raw, data, symbology);
  }
  if (symbology !== undefined && EAN_AIM.has(symbology)) return fromEan(raw, data, symbology);

  const own = fromOwnLabel(raw, data, symbology);
  if (own) return own;
  // Caps Lock on a keyboard-wedge scanner inverts letter case; our prefixes make that detectable and reversible.
  const inverted = invertCase(data);
  if (inverted !== data) {
    const repaired = fromOwnLabel(raw, inverted, symbology);
    if (repaired) return repaired;
  }

  // No identifier sent: recognise GS1 by shape (HRI brackets, FNC1/GS, or digits that parse as elements).
  if (/^\(\d{2,4}\)/.test(data) || data.startsWith(GS) || /^\d[\dA-Za-z!"%&'()*+,\-./:;<=>?_]*$/.test(data.replaceAll(GS, ''))) {
    if (/^\d{18}$/.test(data) && gs1CheckDigit(data.slice(0, 17)) === Number(data[17])) {
      // A bare SSCC (typed from the label or printed without AI): treat as the carton it names.
      return fromGs1(raw, '00' + data, symbology);
    }
    // A bare 8/12/13-digit number with a valid check digit is an EAN/UPC, even though some (e.g. "400…") would
    // also parse as an element string: retail codes are far more common than an AI-only string that short.
    if (/^(\d{8}|\d{12}|\d{13})$/.test(data) && gs1CheckDigit(data.slice(0, -1)) === Number(data.slice(-1))) {
      return fromEan(raw, data, symbology);
    }
    const asGs1 = fromGs1(raw, data, symbology);
    if (asGs1.kind !== 'unknown') return asGs1;
    if (/^\(\d{2,4}\)/.test(data) || data.startsWith(GS)) return asGs1; // clearly meant as GS1: say what is wrong
  }

  return { kind: 'unknown', raw, reason: 'unrecognized', message: messages.unrecognized, ...sym(symbology) };
}
