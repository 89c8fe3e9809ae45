import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from './csv-export';

describe('CSV export', () => {
  it('quotes cells with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
    expect(csvCell(12)).toBe('12');
  });

  it('a text cell that a spreadsheet would run as a formula is prefixed with a quote', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvCell(`${start}1+1`).replace(/^"/, '')).toMatch(/^'/);
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    // A number is a number, not a formula.
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('a file: BOM, header, CRLF rows', () => {
    expect(toCsv(['a', 'b'], [['x', 1], ['-y', null]])).toBe("\ufeffa,b\r\nx,1\r\n'-y,\r\n");
  });
});
