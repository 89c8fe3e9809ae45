/**
 * One error type for every barcode codec, naming the codec and the field, so a station can log exactly what was
 * wrong with a label and the UI can say which part is damaged.
 */
import type { z } from 'zod';

export type BarcodeCodec = 'badge' | 'spk' | 'transferSlip' | 'gs1' | 'sscc' | 'code128' | 'key';

export class BarcodeFieldError extends Error {
  override readonly name = 'BarcodeFieldError';
  constructor(
    readonly codec: BarcodeCodec,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${codec}: ${field}: ${detail}`);
  }
}

/** Parse one field with its zod schema; a failure becomes a BarcodeFieldError naming that field. */
export function parseField<T>(codec: BarcodeCodec, field: string, schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BarcodeFieldError(codec, field, r.error.issues[0]?.message ?? 'invalid');
  return r.data;
}
