import type { CutPart } from '../../../shared/master';
import { useT } from '../context';

/** One part of a bill as typed: the quantity is text until it is sent. */
export interface PartDraft {
  part: string;
  qtyPerSet: string;
}

/** Numbers as typed: an empty or odd entry goes to the server as it is, which names the field (nothing is guessed). */
export const asNumber = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** A bill as the server takes it (checked there by the shared CutParts schema). */
export const billOf = (parts: readonly PartDraft[]) => parts.map((p) => ({ part: p.part.trim(), qtyPerSet: asNumber(p.qtyPerSet) }));

/** A bill from the master, as the form edits it. */
export const draftOf = (parts: readonly CutPart[]): PartDraft[] => parts.map((p) => ({ part: p.part, qtyPerSet: String(p.qtyPerSet) }));

/**
 * A bill of cut parts on a form (an MO's, an article's): one row per part with its quantity per toy, touch-sized
 * buttons to add a part and remove one (never the last). Test ids start with `prefix` (`order-part-0`, `article-add-part`).
 */
export function BomFields({ prefix, parts, set }: { prefix: 'order' | 'article'; parts: readonly PartDraft[]; set: (parts: PartDraft[]) => void }) {
  const { t } = useT();
  const setPart = (i: number, patch: Partial<PartDraft>) => set(parts.map((p, n) => (n === i ? { ...p, ...patch } : p)));
  return (
    <fieldset className="bom" data-testid={`${prefix}-bom`}>
      <legend>{t('bom')}</legend>
      {parts.map((p, i) => (
        <div className="bom-row" key={i}>
          <label className="field">
            {t('part')} {i + 1}
            <input data-testid={`${prefix}-part-${i}`} value={p.part} onChange={(e) => setPart(i, { part: e.target.value.toLowerCase() })} />
          </label>
          <label className="field">
            {t('qtyPerSet')}
            <input data-testid={`${prefix}-part-qty-${i}`} inputMode="numeric" value={p.qtyPerSet} onChange={(e) => setPart(i, { qtyPerSet: e.target.value })} />
          </label>
          <button
            type="button"
            className="btn btn-secondary btn-touch"
            aria-label={t('removePart', { n: i + 1 })}
            disabled={parts.length === 1}
            onClick={() => set(parts.filter((_, n) => n !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-secondary btn-touch" data-testid={`${prefix}-add-part`} onClick={() => set([...parts, { part: '', qtyPerSet: '1' }])}>
        {t('addPart')}
      </button>
    </fieldset>
  );
}
