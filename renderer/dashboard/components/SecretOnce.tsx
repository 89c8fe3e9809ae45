import { useState } from 'react';
import { useDash, useT } from '../context';

/** A password or PIN the server generated for `id`, shown once (gone when the view changes). */
export function SecretOnce({ kind, id }: { kind: 'password' | 'pin'; id: string }) {
  const secret = useDash((s) => (s.shownSecret?.kind === kind && s.shownSecret.id === id ? s.shownSecret.secret : null));
  const { t } = useT();
  if (secret === null) return null;
  return (
    <div className="code-once" role="status" data-testid={`secret-${id}`}>
      <div className="code" data-testid="secret">
        {secret}
      </div>
      <p>{t(kind === 'pin' ? 'pinOnce' : 'passwordOnce', { id })}</p>
    </div>
  );
}

/**
 * A reset in two steps: the button opens a field for the new secret (empty: the server generates one) and a
 * confirm button, or Cancel.
 */
export function ResetSecret(props: { id: string; open: 'resetPassword' | 'resetPin'; field: 'newPasswordOptional' | 'newPinOptional'; numeric: boolean; run: (value: string | undefined) => Promise<boolean> }) {
  const busy = useDash((s) => s.busy);
  const { t } = useT();
  const [asking, setAsking] = useState(false);
  const [value, setValue] = useState('');
  const close = () => {
    setAsking(false);
    setValue('');
  };
  const submit = async () => {
    if (await props.run(value === '' ? undefined : value)) close();
  };
  if (!asking) {
    return (
      <button type="button" className="btn btn-secondary" onClick={() => setAsking(true)} data-testid={`reset-${props.id}`}>
        {t(props.open)}
      </button>
    );
  }
  return (
    <span className="confirm">
      <label className="field">
        {t(props.field)}
        <input
          data-testid={`reset-value-${props.id}`}
          type="password"
          autoComplete="new-password"
          inputMode={props.numeric ? 'numeric' : undefined}
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
      </label>
      <button
        type="button"
        className="btn btn-danger"
        disabled={busy}
        aria-busy={busy}
        onClick={() => void submit()}
        data-testid={`reset-confirm-${props.id}`}
      >
        {busy ? t('working') : t(props.open)}
      </button>
      <button type="button" className="btn btn-secondary" onClick={close}>
        {t('cancel')}
      </button>
    </span>
  );
}
