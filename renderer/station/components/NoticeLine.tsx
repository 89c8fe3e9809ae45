import { useStation, useT } from '../context';

/** The last message, shown next to the part of the screen it concerns (`field`), or at the top when it has none. */
export function NoticeLine({ field }: { field?: string }) {
  const notice = useStation((s) => s.notice);
  const { tb } = useT();
  if (!notice || (notice.field ?? undefined) !== field) return null;
  return (
    <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : 'status'} data-testid={`notice${field ? `-${field}` : ''}`}>
      <div className="notice-text">{tb(notice.text)}</div>
      {notice.detail ? <div className="notice-detail">{notice.detail}</div> : null}
    </div>
  );
}
