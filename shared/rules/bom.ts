import type { WorkOrderDoc } from '../docs';
import type { CutPart } from '../master';
import { advance, stageCount } from './pipeline';
import { refuse } from './tx';

/**
 * The bill of cut parts (SOP steps 210–220 and 300): cutting records parts, never toys. A complete set is one
 * `qtyPerSet` of every part the article's BOM lists, so the sets a work order has cut are the minimum over its parts
 * of (parts cut ÷ qtyPerSet). Everything after cutting — WIP, transfers, SPK progress — counts those sets.
 */
export function completeSets(cutParts: readonly CutPart[], partsCut: Readonly<Record<string, number>>): number {
  let sets = Number.POSITIVE_INFINITY;
  for (const { part, qtyPerSet } of cutParts) sets = Math.min(sets, Math.floor((partsCut[part] ?? 0) / qtyPerSet));
  return Number.isFinite(sets) ? sets : 0;
}

/** Parts still missing for the next complete set beyond `sets` (what the cutting screen shows as "short"). */
export function partsShortOfNextSet(cutParts: readonly CutPart[], partsCut: Readonly<Record<string, number>>): { part: string; short: number }[] {
  const next = completeSets(cutParts, partsCut) + 1;
  return cutParts
    .map(({ part, qtyPerSet }) => ({ part, short: next * qtyPerSet - (partsCut[part] ?? 0) }))
    .filter((p) => p.short > 0);
}

/**
 * Records `qty` cut pieces of `part` on a cutting work order. With a BOM: the part must be on it, no part may go
 * beyond the plan (plannedQty sets × qtyPerSet; a surplus revises the plan), and `stageQty.cut` grows by the sets
 * the new parts complete. A work order released before BOMs (no `cutParts`) counts each piece as a set, as before.
 */
export function cutParts(wo: WorkOrderDoc, part: string, qty: number): WorkOrderDoc {
  const bom = wo.cutParts;
  if (!bom || bom.length === 0) return advance(wo, 'cut', qty);
  const line = bom.find((p) => p.part === part);
  if (!line) refuse('unknown_part', `${part} is not on ${wo.articleCode}'s bill of cut parts (${bom.map((p) => p.part).join(', ')})`);
  const had = wo.partsCut?.[part] ?? 0;
  const limit = wo.plannedQty * line.qtyPerSet;
  if (had + qty > limit) {
    refuse('exceeds_planned', `cutting ${qty} ${part} would exceed the SPK's ${limit} (${wo.plannedQty} sets × ${line.qtyPerSet}; ${limit - had} left); record a surplus first`);
  }
  const partsCut = { ...wo.partsCut, [part]: had + qty };
  // Sets already counted: those still at the cut stage plus those QC scrapped there (cutting scraps only cut sets).
  const counted = stageCount(wo, 'cut') + wo.scrappedQty;
  const gained = completeSets(bom, partsCut) - counted;
  const next = { ...wo, partsCut };
  return gained > 0 ? advance(next, 'cut', gained) : next;
}

/**
 * Step 300, "check the quantity against the BOM": the parts a receiver counted, judged against the work order's
 * bill. Every counted part must be on it; the complete sets they make must equal `countedQty`. Returns the counts
 * to keep on the transfer. A work order without a bill cannot be checked part by part (refused: count sets).
 */
export function checkPartsCounted(wo: WorkOrderDoc, partsCounted: readonly { part: string; qty: number }[], countedQty: number): Record<string, number> {
  const bom = wo.cutParts;
  if (!bom || bom.length === 0) refuse('unknown_part', `${wo.id} has no bill of cut parts: count complete sets`);
  const counted: Record<string, number> = {};
  for (const { part, qty } of partsCounted) {
    if (!bom.some((p) => p.part === part)) refuse('unknown_part', `${part} is not on ${wo.articleCode}'s bill of cut parts (${bom.map((p) => p.part).join(', ')})`);
    counted[part] = qty;
  }
  const sets = completeSets(bom, counted);
  if (sets !== countedQty) {
    const short = partsShortOfNextSet(bom, counted).map((p) => `${p.part} short ${p.short}`).join(', ');
    refuse('parts_count_mismatch', `the parts counted make ${sets} complete sets, not ${countedQty}${short ? ` (for set ${sets + 1}: ${short})` : ''}`);
  }
  return counted;
}
