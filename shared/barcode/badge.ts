/**
 * Operator badge barcode.
 *
 *     B:<operatorId>          e.g. "B:OP-0001"
 *
 * Upper case, digits, `:` and `-` only, so it fits QR alphanumeric mode and Code 128 alike. The badge identifies;
 * the PIN authenticates (a badge can be photocopied), so nothing secret is on it.
 */
import { z } from 'zod';
import { BarcodeFieldError, parseField } from './errors';
import { OperatorId } from './fields';

export const BADGE_PREFIX = 'B:';

export const BadgeFields = z.object({ operatorId: OperatorId });
export type BadgeFields = z.infer<typeof BadgeFields>;

export function encodeBadge(fields: BadgeFields): string {
  const operatorId = parseField('badge', 'operatorId', OperatorId, fields.operatorId);
  return BADGE_PREFIX + operatorId;
}

export function decodeBadge(data: string): BadgeFields {
  if (typeof data !== 'string' || !data.startsWith(BADGE_PREFIX)) {
    throw new BarcodeFieldError('badge', 'prefix', `must start with "${BADGE_PREFIX}"`);
  }
  return { operatorId: parseField('badge', 'operatorId', OperatorId, data.slice(BADGE_PREFIX.length)) };
}
