import { useState } from 'react';
import type { ConflictDoc } from '../../../shared/docs';
import { useScreen, useT } from '../context';
import { text } from '../store';
import { FormCard } from './FormCard';
import { SupervisorSign } from './SupervisorSign';

/** A QT-09 conflict as the line reads it: what kind, which pieces (from → to, how many), where it stands. */
export function ConflictSummary({ conflict }: { conflict: ConflictDoc }) {
  const { t } = useT();
  return (
    <span data-testid={`conflict-${conflict.id}`} data-status={conflict.status}>
      <strong>{t(`conflictType.${conflict.type}`)}</strong>: {conflict.workOrderId} → {conflict.toWorkOrderId} · {conflict.quantity} · {t(`conflictStatus.${conflict.status}`)}
    </span>
  );
}

const DECISIONS = ['void', 'apply'] as const;

/**
 * A supervisor settles an open conflict (`conflict.resolve`: the shared rule voids the claim, or applies it once the
 * sender's output covers it and replays what waited on it), with a note, signed with their own badge + PIN (checked
 * offline). One event id per decision, so a double tap records once.
 */
export function ConflictResolve({ conflict }: { conflict: ConflictDoc }) {
  const screen = useScreen();
  const { t } = useT();
  const [open, setOpen] = useState(false);
  const [decision, setDecision] = useState<(typeof DECISIONS)[number]>('void');
  const [note, setNote] = useState('');
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const field = `conflict-resolve-${conflict.id}`;
  if (conflict.status !== 'open') return null;
  if (!open) {
    return (
      <button type="button" className="btn btn-secondary" data-testid={`${field}-open`} onClick={() => setOpen(true)}>
        {t('conflictResolveOpen')}
      </button>
    );
  }
  const submit = async () => {
    const ack = await screen.run('conflict.resolve', { conflictId: conflict.id, decision, note: note.trim(), supervisorBadge: badge, supervisorPin: pin, eventId }, { field });
    setPin('');
    // The settled conflict leaves the list (and this form with it): the confirmation shows at the top.
    if (ack) screen.store.setState({ notice: { tone: 'ok', text: text('conflictResolved') } });
  };
  return (
    <FormCard testId={field} title={t('conflictResolve')} onSubmit={() => void submit()}>
      <div className="choices" role="radiogroup" aria-label={t('conflictDecision')}>
        {DECISIONS.map((d) => (
          <button
            key={d}
            type="button"
            role="radio"
            aria-checked={decision === d}
            className={`btn choice ${decision === d ? 'choice-on' : ''}`}
            data-testid={`${field}-${d}`}
            onClick={() => setDecision(d)}
          >
            {t(`conflictDecision.${d}`)}
          </button>
        ))}
      </div>
      <SupervisorSign
        field={field}
        noteLabel="conflictNote"
        note={note}
        onNote={setNote}
        minNote={5}
        badge={badge}
        pin={pin}
        onBadge={setBadge}
        onPin={setPin}
        submit="conflictResolve"
        onCancel={() => setOpen(false)}
      />
    </FormCard>
  );
}
