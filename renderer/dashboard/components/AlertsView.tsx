import { useState } from 'react';
import type { AlertRow } from '../../../sync-server/dashboard/contract';
import { CLOSE_REASON, type UiKey } from '../messages';
import { ViewLoading } from './ViewLoading';
import { useDash, useDashboard, useT, when } from '../context';
import { Notice } from './Notice';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

const SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
const STATUS_KEYS: Record<string, UiKey> = { raised: 'status.raised', acknowledged: 'status.acknowledged', investigating: 'status.investigating', closed: 'status.closed' };

function AlertCard({ alert }: { alert: AlertRow }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t, tb, lang } = useT();
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<UiKey | null>(null);
  const statusText = (s: string) => (STATUS_KEYS[s] ? t(STATUS_KEYS[s]) : s);
  const noteId = `note-${alert.id}`;
  const act = (action: AlertRow['actions'][number]) => {
    if (action !== 'acknowledge' && note.trim().length < 3) return setProblem(action === 'close' ? 'closeNoteNeeded' : 'noteNeeded');
    setProblem(null);
    void dashboard.act(alert.id, action, note.trim()).then((ok) => ok && setNote(''));
  };
  return (
    <li className={`card alert alert-${alert.severity} ${alert.status === 'closed' ? 'alert-closed' : ''}`} data-testid={`alert-${alert.id}`} data-status={alert.status}>
      <div className="alert-head">
        <span className={`sev sev-${alert.severity}`}>{alert.severity}</span>
        <strong className="alert-message">{alert.message}</strong>
        <span className={`pill ${alert.status === 'closed' ? 'pill-muted' : 'pill-bad'}`} data-testid="alert-status">
          {statusText(alert.status)}
        </span>
      </div>
      <div className="small">
        {[alert.type, alert.lineId, alert.workOrderId, alert.department].filter(Boolean).join(' · ')} · {when(alert.raisedAt, lang)}
        {alert.closedBecause ? ` · ${t('closedBecause', { reason: CLOSE_REASON[alert.closedBecause] ? tb(CLOSE_REASON[alert.closedBecause]!) : alert.closedBecause })}` : ''}
      </div>
      {alert.haltsLine ? (
        <p className="notice notice-error" data-testid="halts-line">
          {t('haltsLine')}
        </p>
      ) : null}
      <ol className="timeline" data-testid="timeline">
        {alert.timeline.map((s, i) => (
          <li key={i} data-source={s.source}>
            <span className="small">{when(s.at, lang)}</span> <strong>{statusText(s.status)}</strong> ({t(s.source === 'floor' ? 'fromFloor' : 'fromDashboard')}){s.status === 'raised' ? '' : ` ${t('by', { who: s.by ?? t('rules') })}`}
            {s.note ? <span className="small"> — {s.note}</span> : null}
          </li>
        ))}
      </ol>
      {alert.actions.length > 0 ? (
        <div className="alert-actions">
          <label className="field field-inline" htmlFor={noteId}>
            {t('note')}
            <input id={noteId} data-testid="alert-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </label>
          {alert.actions.map((a) => (
            <button key={a} type="button" className="btn btn-primary" disabled={busy} onClick={() => act(a)} data-testid={`alert-${a}`}>
              {t(`action.${a}`)}
            </button>
          ))}
        </div>
      ) : null}
      {problem ? (
        <p className="notice notice-error" role="alert">
          {t(problem)}
        </p>
      ) : null}
      {alert.status !== 'closed' ? <p className="small">{t('releaseAtStation')}</p> : null}
    </li>
  );
}

/**
 * P1–P4, open first: each alert's floor status and timeline (station and dashboard steps) and the steps the floor's
 * rules allow this person here (acknowledge, investigate, close: the server offers only those). A halt is released at
 * the station only; its alert closes with that release.
 */
export function AlertsView() {
  const alerts = useDash((s) => s.alerts?.alerts ?? NONE);
  const read = useDash((s) => s.alerts !== null);
  const { t } = useT();
  const [severity, setSeverity] = useState<string | null>(null);
  const [showClosed, setShowClosed] = useState(false);
  const shown = alerts.filter((a) => (severity === null || a.severity === severity) && (showClosed || a.status !== 'closed'));
  if (!read) return <ViewLoading label={t('view.alerts')} />;
  return (
    <main className="main" aria-label={t('view.alerts')}>
      <div className="toolbar" role="group" aria-label={t('severity')}>
        {[null, ...SEVERITIES].map((s) => (
          <button key={s ?? 'all'} type="button" className={`btn choice ${severity === s ? 'choice-on' : ''}`} aria-pressed={severity === s} onClick={() => setSeverity(s)} data-testid={`filter-${s ?? 'all'}`}>
            {s ?? t('all')} ({alerts.filter((a) => (s === null || a.severity === s) && (showClosed || a.status !== 'closed')).length})
          </button>
        ))}
        <label className="check">
          <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.target.checked)} data-testid="show-closed" /> {t('showClosed')}
        </label>
      </div>
      <Notice />
      {shown.length === 0 ? (
        <p className="card">{t('noAlerts')}</p>
      ) : (
        <ul className="alerts" data-testid="alerts">
          {shown.map((a) => (
            <AlertCard key={a.id} alert={a} />
          ))}
        </ul>
      )}
    </main>
  );
}
