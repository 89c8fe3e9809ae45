import { useState, type FormEvent } from 'react';
import type { ArticleRow } from '../../../sync-server/dashboard/contract';
import { useDash, useDashboard, useT } from '../context';
import type { CsvKind } from '../store';
import { ArticleForm } from './ArticleForm';
import { wipLine } from './BomFields';
import { Notice } from './Notice';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

/** One CSV file: choose, import (busy with a progress bar: a roster's PINs are hashed one by one), the report above. */
function ImportCard({ what }: { what: CsvKind }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [file, setFile] = useState<File | null>(null);
  const [mine, setMine] = useState(false);
  const [missing, setMissing] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMissing(file === null);
    if (!file) return;
    setMine(true);
    try {
      await dashboard.importCsv(what, await file.text());
    } finally {
      setMine(false);
    }
  };
  const head = `import-${what}-h`;
  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby={head} data-testid={`import-${what}`}>
      <h2 id={head}>{t(what === 'operators' ? 'importOperators' : 'importArticles')}</h2>
      <p className="small">{t(`columns.${what}`)}</p>
      <label className="field">
        {t('csvFile')}
        <input type="file" accept=".csv,text/csv" data-testid={`import-${what}-file`} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </label>
      {missing ? (
        <p className="notice notice-error" role="alert">
          {t('chooseFile')}
        </p>
      ) : null}
      <button className="btn btn-primary btn-touch" type="submit" disabled={busy} aria-busy={mine} data-testid={`import-${what}-go`}>
        {mine ? t('working') : t('importFile')}
      </button>
      {mine ? (
        <div className="busy" role="status" data-testid="import-progress">
          <progress aria-label={t('importing')} /> {t('importing')}
        </div>
      ) : null}
    </form>
  );
}

/**
 * PPIC and admins: the roster and the article master from CSV files (a file with any bad row imports nothing), and the
 * master on a form too: an article added, or one from the list edited (its name and bill).
 */
export function ImportView() {
  const articles = useDash((s) => s.articles?.articles ?? NONE);
  const { t } = useT();
  const [editing, setEditing] = useState<ArticleRow | null>(null);
  return (
    <main className="main" aria-label={t('view.import')}>
      <Notice />
      <div className="grid">
        <ImportCard what="operators" />
        <ImportCard what="articles" />
        {/* A new form for each article edited (and for a new one): nothing typed for another stays. */}
        <ArticleForm key={editing?.code ?? ''} editing={editing} done={() => setEditing(null)} />
        <TableCard
          testId="article-list"
          title="articles"
          empty="noArticles"
          columns={['article', 'parts', 'wipCodes', 'actions']}
          rows={articles}
          rowKey={(a) => a.code}
          rowTestId={(a) => `article-${a.code}`}
          cells={(a) => (
            <>
              <RowHead main={a.code} sub={a.name} />
              <td>{a.cutParts.map((p) => `${p.part} × ${p.qtyPerSet}`).join(', ')}</td>
              <td data-testid={`article-wip-line-${a.code}`}>{a.wipCodes ? wipLine(a.wipCodes, a.code) : <span className="small">{t('wipNotSet')}</span>}</td>
              <td>
                <button type="button" className="btn btn-secondary btn-touch" onClick={() => setEditing(a)} data-testid={`article-edit-${a.code}`}>
                  {t('edit')}
                </button>
              </td>
            </>
          )}
        />
      </div>
    </main>
  );
}
