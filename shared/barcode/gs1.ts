/**
 * GS1 element strings (GS1-128, GS1 DataMatrix, GS1 QR) and SSCC for carton labels.
 *
 * An element string is a run of Application Identifier (AI) + value pairs. Fixed-length values end where their
 * length says; variable-length values end at a GS (0x1D, what a scanner transmits for FNC1) or at the end of the
 * data. Scanners differ in what they send around it, so `parseGs1` also tolerates a leading FNC1/GS and a GS after
 * a fixed-length value, and reads the human-readable form `(00)123…(10)ABC` that people type from a label.
 *
 * Only the AIs this floor meets are known (see GS1_AIS); an unknown AI is an error rather than a guess, because
 * without its length the rest of the string cannot be split correctly.
 */
import { z } from 'zod';
import { BarcodeFieldError } from './errors';

/** ASCII GS: FNC1 as transmitted by scanners, and the separator after variable-length values. */
export const GS = '\u001d';

export interface Gs1AiSpec {
  ai: string;
  /** GS1 data title, as printed on labels. */
  title: string;
  /** Fixed length, or the maximum length of a variable-length value. */
  length: number;
  fixed: boolean;
  /** N: digits only; X: GS1 AI encodable character set 82. */
  charset: 'N' | 'X';
  /** Last digit is a GS1 mod-10 check digit. */
  checkDigit?: boolean;
  /** YYMMDD. */
  date?: boolean;
}

const spec = (
  ai: string,
  title: string,
  length: number,
  fixed: boolean,
  charset: 'N' | 'X',
  extra: Partial<Pick<Gs1AiSpec, 'checkDigit' | 'date'>> = {},
): Gs1AiSpec => ({ ai, title, length, fixed, charset, ...extra });

/** The AIs we parse. GS1 AIs are prefix-free, so matching the first 2, 3 or 4 digits against this table is exact. */
export const GS1_AIS: ReadonlyMap<string, Gs1AiSpec> = new Map(
  [
    spec('00', 'SSCC', 18, true, 'N', { checkDigit: true }),
    spec('01', 'GTIN', 14, true, 'N', { checkDigit: true }),
    spec('02', 'CONTENT', 14, true, 'N', { checkDigit: true }),
    spec('10', 'BATCH/LOT', 20, false, 'X'),
    spec('11', 'PROD DATE', 6, true, 'N', { date: true }),
    spec('13', 'PACK DATE', 6, true, 'N', { date: true }),
    spec('15', 'BEST BEFORE or BEST BY', 6, true, 'N', { date: true }),
    spec('17', 'USE BY or EXPIRY', 6, true, 'N', { date: true }),
    spec('20', 'VARIANT', 2, true, 'N'),
    spec('21', 'SERIAL', 20, false, 'X'),
    spec('30', 'VAR. COUNT', 8, false, 'N'),
    spec('37', 'COUNT', 8, false, 'N'),
    spec('240', 'ADDITIONAL ID', 30, false, 'X'),
    spec('241', 'CUST. PART No.', 30, false, 'X'),
    spec('400', 'ORDER NUMBER', 30, false, 'X'),
    spec('401', 'GINC', 30, false, 'X'),
    spec('402', 'GSIN', 17, true, 'N', { checkDigit: true }),
    spec('403', 'ROUTE', 30, false, 'X'),
    spec('410', 'SHIP TO LOC', 13, true, 'N', { checkDigit: true }),
    spec('413', 'SHIP FOR LOC', 13, true, 'N', { checkDigit: true }),
    spec('420', 'SHIP TO POST', 20, false, 'X'),
    ...[0, 1, 2, 3, 4, 5].map((d) => spec(`310${d}`, 'NET WEIGHT (kg)', 6, true, 'N')),
    ...[0, 1, 2, 3, 4, 5].map((d) => spec(`330${d}`, 'GROSS WEIGHT (kg)', 6, true, 'N')),
    spec('90', 'INTERNAL', 30, false, 'X'),
    ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => spec(`9${d}`, 'INTERNAL', 90, false, 'X')),
  ].map((s) => [s.ai, s]),
);

const CSET82 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$/;

export interface Gs1Element {
  ai: string;
  title: string;
  value: string;
}

export const Gs1ElementSchema = z.object({ ai: z.string(), title: z.string(), value: z.string() });

const aiLabel = (ai: string) => `AI (${ai})`;

