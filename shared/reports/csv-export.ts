/**
 * CSV as a spreadsheet opens it safely (RFC 4180: CRLF rows, quoted cells where needed, `"` doubled). A cell that
 * starts with `=`, `+`, `-`, `@` (or a tab or carriage return, which some spreadsheets skip before reading a formula)
 * would run as a formula when opened (CSV injection: a defect reason typed as `=HYPERLINK(...)` at a station): such a
 * cell is prefixed with `'`, which spreadsheets show as text. A UTF-8 byte-order mark opens the file so Excel reads
 * Bahasa Indonesia's and people's names' characters right.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null;

/** One cell, escaped. */
export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole file: header row, then one row per record (each as long as the header). */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  const lines = [header, ...rows].map((r) => r.map(csvCell).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}
