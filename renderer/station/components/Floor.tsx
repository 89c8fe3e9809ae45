import type { ReactNode } from 'react';
import { refusalText } from '../../../shared/messages/refusals';
import type { UiKey } from '../messages';
import { useStation, useT } from '../context';
import { HoldRelease, HoldSummary } from './HoldRelease';

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
 * server refused, QT-09 conflicts.
 */
export function Attention() {
  const view = useStation((s) => s.view);
  const { t, lang } = useT();
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
        render={(r) => (
          <>
            #{r.seq} {r.type}: {refusalText(r.code, lang) ?? r.code} <span className="notice-detail">{r.message}</span>
          </>
        )}
      />
      <AttentionCard title="conflicts" testId="conflicts" items={view.conflicts} itemKey={(c) => c.id} render={(c) => `${c.type} · ${c.workOrderId} → ${c.toWorkOrderId} · ${c.quantity} · ${c.status}`} />
    </section>
  );
}
