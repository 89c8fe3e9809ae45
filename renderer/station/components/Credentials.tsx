import type { UiKey } from '../messages';
import { useT } from '../context';
import { Keypad } from './Keypad';

/** A badge (scanned or typed) and a PIN (touch keypad or keyboard): an operator's login, a supervisor's signature. */
export function Credentials(props: {
  badge: string;
  pin: string;
  onBadge: (v: string) => void;
  onPin: (v: string) => void;
  labels: { badge: UiKey; pin: UiKey };
  /** Test ids of the badge field, the PIN field and the keypad. */
  testIds: { badge: string; pin: string; keypad: string };
  autoFocus?: boolean;
}) {
  const { t } = useT();
  return (
    <>
      <label className="field">
        <span>{t(props.labels.badge)}</span>
        <input data-testid={props.testIds.badge} value={props.badge} onChange={(e) => props.onBadge(e.target.value)} autoComplete="off" autoFocus={props.autoFocus ?? false} />
      </label>
      <label className="field">
        <span>{t(props.labels.pin)}</span>
        <input
          data-testid={props.testIds.pin}
          type="password"
          inputMode="numeric"
          value={props.pin}
          onChange={(e) => props.onPin(e.target.value.replace(/\D/g, '').slice(0, 8))}
          autoComplete="off"
        />
      </label>
      <Keypad value={props.pin} onChange={props.onPin} testId={props.testIds.keypad} />
    </>
  );
}
