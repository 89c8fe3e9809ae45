/**
 * Which documents a push group locks and reads up front (pure): the ones its events will probably touch, guessed from
 * their payloads. A guess too small only costs a round trip later (NeedDocs); one too large only an unused lock.
 */
import type { DocKind } from '../../shared/docs';
import type { FloorEvent } from '../../shared/events';
import type { DocKey } from '../../shared/reducer';

/** A document's lock and overlay key, `kind:id`. */
export const keyOf = (k: DocKey): string => `${k.kind}:${k.id}`;

/** Documents an event will probably read, from its payload: loaded (and locked) up front in one round trip. */
export function likelyKeys(e: FloorEvent): DocKey[] {
  const p = e.payload as Record<string, unknown>;
  const keys: DocKey[] = [];
  const add = (kind: DocKind, v: unknown) => typeof v === 'string' && keys.push({ kind, id: v });
  add('workOrder', p.workOrderId);
  add('workOrder', p.toWorkOrderId);
  add('transfer', p.transferId);
  add('line', p.lineId);
  add('hold', p.holdId);
  add('conflict', p.conflictId);
  if (e.type === 'conflict.resolved') add('transfer', p.conflictId);
  add('alert', p.haltId);
  add('alert', p.alertId);
  if (Array.isArray(p.results)) for (const r of p.results) add('workOrder', (r as { workOrderId?: unknown }).workOrderId);
  return keys;
}
