/**
 * QR codes for printed slips (the QT-09 transfer slip's signed code): ISO/IEC 18004, byte mode, error correction M
 * (15 % of the code may be smudged or torn), the smallest version that holds the text. Encoding by
 * `qrcode-generator` (no dependencies, runs in the browser and Node); this module only fixes the options and hands
 * back the modules, so every screen draws the same code. The text must be printable ASCII (a signed slip is).
 */
import qrcode from 'qrcode-generator';

/** The code's modules, `true` = dark, row by row; a square of 21 + 4 × (version − 1) modules, without the quiet zone. */
export function qrModules(text: string): boolean[][] {
  if (!/^[\x20-\x7e]*$/.test(text)) throw new RangeError('a QR slip code must be printable ASCII');
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  return Array.from({ length: n }, (_, row) => Array.from({ length: n }, (_, col) => qr.isDark(row, col)));
}

/** An SVG path drawing every dark module as a 1 × 1 square, offset by the quiet zone (`quiet` modules on each side). */
export function qrPath(modules: readonly (readonly boolean[])[], quiet = 4): string {
  const parts: string[] = [];
  modules.forEach((row, r) => row.forEach((dark, c) => dark && parts.push(`M${c + quiet} ${r + quiet}h1v1h-1z`)));
  return parts.join('');
}
