import type { ReactNode } from 'react';
import { refusalText } from '../../../shared/messages/refusals';
import type { RefusedEventView } from '../../../shared/api';
import { eventLabel, type UiKey } from '../messages';
import { useScreen, useStation, useT } from '../context';
import { ConflictResolve, ConflictSummary } from './ConflictResolve';
import { HoldRelease, HoldSummary } from './HoldRelease';

/** A refused record: what it was and why, in the operator's language (the server's own words under it, for a supervisor). */
function RefusedEvent({ event }: { event: RefusedEventView }) {
  const { tb, lang } = useT();
  const what = eventLabel(event.type);
  return (
    <div data-testid={`refused-${event.eventId}`}>
      <strong data-testid="refused-what">{what ? tb(what) : event.type || '—'}</strong> #{event.seq}:{' '}
      <span className="refused-reason" data-testid="refused-reason">
        {refusalText(event.code, lang) ?? event.code}
      </span>{' '}
      <span className="notice-detail">{event.message}</span>
    </div>
  );
}

/**
 * Refused records are easy to miss in the side column: a banner on every screen counts those not shown yet, and
 * takes a logged-in operator to the list (which marks them shown on this station; the list itself stays).
 */
export function RefusedBanner() {
  const screen = useScreen();
  const refused = useStation((s) => s.view?.refused);
  const seen = useStation((s) => s.refusalsSeen);
  const loggedIn = useStation((s) => s.view?.operator != null);
  const { t } = useT();
  const unseen = (refused ?? []).filter((r) => !seen.includes(r.eventId)).length;
  if (unseen === 0) return null;
  return (
    <div className="banner banner-refused" role="alert" data-testid="refused-banner">
      <span>{t('refusedBanner', { n: unseen })}</span>
      {loggedIn ? (
        <button
          type="button"
          className="btn btn-secondary"
          data-testid="refused-show"
          onClick={() => {
            document.querySelector('[data-testid="refused"]')?.scrollIntoView({ block: 'center' });
            screen.markRefusalsSeen((refused ?? []).map((r) => r.eventId));
          }}
        >
          {t('showRefused')}
        </button>
      ) : null}
    </div>
  );
}

function AttentionCard<T>({ title, testId, items, itemKey, render }: { title: UiKey; testId: string; items: readonly T[]; itemKey: (item: T) => string; render: (item: T) => ReactNode }) {
  const { t } = useT();
  if (items.length === 0) return null;
  return (
    <div className="card" data-testid={testId}>
      <h3>{t(title)}</h3>
      <ul>
        {items.map((item) => (
          <li key={itemKey(item)}>{render(item)}</li>
        ))}
      </ul>
    </div>
  );
}

/**
 * What needs attention here besides alerts (AlertsPanel): pieces on hold (a supervisor releases them here), events the
 * server refused, QT-09 conflicts (a supervisor settles them here).
 */
export function Attention() {
  const view = useStation((s) => s.view);
  const { t } = useT();
  if (!view) return null;
  return (
    <section className="attention" aria-label={t('holds')}>
      <AttentionCard
        title="holds"
        testId="holds"
        items={view.holds}
        itemKey={(h) => h.id}
        render={(h) => (
          <>
            <HoldSummary hold={h} />
            <HoldRelease hold={h} />
          </>
        )}
      />
      <AttentionCard
        title="refused"
        testId="refused"
        items={view.refused}
        itemKey={(r) => r.eventId}
        render={(r) => <RefusedEvent event={r} />}
      />
      <AttentionCard
        title="conflicts"
        testId="conflicts"
        items={view.conflicts}
        itemKey={(c) => c.id}
        render={(c) => (
          <>
            <ConflictSummary conflict={c} />
            <ConflictResolve conflict={c} />
          </>
        )}
      />
    </section>
  );
}
