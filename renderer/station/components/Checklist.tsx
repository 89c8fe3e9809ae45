import { useState } from 'react';
import type { Action } from '../../../shared/events';
import { text } from '../store';
import type { UiKey } from '../messages';
import { UI } from '../messages';
import { useScreen, useStation, useT } from '../context';
import { FormCard } from './FormCard';
import { NoticeLine } from './NoticeLine';

/**
 * A signed checklist (line clearance, segregation): every item ticked by touch, then recorded as one event by the
 * logged-in operator. Items are recorded in English (the audit trail's language), shown in the operator's.
 */
export function Checklist({ title, titleVars, items, submit, testId, build }: {
  title: UiKey;
  titleVars?: Record<string, string | number>;
  items: readonly UiKey[];
  submit: UiKey;
  testId: string;
  build: (checklist: { item: string; ok: boolean }[]) => Action;
}) {
  const screen = useScreen();
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const [ticked, setTicked] = useState<ReadonlySet<UiKey>>(new Set());
  const [eventId, setEventId] = useState(() => crypto.randomUUID());
  const record = async () => {
    const checklist = items.map((k) => ({ item: UI[k].en, ok: ticked.has(k) }));
    const ack = await screen.run('action.record', { action: build(checklist), eventId }, { field: testId, ok: text('recorded') });
    if (ack) {
      setTicked(new Set());
      setEventId(crypto.randomUUID());
    }
  };
  return (
    <FormCard testId={testId} title={t(title, titleVars)} onSubmit={() => void record()}>
      {items.map((k) => (
        <button
          key={k}
          type="button"
          role="checkbox"
          aria-checked={ticked.has(k)}
          className={`btn choice check ${ticked.has(k) ? 'choice-on' : ''}`}
          data-testid={`${testId}-${k}`}
          onClick={() => {
            const next = new Set(ticked);
            if (next.has(k)) next.delete(k);
            else next.add(k);
            setTicked(next);
          }}
        >
          {ticked.has(k) ? '☑' : '☐'} {t(k)}
        </button>
      ))}
      <NoticeLine field={testId} />
      <button type="submit" className="btn btn-primary" data-testid={`${testId}-submit`} disabled={busy}>
        {t(submit)}
      </button>
    </FormCard>
  );
}
