import { z } from 'zod';
import { TerminatorSchema, type Driver, type ScannerFrame } from './driver';
import { LineDriver } from './line-driver';

/**
 * Barcode scanners in serial (COM) mode: one scan per line, ended by CR, LF or CRLF (default: any of them, with a
 * CRLF split across two reads still giving one scan), optionally prefixed with an AIM symbology identifier `]Xn`
 * which is returned separately. GS (0x1D) separates GS1 fields and is kept in `data`; classification of the data
 * (badge, SPK, transfer slip, carton) is done by `shared/barcode`, not here.
 */

export const GS = 0x1d;

export const ScannerConfigSchema = z.object({
  terminator: TerminatorSchema.default('any'),
  /** Longest scan accepted (2D codes can be long); longer input is dropped, so memory stays bounded. */
  maxLength: z.number().int().min(8).max(8192).default(1024),
});
export type ScannerConfig = z.infer<typeof ScannerConfigSchema>;
export type ScannerConfigInput = z.input<typeof ScannerConfigSchema>;

const AIM = /^\][A-Za-z][0-9A-Za-z]/;

/** Splits `]C1...` into the AIM identifier and the data; null when there is no identifier. */
export function splitAimPrefix(text: string): { symbology: string | null; data: string } {
  if (text.length >= 3 && AIM.test(text)) return { symbology: text.slice(0, 3), data: text.slice(3) };
  return { symbology: null, data: text };
}

/** Control bytes a barcode may legitimately carry: GS (GS1 fields), RS and EOT (ISO/IEC 15434 envelopes). */
function allowedControl(b: number): boolean {
  return b === GS || b === 0x1e || b === 0x04;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class ScannerDriver extends LineDriver<ScannerFrame> implements Driver<ScannerFrame> {
  readonly family = 'scanner' as const;
  readonly config: ScannerConfig;

  constructor(config: ScannerConfigInput = {}) {
    const parsed = ScannerConfigSchema.parse(config);
    super(parsed.maxLength, parsed.terminator, 'scan');
    this.config = parsed;
  }

  protected onLine(bytes: Buffer, printableAscii: boolean): void {
    // Only lines with a control or non-ASCII byte need the closer look (GS is allowed; UTF-8 is decoded below).
    for (let i = 0; !printableAscii && i < bytes.length; i++) {
      const b = bytes[i] as number;
      if ((b < 0x20 && !allowedControl(b)) || b === 0x7f) {
        this.reject(`control byte 0x${b.toString(16).padStart(2, '0')} in scan`, bytes);
        return;
      }
    }
    let text: string;
    try {
      text = printableAscii ? bytes.toString('latin1') : decoder.decode(bytes);
    } catch {
      // A garbled byte on the wire: better no scan than a wrong one.
      this.reject('scan is not valid UTF-8', bytes);
      return;
    }
    const { symbology, data } = splitAimPrefix(text);
    if (data.length === 0) {
      this.reject('symbology identifier without data', bytes);
      return;
    }
    this.stats.frames++;
    this.out.push({ kind: 'scan', symbology, data });
  }
}

export function createScanner(config: ScannerConfigInput = {}): ScannerDriver {
  return new ScannerDriver(config);
}
