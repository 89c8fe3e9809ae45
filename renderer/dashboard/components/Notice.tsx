import { UI, type UiKey } from '../messages';
import { useDash, useT } from '../context';

/**
 * The outcome of the last write on this view: done, or refused with each refused field (and, for a CSV import, its
 * line) and the field's hint in the reader's language; the server's own words follow, smaller.
 */
export function Notice() {
  const notice = useDash((s) => s.notice);
  const { t } = useT();
  if (!notice) return null;
  const hint = (field: string) => {
    const key = `hint.${field}`;
    return key in UI ? t(key as UiKey) : field;
  };
  return (
    <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="notice">
      {t(notice.key, notice.vars)}
      {notice.issues?.length ? (
        <ul className="issues" data-testid="issues">
          {notice.issues.map((i) => (
            <li key={`${i.line ?? ''}.${i.field}.${i.message}`} data-testid={i.line === undefined ? `issue-${i.field}` : `issue-${i.line}-${i.field}`}>
              {i.line === undefined ? null : <strong>{t('csvLine', { line: i.line })}: </strong>}
              {hint(i.field)}
              <span className="small"> ({i.message})</span>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
