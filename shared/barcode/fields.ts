/**
 * Field formats that appear on labels. The domain defines them once in `shared/master.ts`; the codecs reuse those
 * schemas so a label can never carry an id the rest of the system would refuse.
 *
 * The text codecs use `:` as their field separator, so every format here must exclude it (a test checks that,
 * in case master data formats change). Departments travel as master's short place codes (CUT, SEW, ...).
 */
import { ArticleCode, OperatorId, PLACE_CODE, Place, Quantity, StationId, WorkOrderId } from '../master';

export { ArticleCode, OperatorId, Place, Quantity, StationId, WorkOrderId };

const PLACE_BY_CODE: ReadonlyMap<string, Place> = new Map(
  (Object.entries(PLACE_CODE) as Array<[Place, string]>).map(([place, code]) => [code, place]),
);

/** Place -> its label code, e.g. 'sewing' -> 'SEW'. */
export function placeCode(place: Place): string {
  return PLACE_CODE[place];
}

/** Label code -> place, or undefined for a code that is not a place. */
export function placeFromCode(code: string): Place | undefined {
  return PLACE_BY_CODE.get(code);
}

export const PLACE_CODES: readonly string[] = [...PLACE_BY_CODE.keys()];

/**
 * Decimal quantity as printed: no sign, no leading zeros, no exponent, so exactly one spelling per number (a signed
 * slip must not have two payloads for the same quantity). Range is then checked by `Quantity`.
 */
export function parseQuantityText(s: string): number | undefined {
  if (!/^[1-9]\d{0,6}$/.test(s)) return undefined;
  const n = Number(s);
  return Quantity.safeParse(n).success ? n : undefined;
}

export const QUANTITY_TEXT_RULE = 'must be a whole number 1-1000000 without leading zeros';
