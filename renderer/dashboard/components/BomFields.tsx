import type { CutPart, WipCodes } from '../../../shared/master';
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

/** An article's WIP codes as typed: empty text is "not set". */
export interface WipDraft {
  cutting: string;
  embroidery: string;
  sewing: string;
}

export const NO_WIP: WipDraft = { cutting: '', embroidery: '', sewing: '' };

/** The WIP codes as the server takes them (checked there by the shared WipCodes): none when all three are empty. */
export function wipCodesOf(d: WipDraft): WipCodes | undefined {
  const [cutting, embroidery, sewing] = [d.cutting.trim(), d.embroidery.trim(), d.sewing.trim()];
  if (cutting === '' && embroidery === '' && sewing === '') return undefined;
  return { cutting, sewing, ...(embroidery === '' ? {} : { embroidery }) };
}

export const wipDraftOf = (w: WipCodes | undefined): WipDraft => (w ? { cutting: w.cutting, embroidery: w.embroidery ?? '', sewing: w.sewing } : NO_WIP);

/**
 * An article's WIP codes on its form: what the goods are called at cutting (WIP CUT), embroidery (WIP EMBO, Route 1
 * only: may stay empty) and sewing (WIP SEW), before finishing converts them to the article's code.
 */
export function WipCodeFields({ wip, set }: { wip: WipDraft; set: (wip: WipDraft) => void }) {
  const { t } = useT();
  const field = (stage: keyof WipDraft, label: 'wipCut' | 'wipEmbo' | 'wipSew', placeholder: string) => (
    <label className="field">
      {t(label)}
      <input
        data-testid={`article-wip-${stage}`}
        value={wip[stage]}
        placeholder={placeholder}
        autoCapitalize="characters"
        onChange={(e) => set({ ...wip, [stage]: e.target.value.toUpperCase() })}
      />
    </label>
  );
  return (
    <fieldset className="bom" data-testid="article-wip">
      <legend>{t('wipCodes')}</legend>
      <p className="small">{t('wipCodesWhat')}</p>
      <div className="form-row">
        {field('cutting', 'wipCut', 'BEAR-30-C')}
        {field('embroidery', 'wipEmbo', 'BEAR-30-E')}
        {field('sewing', 'wipSew', 'BEAR-30-S')}
      </div>
    </fieldset>
  );
}

/** The WIP codes in one line, in route order, ending at the finished good: `C → E → S → FG`. */
export const wipLine = (w: WipCodes, fg: string) => [w.cutting, w.embroidery, w.sewing, fg].filter((c): c is string => c !== undefined).join(' → ');
