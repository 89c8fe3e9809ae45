/** Which department (or the vendor) an SPK belongs to, read from its id (`MO-2026-0001-SEW` → sewing). */
import { placeFromCode } from '../barcode/fields';
import type { Place } from '../master';

export function placeOfSpk(workOrderId: string): Place | undefined {
  return placeFromCode(workOrderId.slice(workOrderId.lastIndexOf('-') + 1));
}
