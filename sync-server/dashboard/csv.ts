/**
 * CSV as the office's spreadsheets save it (RFC 4180): comma-separated, fields in double quotes may hold commas,
 * quotes ("") and line breaks; CRLF or LF; a UTF-8 byte-order mark is ignored. The first line names the columns.
 * Each record keeps the line it starts on, so an import's error report names the line a person sees in the file.
 */
import { HttpError } from '../http/route';

export interface CsvRecord {
  /** 1-based line in the file where the record starts (the header is line 1). */
  line: number;
  /** Cells by column name (header trimmed, lower case); a missing cell is ''. */
  cells: Record<string, string>;
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

/** Splits the text into rows of raw cells, each with its first line. */
function rows(text: string): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    cells.push(cell);
    // A blank line (one empty cell) is no record.
    if (cells.length > 1 || cells[0] !== '') out.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        cell += c;
      }
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      start = line;
    } else cell += c;
  }
  if (quoted) throw new CsvError(start, 'a quoted field is not closed');
  if (cell !== '' || cells.length > 0) endRow();
  return out;
}

/** The records under the header; CsvError when a required column is missing or a record has too many cells. */
export function parseCsv(text: string, required: readonly string[]): CsvRecord[] {
  const [head, ...body] = rows(text);
  if (!head) throw new CsvError(1, `the file is empty: the first line names the columns ${required.join(', ')}`);
  const names = head.cells.map((h) => h.trim().toLowerCase());
  const missing = required.filter((r) => !names.includes(r));
  if (missing.length > 0) throw new CsvError(1, `missing column ${missing.join(', ')} (the first line names the columns ${required.join(', ')})`);
  return body.map((r) => {
    if (r.cells.length > names.length) throw new CsvError(r.line, `${r.cells.length} cells, but the header names ${names.length} columns`);
    return { line: r.line, cells: Object.fromEntries(names.map((n, i) => [n, (r.cells[i] ?? '').trim()])) };
  });
}

/** One refused cell of an import: the file's line, the column, why. */
export interface RowProblem {
  line: number;
  column: string;
  message: string;
}

/**
 * A file with any refused row imports nothing: 422 `csv_rejected`, each problem an issue `<line>.<column>` (the
 * error shape every route answers in), so the screen lists them row by row.
 */
export function rejectRows(problems: readonly RowProblem[]): HttpError {
  const lines = [...new Set(problems.map((p) => p.line))];
  return new HttpError(
    422,
    'csv_rejected',
    `nothing imported: ${problems.length} problem(s) on line(s) ${lines.join(', ')}`,
    problems.map((p) => ({ path: `${p.line}.${p.column}`, message: p.message })),
  );
}

/** Parses with `parseCsv`, a malformed file being a one-problem rejection (nothing imported). */
export function recordsOr422(text: string, required: readonly string[], maxRows: number): CsvRecord[] {
  try {
    const records = parseCsv(text, required);
    if (records.length === 0) throw new CsvError(2, 'no row under the header');
    if (records.length > maxRows) throw new CsvError(maxRows + 2, `at most ${maxRows} rows per file`);
    return records;
  } catch (err) {
    if (err instanceof CsvError) throw rejectRows([{ line: err.line, column: 'file', message: err.message }]);
    throw err;
  }
}
