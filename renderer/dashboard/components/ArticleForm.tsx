import { useState, type FormEvent } from 'react';
import type { ArticleRow } from '../../../sync-server/dashboard/contract';
import { useDash, useDashboard, useT } from '../context';
import { billOf, BomFields, draftOf, NO_WIP, WipCodeFields, wipCodesOf, wipDraftOf, type PartDraft, type WipDraft } from './BomFields';

interface ArticleDraft {
  code: string;
  name: string;
  cutParts: PartDraft[];
  wip: WipDraft;
}

const EMPTY: ArticleDraft = { code: '', name: '', cutParts: [{ part: 'body', qtyPerSet: '1' }], wip: NO_WIP };

/**
 * PPIC and admins: a new article with its bill of cut parts and its WIP codes for the master (the one the CSV import writes, checked by
 * the same schemas on the server), or, `editing` one, its new name and bill (the code stays). An edit changes new
 * orders only: each MO keeps the bill it was made with.
 */
export function ArticleForm({ editing, done }: { editing: ArticleRow | null; done: () => void }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [draft, setDraft] = useState<ArticleDraft>(() => (editing ? { code: editing.code, name: editing.name, cutParts: draftOf(editing.cutParts), wip: wipDraftOf(editing.wipCodes) } : EMPTY));
  const set = (patch: Partial<ArticleDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const wipCodes = wipCodesOf(draft.wip);
    const body = { name: draft.name.trim(), cutParts: billOf(draft.cutParts), ...(wipCodes ? { wipCodes } : {}) };
    const saved = editing ? dashboard.editArticle(editing.code, body) : dashboard.createArticle({ code: draft.code.trim(), ...body });
    void saved.then((ok) => {
      if (!ok) return;
      setDraft(EMPTY);
      done();
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="article-form-h" data-testid="article-form" noValidate>
      <h2 id="article-form-h">{editing ? t('editArticle', { code: editing.code }) : t('newArticle')}</h2>
      <p className="small">{t('articleFormWhat')}</p>
      <div className="form-row">
        <label className="field">
          {t('articleCode')}
          <input
            data-testid="article-code"
            value={draft.code}
            placeholder="BEAR-30"
            autoCapitalize="characters"
            disabled={editing !== null}
            onChange={(e) => set({ code: e.target.value.toUpperCase() })}
          />
        </label>
        <label className="field">
          {t('articleName')}
          <input data-testid="article-name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
      </div>
      <BomFields prefix="article" parts={draft.cutParts} set={(cutParts) => set({ cutParts })} />
      <WipCodeFields wip={draft.wip} set={(wip) => set({ wip })} />
      <div className="form-row">
        <button className="btn btn-primary btn-touch" type="submit" disabled={busy} aria-busy={busy} data-testid="article-save">
          {busy ? t('working') : t(editing ? 'saveArticle' : 'addArticle')}
        </button>
        {editing ? (
          <button type="button" className="btn btn-secondary btn-touch" onClick={done} data-testid="article-cancel">
            {t('cancel')}
          </button>
        ) : null}
      </div>
    </form>
  );
}
