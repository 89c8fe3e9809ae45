import type { UiKey } from '../messages';
import { useStation, useT } from '../context';
import { Credentials } from './Credentials';
import { NoticeLine } from './NoticeLine';

/**
 * The end of a form a supervisor signs (a hold's release, a conflict's decision): a note of what was found and done,
 * their own badge + PIN, the outcome next to it, submit (enabled once note and signature are there) and cancel.
 */
export function SupervisorSign(props: {
  field: string;
  noteLabel: UiKey;
  note: string;
  onNote: (v: string) => void;
  minNote: number;
  badge: string;
  pin: string;
  onBadge: (v: string) => void;
  onPin: (v: string) => void;
  submit: UiKey;
  onCancel: () => void;
}) {
  const busy = useStation((s) => s.busy);
  const { t } = useT();
  const { field } = props;
  return (
    <>
      <label className="field">
        <span>{t(props.noteLabel)}</span>
        <textarea data-testid={`${field}-note`} value={props.note} onChange={(e) => props.onNote(e.target.value)} rows={2} />
      </label>
      <Credentials badge={props.badge} pin={props.pin} onBadge={props.onBadge} onPin={props.onPin} labels={{ badge: 'supervisorBadge', pin: 'supervisorPin' }} testIds={{ badge: `${field}-badge`, pin: `${field}-pin`, keypad: `${field}-keypad` }} />
      <NoticeLine field={field} />
      <div className="row wrap">
        <button type="submit" className="btn btn-danger" data-testid={`${field}-submit`} disabled={busy || props.note.trim().length < props.minNote || !props.badge || props.pin.length < 4}>
          {t(props.submit)}
        </button>
        <button type="button" className="btn btn-secondary" data-testid={`${field}-cancel`} onClick={props.onCancel}>
          {t('cancel')}
        </button>
      </div>
    </>
  );
}
