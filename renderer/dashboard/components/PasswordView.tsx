import { useState, type FormEvent } from 'react';
import type { OwnPasswordInput } from '../../../sync-server/dashboard/accounts-contract';
import { useDash, useDashboard, useT } from '../context';
import { Notice } from './Notice';

const EMPTY: OwnPasswordInput = { currentPassword: '', newPassword: '' };

/** Anyone: a new password for their own account, with the current one. */
export function PasswordView() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const forced = useDash((s) => s.session?.mustChangePassword ?? false);
  const { t } = useT();
  const [draft, setDraft] = useState<OwnPasswordInput>(EMPTY);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void dashboard.changeOwnPassword(draft).then((ok) => ok && setDraft(EMPTY));
  };
  return (
    <main className="main" aria-label={t('view.password')}>
      <Notice />
      <form className="card" onSubmit={submit} aria-labelledby="own-password-h" data-testid="own-password" noValidate>
        <h2 id="own-password-h">{t('ownPassword')}</h2>
        {forced ? (
          <p className="notice notice-error" role="alert" data-testid="must-change-password">
            {t('mustChangePassword')}
          </p>
        ) : null}
        <p className="small">{t('ownPasswordWhat')}</p>
        <div className="form-row">
          <label className="field">
            {t('currentPassword')}
            <input data-testid="current-password" type="password" autoComplete="current-password" value={draft.currentPassword} onChange={(e) => setDraft({ ...draft, currentPassword: e.target.value })} />
          </label>
          <label className="field">
            {t('newPassword')}
            <input data-testid="new-password" type="password" autoComplete="new-password" value={draft.newPassword} onChange={(e) => setDraft({ ...draft, newPassword: e.target.value })} />
          </label>
        </div>
        <button className="btn btn-primary" type="submit" disabled={busy} aria-busy={busy} data-testid="change-password">
          {busy ? t('working') : t('changePassword')}
        </button>
      </form>
    </main>
  );
}
