import { useState } from 'react';
import type { HoldDoc } from '../../../shared/docs';
import { useScreen, useT } from '../context';
import { text } from '../store';
import { FormCard } from './FormCard';
import { SupervisorSign } from './SupervisorSign';

/** Pieces on hold, as the line reads them: why, and how many of which SPK. */
export function HoldSummary({ hold }: { hold: HoldDoc }) {
  const { t } = useT();
  return (
    <span data-testid={`hold-${hold.id}`}>
      {t(`holdReason.${hold.reason}`)}: {Object.entries(hold.items).map(([wo, q]) => `${wo} ${q}`).join(', ')}
    </span>
  );
}

/**
 * A supervisor releases a quarantine (`hold.release`) after re-inspecting its pieces: per SPK how many passed (they go
 * on) and how many were rejected (scrapped), a note of what was checked and done, signed with their own badge + PIN,
 * checked offline. The counts must add up to the pieces held; one event id per release, so a double tap records once.
 */
export function HoldRelease({ hold }: { hold: HoldDoc }) {
  const screen = useScreen();
  const { t } = useT();
  const [open, setOpen] = useState(false);
  const items = Object.entries(hold.items);
  const [passed, setPassed] = useState<Record<string, string>>(() => Object.fromEntries(items.map(([wo, n]) => [wo, String(n)])));
  const [note, setNote] = useState('');
  const [badge, setBadge] = useState('');
  const [pin, setPin] = useState('');
  const [eventId] = useState(() => crypto.randomUUID());
  const field = `hold-release-${hold.id}`;
  const results = items.map(([workOrderId, n]) => {
    const passedQty = Math.min(n, Number(passed[workOrderId] || '0'));
    return { workOrderId, passedQty, rejectedQty: n - passedQty };
  });
  if (!open) {
    return (
      <button type="button" className="btn btn-secondary hold-release" data-testid={`${field}-open`} onClick={() => setOpen(true)}>
        {t('releaseHoldOpen')}
      </button>
    );
  }
  const submit = async () => {
    const ack = await screen.run('hold.release', { holdId: hold.id, results, note: note.trim(), supervisorBadge: badge, supervisorPin: pin, eventId }, { field });
    setPin('');
    // The released hold leaves the list (and this form with it): the confirmation shows at the top.
    if (ack) screen.store.setState({ notice: { tone: 'ok', text: text('holdReleased') } });
  };
  return (
    <FormCard testId={field} title={t('releaseHold')} onSubmit={() => void submit()}>
      {results.map((r) => (
        <div key={r.workOrderId} className="row wrap">
          <label className="field">
            <span>
              {r.workOrderId} · {t('holdPassed')}
            </span>
            <input
              data-testid={`${field}-passed-${r.workOrderId}`}
              inputMode="numeric"
              value={passed[r.workOrderId] ?? ''}
              onChange={(e) => setPassed({ ...passed, [r.workOrderId]: e.target.value.replace(/\D/g, '') })}
              autoComplete="off"
            />
          </label>
          <span>
            {t('holdRejected')} <strong data-testid={`${field}-rejected-${r.workOrderId}`}>{r.rejectedQty}</strong>
          </span>
        </div>
      ))}
      <SupervisorSign
        field={field}
        noteLabel="holdNote"
        note={note}
        onNote={setNote}
        minNote={3}
        badge={badge}
        pin={pin}
        onBadge={setBadge}
        onPin={setPin}
        submit="releaseHold"
        onCancel={() => setOpen(false)}
      />
    </FormCard>
  );
}