/** GS1 mod-10 check digit over the digits that precede it (weights 3,1,3,… from the right). */
export function gs1CheckDigit(digitsWithoutCheck: string): number {
  if (!/^\d+$/.test(digitsWithoutCheck)) {
    throw new BarcodeFieldError('gs1', 'digits', 'check digit input must be digits only');
  }
  let sum = 0;
  for (let i = 0; i < digitsWithoutCheck.length; i++) {
    const d = digitsWithoutCheck.charCodeAt(digitsWithoutCheck.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

function findSpec(data: string, pos: number): Gs1AiSpec | undefined {
  for (const len of [2, 3, 4]) {
    const s = GS1_AIS.get(data.slice(pos, pos + len));
    if (s) return s;
  }
  return undefined;
}

/** Validate one value against its AI; throws BarcodeFieldError naming the AI. */
export function validateGs1Value(ai: string, value: string): Gs1AiSpec {
  const s = GS1_AIS.get(ai);
  if (!s) throw new BarcodeFieldError('gs1', aiLabel(ai), 'unknown or unsupported application identifier');
  const field = `${aiLabel(ai)} ${s.title}`;
  if (s.fixed && value.length !== s.length) {
    throw new BarcodeFieldError('gs1', field, `must be exactly ${s.length} characters, got ${value.length}`);
  }
  if (!s.fixed && (value.length < 1 || value.length > s.length)) {
    throw new BarcodeFieldError('gs1', field, `must be 1-${s.length} characters, got ${value.length}`);
  }
  if (s.charset === 'N' && !/^\d+$/.test(value)) {
    throw new BarcodeFieldError('gs1', field, 'must be digits only');
  }
  if (s.charset === 'X' && !CSET82.test(value)) {
    // Also catches a GS inside a value, i.e. a separator where none belongs.
    throw new BarcodeFieldError('gs1', field, 'contains a character not allowed in GS1 data');
  }
  if (s.checkDigit) {
    const expected = gs1CheckDigit(value.slice(0, -1));
    const actual = Number(value.slice(-1));
    if (expected !== actual) {
      throw new BarcodeFieldError('gs1', field, `wrong check digit ${actual}, expected ${expected}`);
    }
  }
  if (s.date) {
    const mm = Number(value.slice(2, 4));
    const dd = Number(value.slice(4, 6));
    // DD = 00 is allowed by GS1 and means "end of month".
    if (mm < 1 || mm > 12 || dd > 31) throw new BarcodeFieldError('gs1', field, 'must be a date YYMMDD');
  }
  return s;
}

function pushElement(out: Gs1Element[], s: Gs1AiSpec, value: string) {
  validateGs1Value(s.ai, value);
  const prior = out.find((e) => e.ai === s.ai);
  if (prior) {
    // A repeated AI with the same value is redundant; with a different value the label contradicts itself.
    if (prior.value !== value) {
      throw new BarcodeFieldError('gs1', `${aiLabel(s.ai)} ${s.title}`, `appears twice with different values`);
    }
    return;
  }
  out.push({ ai: s.ai, title: s.title, value });
}

function parseBracketed(data: string): Gs1Element[] {
  const out: Gs1Element[] = [];
  const re = /\((\d{2,4})\)([^(]*)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(data)) !== null) {
    const ai = m[1] as string;
    const s = GS1_AIS.get(ai);
    if (!s) throw new BarcodeFieldError('gs1', aiLabel(ai), 'unknown or unsupported application identifier');
    // Printed HRI groups digits with spaces ("(00) 0 0614141 …"); a space is never part of GS1 data.
    pushElement(out, s, (m[2] as string).replace(/ /g, ''));
    pos = re.lastIndex;
  }
  if (pos !== data.length || out.length === 0) {
    throw new BarcodeFieldError('gs1', `position ${pos}`, 'expected "(AI)value"');
  }
  return out;
}

/**
 * Parse a GS1 element string (symbology identifier already removed) into its elements, in label order.
 * Throws BarcodeFieldError naming the AI (or position) that is wrong.
 */
export function parseGs1(data: string): Gs1Element[] {
  if (typeof data !== 'string' || data.length === 0) {
    throw new BarcodeFieldError('gs1', 'data', 'is empty');
  }
  if (data.startsWith('(')) return parseBracketed(data);

  const out: Gs1Element[] = [];
  let pos = 0;
  while (pos < data.length && data[pos] === GS) pos++; // leading FNC1
  if (pos >= data.length) throw new BarcodeFieldError('gs1', 'data', 'is empty');

  while (pos < data.length) {
    const s = findSpec(data, pos);
    if (!s) {
      throw new BarcodeFieldError(
        'gs1',
        `position ${pos}`,
        `unknown application identifier starting "${data.slice(pos, pos + 4).replaceAll(GS, '<GS>')}"`,
      );
    }
    pos += s.ai.length;
    let value: string;
    if (s.fixed) {
      value = data.slice(pos, pos + s.length);
      if (value.includes(GS) || value.length < s.length) {
        throw new BarcodeFieldError(
          'gs1',
          `${aiLabel(s.ai)} ${s.title}`,
          `must be exactly ${s.length} characters (data truncated?)`,
        );
      }
      pos += s.length;
    } else {
      const end = data.indexOf(GS, pos);
      value = data.slice(pos, end === -1 ? data.length : end);
      if (value.length > s.length) {
        throw new BarcodeFieldError(
          'gs1',
          `${aiLabel(s.ai)} ${s.title}`,
          `longer than ${s.length} characters (missing GS separator?)`,
        );
      }
      pos = end === -1 ? data.length : end;
    }
    pushElement(out, s, value);
    while (pos < data.length && data[pos] === GS) pos++; // separator (also tolerated after fixed-length values)
  }
  return out;
}

/**
 * Build the element string for printing (no leading FNC1: the printer's symbology adds it). Fixed-length
 * elements are placed first so fewer GS separators are needed, as GS1 recommends.
 */
export function encodeGs1(elements: ReadonlyArray<{ ai: string; value: string }>): string {
  if (elements.length === 0) throw new BarcodeFieldError('gs1', 'elements', 'at least one element is required');
  const specs = elements.map((e) => ({ spec: validateGs1Value(e.ai, e.value), value: e.value }));
  const ordered = [...specs.filter((e) => e.spec.fixed), ...specs.filter((e) => !e.spec.fixed)];
  let out = '';
  ordered.forEach((e, i) => {
    out += e.spec.ai + e.value;
    if (!e.spec.fixed && i < ordered.length - 1) out += GS;
  });
  return out;
}

/** Human-readable interpretation printed under the bars, e.g. "(00)106141411234567897(37)24". */
export function formatGs1Hri(elements: ReadonlyArray<{ ai: string; value: string }>): string {
  return elements.map((e) => `(${e.ai})${e.value}`).join('');
}

// ---- SSCC ------------------------------------------------------------------------------------------------------

/** An SSCC: 18 digits with a valid mod-10 check digit. */
export const Sscc = z
  .string()
  .regex(/^\d{18}$/, 'SSCC must be exactly 18 digits')
  // zod runs refinements after a failed regex too: only digits may reach the check-digit arithmetic.
  .refine((s) => !/^\d{18}$/.test(s) || gs1CheckDigit(s.slice(0, 17)) === Number(s.slice(17)), {
    message: 'SSCC check digit is wrong',
  });

/** Check digit for the first 17 digits of an SSCC. */
export function ssccCheckDigit(first17: string): number {
  if (!/^\d{17}$/.test(first17)) {
    throw new BarcodeFieldError('sscc', 'first17', 'must be exactly 17 digits (SSCC without its check digit)');
  }
  return gs1CheckDigit(first17);
}

/**
 * Build an SSCC: extension digit (0-9, chosen by the packer) + GS1 company prefix (6-12 digits) + serial
 * reference (zero-padded to fill 16 digits together with the prefix) + check digit.
 */
export function makeSscc(extensionDigit: number | string, companyPrefix: string, serialRef: number | string): string {
  const ext = String(extensionDigit);
  if (!/^\d$/.test(ext)) throw new BarcodeFieldError('sscc', 'extensionDigit', 'must be one digit 0-9');
  if (!/^\d{6,12}$/.test(companyPrefix)) {
    throw new BarcodeFieldError('sscc', 'companyPrefix', 'must be 6-12 digits');
  }
  const serialWidth = 16 - companyPrefix.length;
  const serial = String(serialRef);
  const numberOk = typeof serialRef !== 'number' || (Number.isSafeInteger(serialRef) && serialRef >= 0);
  if (!numberOk || !/^\d+$/.test(serial) || serial.length > serialWidth) {
    throw new BarcodeFieldError(
      'sscc',
      'serialRef',
      `must be a non-negative whole number of at most ${serialWidth} digits for a ${companyPrefix.length}-digit company prefix`,
    );
  }
  const first17 = ext + companyPrefix + serial.padStart(serialWidth, '0');
  return first17 + String(ssccCheckDigit(first17));
}

/** Returns the SSCC if valid, else throws BarcodeFieldError explaining what is wrong (length, digits, check). */
export function validateSscc(sscc: string): string {
  if (typeof sscc !== 'string' || !/^\d{18}$/.test(sscc)) {
    throw new BarcodeFieldError('sscc', 'sscc', 'must be exactly 18 digits');
  }
  const expected = gs1CheckDigit(sscc.slice(0, 17));
  const actual = Number(sscc.slice(17));
  if (expected !== actual) {
    throw new BarcodeFieldError('sscc', 'sscc', `wrong check digit ${actual}, expected ${expected}`);
  }
  return sscc;
}

/** The element string for a carton's shipping-mark barcode: AI (00) + SSCC. */
export function encodeSsccElementString(sscc: string): string {
  return '00' + validateSscc(sscc);
}
