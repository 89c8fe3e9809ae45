import { useState } from 'react';
import type { RecordedProblem, ReviewDecision } from '../../../sync-server/dashboard/contract';
import type { UiKey } from '../messages';
import { useDash, useDashboard, useT, when } from '../context';

const DECISIONS: readonly ReviewDecision[] = ['accepted', 'dismissed', 'follow_up'];

/** A value as it reads in a cell: text as it is, anything else as compact JSON. */
const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Both sides of a refused or flagged event: what the station sent, and what the server holds of what it names. */
export function ProblemSides({ problem }: { problem: RecordedProblem }) {
  const { t } = useT();
  return (
    <>
      <td data-testid="sent">
        {Object.entries(problem.sent).map(([k, v]) => (
          <div key={k} className="small">
            {k}: {shown(v)}
          </div>
        ))}
      </td>
      <td data-testid="held">
        {problem.held.length === 0 ? (
          <span className="small">{t('heldNothing')}</span>
        ) : (
          problem.held.map((h) => (
            <div key={`${h.kind}:${h.id}`} className="small">
              <strong>
                {h.kind} {h.id}
              </strong>
              {h.status ? ` · ${h.status}` : ''}
              <div>
                {Object.entries(h.fields)
                  .map(([k, v]) => `${k}: ${shown(v)}`)
                  .join(' · ')}
              </div>
            </div>
          ))
        )}
      </td>
    </>
  );
}

/** The reviews of one problem (who, when, note) and, for someone who may, the three decisions with a required note. */
export function ConflictReview({ problem }: { problem: RecordedProblem }) {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const { t, lang } = useT();
  const [note, setNote] = useState('');
  const [problemKey, setProblemKey] = useState<UiKey | null>(null);
  const noteId = `review-note-${problem.eventId}`;
  const decide = (decision: ReviewDecision) => {
    if (note.trim().length < 3) return setProblemKey('reviewNoteNeeded');
    setProblemKey(null);
    void dashboard.reviewConflict(problem.eventId, { decision, note: note.trim() }).then((ok) => ok && setNote(''));
  };
  return (
    <td data-testid="review" data-review={problem.review}>
      {problem.reviews.length > 0 ? (
        <ol className="timeline small" data-testid="reviews">
          {problem.reviews.map((r, i) => (
            <li key={i}>
              {when(r.at, lang)} <strong>{t(`reviewed.${r.decision}`)}</strong> {t('by', { who: r.by })} — {r.note}
            </li>
          ))}
        </ol>
      ) : null}
      {problem.mayReview ? (
        <div className="alert-actions">
          <label className="field field-inline" htmlFor={noteId}>
            {t('note')}
            <input id={noteId} data-testid="review-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
          </label>
          {DECISIONS.map((d) => (
            <button key={d} type="button" className="btn btn-primary" disabled={busy} onClick={() => decide(d)} data-testid={`review-${d}`}>
              {t(`review.${d}`)}
            </button>
          ))}
        </div>
      ) : problem.reviews.length === 0 ? (
        '—'
      ) : null}
      {problemKey ? (
        <p className="notice notice-error" role="alert">
          {t(problemKey)}
        </p>
      ) : null}
    </td>
  );
}
