import type { z } from 'zod';
import type { RecordedProblem } from '../../../sync-server/dashboard/contract';
import { refusalText } from '../../../shared/messages/refusals';
import { useDash, useT, when } from '../context';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

function Problems({ which }: { which: 'refused' | 'flagged' }) {
  const rows = useDash((s) => s.conflicts?.[which] ?? NONE);
  const { lang } = useT();
  return (
    <TableCard<z.infer<typeof RecordedProblem>>
      testId={which}
      title={which}
      empty={which === 'refused' ? 'noRefused' : 'noFlagged'}
      columns={['event', 'station', 'reason', 'received']}
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

/** What the server refused or flagged, and QT-09 conflicts with both sides; resolving happens at a station. */
export function ConflictsView() {
  const { t } = useT();
  return (
    <main className="main" aria-label={t('view.conflicts')}>
      <p className="card small">{t('resolveAtStation')}</p>
      <div className="grid">
        <Conflicts />
        <Problems which="refused" />
        <Problems which="flagged" />
      </div>
    </main>
  );
}
