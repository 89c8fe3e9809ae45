/**
 * SPK (work order) label.
 *
 *     S:<workOrderId>:<articleCode>:<quantity>      e.g. "S:MO-2026-0001-SEW:QT-TEDDY-30:240"
 *
 * Positional fields after a type prefix: shorter than tagged fields, and every field format excludes `:`.
 * Quantity is plain decimal without leading zeros. A new layout gets a new prefix rather than a silent change.
 */
import { z } from 'zod';
import { BarcodeFieldError, parseField } from './errors';
import { ArticleCode, Quantity, QUANTITY_TEXT_RULE, WorkOrderId, parseQuantityText } from './fields';

export const SPK_PREFIX = 'S:';

export const SpkLabelFields = z.object({
  workOrderId: WorkOrderId,
  articleCode: ArticleCode,
  quantity: Quantity,
});
export type SpkLabelFields = z.infer<typeof SpkLabelFields>;

export function encodeSpkLabel(fields: SpkLabelFields): string {
  const workOrderId = parseField('spk', 'workOrderId', WorkOrderId, fields.workOrderId);
  const articleCode = parseField('spk', 'articleCode', ArticleCode, fields.articleCode);
  const quantity = parseField('spk', 'quantity', Quantity, fields.quantity);
  return `${SPK_PREFIX}${workOrderId}:${articleCode}:${quantity}`;
}

export function decodeSpkLabel(data: string): SpkLabelFields {
  if (typeof data !== 'string' || !data.startsWith(SPK_PREFIX)) {
    throw new BarcodeFieldError('spk', 'prefix', `must start with "${SPK_PREFIX}"`);
  }
  const parts = data.slice(SPK_PREFIX.length).split(':');
  const names = ['workOrderId', 'articleCode', 'quantity'] as const;
  if (parts.length !== names.length) {
    // Name the first field that is missing (truncated label) or say there is too much.
    const field = parts.length < names.length ? names[parts.length] : 'quantity';
    throw new BarcodeFieldError(
      'spk',
      field ?? 'quantity',
      parts.length < names.length ? 'missing (label truncated?)' : 'unexpected data after quantity',
    );
  }
  const [wo, art, qty] = parts as [string, string, string];
  const workOrderId = parseField('spk', 'workOrderId', WorkOrderId, wo);
  const articleCode = parseField('spk', 'articleCode', ArticleCode, art);
  const quantity = parseQuantityText(qty);
  if (quantity === undefined) {
    throw new BarcodeFieldError('spk', 'quantity', QUANTITY_TEXT_RULE);
  }
  return { workOrderId, articleCode, quantity };
}
