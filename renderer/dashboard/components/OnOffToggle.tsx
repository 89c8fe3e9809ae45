import { useState } from 'react';
import type { UiKey } from '../messages';
import { useDash, useT } from '../context';

/**
 * Turning something off (an account, an operator) takes two taps: the button, then its confirmation naming what goes
 * off (or Cancel); turning it back on one. `testId` is the row's id: `<off>-<id>`, `<off>-confirm-<id>`, `<on>-<id>`.
 */
export function OnOffToggle(props: {
  id: string;
  on: boolean;
  off: { label: UiKey; confirm: string; testId: string };
  onAgain: { label: UiKey; testId: string };
  run: (on: boolean) => Promise<boolean>;
}) {
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [asking, setAsking] = useState(false);
  if (!props.on) {
    return (
      <button type="button" className="btn btn-secondary" disabled={busy} onClick={() => void props.run(true)} data-testid={`${props.onAgain.testId}-${props.id}`}>
        {t(props.onAgain.label)}
      </button>
    );
  }
  if (!asking) {
    return (
      <button type="button" className="btn btn-secondary" onClick={() => setAsking(true)} data-testid={`${props.off.testId}-${props.id}`}>
        {t(props.off.label)}
      </button>
    );
  }
  return (
    <span className="confirm">
      <button type="button" className="btn btn-danger" disabled={busy} aria-busy={busy} onClick={() => void props.run(false).then(() => setAsking(false))} data-testid={`${props.off.testId}-confirm-${props.id}`}>
        {busy ? t('working') : props.off.confirm}
      </button>
      <button type="button" className="btn btn-secondary" onClick={() => setAsking(false)}>
        {t('cancel')}
      </button>
    </span>
  );
}
