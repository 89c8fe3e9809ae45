/**
 * Code 128 (ISO/IEC 15417) and GS1-128 encoding, to print carton labels: data → symbol values (start, data, check,
 * stop) → module widths (bar, space, bar, … : every symbol is 3 bars and 3 spaces over 11 modules; the stop is 4
 * bars and 3 spaces over 13). Code sets B and C only: digits go two to a symbol in C, anything else printable in B;
 * GS1-128 puts FNC1 right after the start and in place of every GS separator.
 */
import { BarcodeFieldError } from './errors';
import { GS } from './gs1';

/** Module widths of symbol values 0–106 (bar first). 106 is the stop, with its final 2-module bar. */
export const CODE128_PATTERNS: readonly string[] = [
  '212222', '222122', '222221', '121223', '121322', '131222', '122213', '122312', '132212', '221213',
  '221312', '231212', '112232', '122132', '122231', '113222', '123122', '123221', '223211', '221132',
  '221231', '213212', '223112', '312131', '311222', '321122', '321221', '312212', '322112', '322211',
  '212123', '212321', '232121', '111323', '131123', '131321', '112313', '132113', '132311', '211313',
  '231113', '231311', '112133', '112331', '132131', '113123', '113321', '133121', '313121', '211331',
  '231131', '213113', '213311', '213131', '311123', '311321', '331121', '312113', '312311', '332111',
  '314111', '221411', '431111', '111224', '111422', '121124', '121421', '141122', '141221', '112214',
  '112412', '122114', '122411', '142112', '142211', '241211', '221114', '413111', '241112', '134111',
  '111242', '121142', '121241', '114212', '124112', '124211', '411212', '421112', '421211', '212141',
  '214121', '412121', '111143', '111341', '131141', '114113', '114311', '411113', '411311', '113141',
  '114131', '311141', '411131', '211412', '211214', '211232', '2331112',
];

/** Symbol values with a meaning of their own. */
export const C128 = { CODE_C: 99, CODE_B: 100, FNC1: 102, START_B: 104, START_C: 105, STOP: 106 } as const;

/** One symbol to encode: a character, or FNC1. */
type Token = { fnc1: true } | { fnc1: false; ch: string };

const isDigit = (t: Token | undefined): boolean => t !== undefined && !t.fnc1 && t.ch >= '0' && t.ch <= '9';

/** Digits from `i` on, up to the first non-digit or FNC1. */
function digitRun(tokens: readonly Token[], i: number): number {
  let n = 0;
  while (isDigit(tokens[i + n])) n++;
  return n;
}

function codeB(t: Token): number {
  if (t.fnc1) return C128.FNC1;
  const c = t.ch.charCodeAt(0);
  if (c < 32 || c > 127) throw new BarcodeFieldError('code128', 'data', `character code ${c} is not printable in Code 128 set B`);
  return c - 32;
}

/** Symbol check value: start value + Σ position × value, mod 103 (`values` = start and data, no check, no stop). */
export function code128Check(values: readonly number[]): number {
  let sum = values[0] ?? 0;
  for (let i = 1; i < values.length; i++) sum += i * (values[i] ?? 0);
  return sum % 103;
}

/**
 * Symbol values for `tokens`: start (C when the data opens with 4+ digits, is 2 digits, or is GS1; else B), the data switching
 * to C for runs of 4+ digits (an odd run's first digit stays in B), the check value and the stop.
 */
function encodeTokens(tokens: readonly Token[]): number[] {
  const gs1 = tokens[0]?.fnc1 === true;
  const lead = digitRun(tokens, gs1 ? 1 : 0);
  // GS1 data opens with an AI (2+ digits): C at once.
  const opensC = gs1 ? lead >= 2 : lead >= 4 || (lead === 2 && tokens.length === 2);
  let set: 'B' | 'C' = opensC ? 'C' : 'B';
  const values: number[] = [set === 'C' ? C128.START_C : C128.START_B];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i] as Token;
    if (t.fnc1) {
      values.push(C128.FNC1);
      i++;
      continue;
    }
    if (set === 'C') {
      if (isDigit(t) && isDigit(tokens[i + 1])) {
        values.push(Number(t.ch) * 10 + Number((tokens[i + 1] as { ch: string }).ch));
        i += 2;
        continue;
      }
      set = 'B';
      values.push(C128.CODE_B);
      continue;
    }
    const run = digitRun(tokens, i);
    if (run >= 4 && run % 2 === 0) {
      set = 'C';
      values.push(C128.CODE_C);
      continue;
    }
    values.push(codeB(t));
    i++;
  }
  values.push(code128Check(values), C128.STOP);
  return values;
}

function tokensOf(data: string): Token[] {
  return [...data].map((ch) => (ch === GS ? { fnc1: true } : { fnc1: false, ch }));
}

export interface Code128Symbol {
  /** Start, data, check and stop values. */
  values: number[];
  /** Module widths, bar first, alternating bar/space, ending with the stop's last bar. */
  widths: number[];
  /** Total width in modules (without quiet zones). */
  modules: number;
}

function symbolOf(values: number[]): Code128Symbol {
  const widths = values.flatMap((v) => [...(CODE128_PATTERNS[v] ?? '')].map(Number));
  return { values, widths, modules: widths.reduce((a, b) => a + b, 0) };
}

/** Plain Code 128 of printable ASCII. */
export function encodeCode128(data: string): Code128Symbol {
  if (data.length === 0) throw new BarcodeFieldError('code128', 'data', 'is empty');
  if (data.includes(GS)) throw new BarcodeFieldError('code128', 'data', 'GS is FNC1 only in GS1-128: use encodeGs1128');
  return symbolOf(encodeTokens(tokensOf(data)));
}

/**
 * GS1-128 of an element string as `encodeGs1` builds it (no leading FNC1, GS between a variable-length value and the
 * next AI): FNC1 after the start, each GS as FNC1.
 */
export function encodeGs1128(elementString: string): Code128Symbol {
  if (elementString.length === 0 || elementString === GS) throw new BarcodeFieldError('code128', 'data', 'is empty');
  const body = elementString.startsWith(GS) ? elementString.slice(1) : elementString;
  if (body.length > 48) throw new BarcodeFieldError('code128', 'data', 'GS1-128 holds at most 48 data characters');
  return symbolOf(encodeTokens([{ fnc1: true }, ...tokensOf(body)]));
}

/** Bars as rectangles (x, width in modules), after a quiet zone of `quiet` modules: what an SVG draws. */
export function barsOf(symbol: Code128Symbol, quiet = 10): { x: number; w: number }[] {
  const bars: { x: number; w: number }[] = [];
  let x = quiet;
  symbol.widths.forEach((w, i) => {
    if (i % 2 === 0) bars.push({ x, w });
    x += w;
  });
  return bars;
}
