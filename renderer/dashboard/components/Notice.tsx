import { UI, type UiKey } from '../messages';
import { useDash, useT } from '../context';

/** The outcome of the last write on this view: done, or refused with each refused field's hint in the reader's language. */
export function Notice() {
  const notice = useDash((s) => s.notice);
  const { t } = useT();
  if (!notice) return null;
  const hint = (field: string, message: string) => {
    const key = `hint.${field}`;
    return key in UI ? t(key as UiKey) : `${field}: ${message}`;
  };
  return (
    <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid="notice">
      {t(notice.key, notice.vars)}
      {notice.issues?.length ? (
        <ul className="issues">
          {notice.issues.map((i) => (
            <li key={i.field} data-testid={`issue-${i.field}`}>
              {hint(i.field, i.message)}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
