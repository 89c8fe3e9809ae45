import type { ConflictsShow, RecordedProblem } from '../../../sync-server/dashboard/contract';
import { refusalText } from '../../../shared/messages/refusals';
import { useDash, useDashboard, useT, when } from '../context';
import { ConflictReview, ProblemSides } from './ConflictReview';
import { Notice } from './Notice';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

function Problems({ which }: { which: 'refused' | 'flagged' }) {
  const rows = useDash((s) => s.conflicts?.[which] ?? NONE);
  const { lang } = useT();
  return (
    <TableCard<RecordedProblem>
      testId={which}
      title={which}
      empty={which === 'refused' ? 'noRefused' : 'noFlagged'}
      columns={['event', 'station', 'reason', 'received', 'stationSent', 'serverHolds', 'review']}
      rows={rows}
      rowKey={(r) => r.eventId}
      rowTestId={(r) => `${which}-${r.eventId}`}
      cells={(r) => (
        <>
          <RowHead main={r.type || '—'} sub={`#${r.seq}${r.operatorId ? ` · ${r.operatorId}` : ''}`} />
          <td>{r.stationId}</td>
          <td>
            {refusalText(r.code, lang) ?? r.code}
            <div className="small">{r.message}</div>
          </td>
          <td>{when(r.receivedAt, lang)}</td>
          <ProblemSides problem={r} />
          <ConflictReview problem={r} />
        </>
      )}
    />
  );
}

function Conflicts() {
  const conflicts = useDash((s) => s.conflicts?.conflicts ?? NONE);
  const { t, lang } = useT();
  return (
    <TableCard
      testId="conflict-list"
      title="conflicts"
      empty="noConflicts"
      columns={['order', 'status', 'claim', 'holders', 'waiting', 'resolution']}
      rows={conflicts}
      rowKey={(c) => c.id}
      rowTestId={(c) => `conflict-${c.id}`}
      cells={(c) => (
        <>
          <RowHead main={`${c.workOrderId} → ${c.toWorkOrderId}`} sub={`${c.type} · ${c.quantity}`} />
          <td>{c.status}</td>
          <td>
            {c.claim.type} · {c.claim.stationId}
            <div className="small">
              {c.claim.operatorId ?? '—'} · {when(c.claim.at, lang)}
            </div>
          </td>
          <td>
            {c.holders.length === 0
              ? '—'
              : c.holders.map((h) => (
                  <div key={h.transferId}>
                    {h.fromStationId} · {h.quantity} · {h.status}
                  </div>
                ))}
          </td>
          <td className="num">{c.waiting}</td>
          <td>
            {c.resolution ? (
              <>
                {c.resolution.decision} {t('by', { who: c.resolution.by ?? t('rules') })}
                <div className="small">{c.resolution.note}</div>
              </>
            ) : (
              '—'
            )}
          </td>
        </>
      )}
    />
  );
}

const SHOWS: readonly ConflictsShow[] = ['open', 'resolved'];

/**
 * What the server refused or flagged, with both sides and their reviews (open ones, or the resolved ones), and QT-09
 * conflicts, which are resolved at a station (they move pieces; a review here moves nothing).
 */
export function ConflictsView() {
  const dashboard = useDashboard();
  const show = useDash((s) => s.conflictsShow);
  const { t } = useT();
  return (
    <main className="main" aria-label={t('view.conflicts')}>
      <div className="toolbar" role="group" aria-label={t('review')}>
        {SHOWS.map((s) => (
          <button key={s} type="button" className={`btn choice ${show === s ? 'choice-on' : ''}`} aria-pressed={show === s} onClick={() => void dashboard.showConflicts(s)} data-testid={`conflicts-show-${s}`}>
            {t(`show.${s}`)}
          </button>
        ))}
      </div>
      <Notice />
      <p className="card small">
        {t('reviewIsRecord')} {t('resolveAtStation')}
      </p>
      {/* One column: each row holds both sides and the review. */}
      <div className="grid" style={{ gridTemplateColumns: '1fr' }}>
        <Problems which="refused" />
        <Problems which="flagged" />
        <Conflicts />
      </div>
    </main>
  );
}
