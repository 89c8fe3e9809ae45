/**
 * Field formats that appear on labels. Every format excludes `:` because the text codecs use it as the field
 * separator (and `:` is in the QR alphanumeric set, so uppercase-only labels encode in the dense QR mode).
 *
 * These are the barcode-level formats; `shared/master.ts` owns which values exist (e.g. which departments).
 */
import { z } from 'zod';

/** Operator badge number, e.g. `OP-0001`. */
export const OperatorId = z.string().regex(/^OP-\d{4,6}$/, 'must look like OP-0001 (OP- and 4-6 digits)');
export type OperatorId = z.infer<typeof OperatorId>;

/** Work order (SPK) id: the MO number plus the department suffix, e.g. `MO-2026-0001-SEW`. */
export const WorkOrderId = z
  .string()
  .regex(/^MO-\d{4}-\d{4,6}-[A-Z]{2,6}$/, 'must look like MO-2026-0001-SEW (MO-<year>-<number>-<dept>)');
export type WorkOrderId = z.infer<typeof WorkOrderId>;

/** Article code (retailer or internal WIP / FG code), upper case so caps-lock scans can be repaired. */
export const ArticleCode = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9./_-]{0,31}$/, 'must be 1-32 chars of A-Z 0-9 . / _ -, starting with a letter or digit');
export type ArticleCode = z.infer<typeof ArticleCode>;

/** Piece count on a label: a positive whole number (a label for zero pieces is a mistake). */
export const LabelQuantity = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(999_999, 'must be at most 999999');

/** Department code as used on slips, e.g. `CUT`, `SEW` (values defined in master data). */
export const DepartmentCode = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,23}$/, 'must be 1-24 chars of letters, digits, _ or -, starting with a letter');
export type DepartmentCode = z.infer<typeof DepartmentCode>;

/** Station id, e.g. `ST-CUT-01`. Also a valid HLC node id. */
export const StationId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 chars of letters, digits, _ or -');
export type StationId = z.infer<typeof StationId>;

/**
 * Decimal quantity as printed: no sign, no leading zeros, no exponent, so exactly one spelling per number (a signed
 * slip must not have two payloads for the same quantity).
 */
export function parseQuantityText(s: string): number | undefined {
  return /^[1-9]\d{0,5}$/.test(s) ? Number(s) : undefined;
}
