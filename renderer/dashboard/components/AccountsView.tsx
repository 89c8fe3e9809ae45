import { useState, type FormEvent } from 'react';
import { DASHBOARD_ROLES, type DashboardRole, type NewAccountInput } from '../../../sync-server/dashboard/contract';
import type { Department } from '../../../shared/master';
import { DEPARTMENT } from '../messages';
import { useDash, useDashboard, useT } from '../context';
import { Notice } from './Notice';
import { OnOffToggle } from './OnOffToggle';
import { DepartmentOptions } from './DepartmentOptions';
import { ResetSecret, SecretOnce } from './SecretOnce';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];
type Draft = Omit<NewAccountInput, 'password'> & { password: string; /** The server generates the password (shown once). */ generate: boolean };
const EMPTY: Draft = { id: '', name: '', role: 'supervisor', department: 'sewing', password: '', generate: false };

function NewAccount() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const added = useDash((s) => (s.shownSecret?.kind === 'password' && s.shownSecret.added ? s.shownSecret.id : null));
  const { t } = useT();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { generate, password, ...account } = draft;
    void dashboard.createAccount(generate ? account : { ...account, password }).then((ok) => ok && setDraft(EMPTY));
  };
  // Admin and PPIC have no department; the server refuses one (and a supervisor without).
  const noDepartment = draft.role === 'admin' || draft.role === 'ppic';
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-account-h" data-testid="new-account">
      <h2 id="new-account-h">{t('newAccount')}</h2>
      <div className="form-row">
        <label className="field">
          {t('username')}
          <input data-testid="account-id" value={draft.id} onChange={(e) => set({ id: e.target.value })} required />
        </label>
        <label className="field">
          {t('name')}
          <input data-testid="account-name" value={draft.name} onChange={(e) => set({ name: e.target.value })} required />
        </label>
        <label className="field">
          {t('role')}
          <select data-testid="account-role" value={draft.role} onChange={(e) => set({ role: e.target.value as DashboardRole, ...(e.target.value === 'admin' || e.target.value === 'ppic' ? { department: null } : {}) })}>
            {DASHBOARD_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          {t('department')}
          <select
            data-testid="account-department"
            value={draft.department ?? ''}
            disabled={noDepartment}
            onChange={(e) => set({ department: e.target.value === '' ? null : (e.target.value as Department) })}
          >
            <option value="">{draft.role === 'qc' ? t('allDepartments') : t('none')}</option>
            <DepartmentOptions />
          </select>
        </label>
        {draft.generate ? null : (
          <label className="field">
            {t('password')}
            <input data-testid="account-password" type="password" autoComplete="new-password" minLength={10} value={draft.password} onChange={(e) => set({ password: e.target.value })} required />
          </label>
        )}
      </div>
      <div className="form-row">
        <button
          type="button"
          className={`btn btn-touch choice ${draft.generate ? 'choice-on' : ''}`}
          aria-pressed={draft.generate}
          onClick={() => set({ generate: !draft.generate, password: '' })}
          data-testid="account-generate"
        >
          {t('generatePassword')}
        </button>
        <button className="btn btn-primary btn-touch" type="submit" disabled={busy} data-testid="account-create">
          {t('create')}
        </button>
      </div>
      {added ? <SecretOnce kind="password" id={added} /> : null}
    </form>
  );
}

/**
 * Admins: who may log in to the dashboard, and a form for a new account (the password typed here, or generated and
 * shown once; its owner replaces it at the first login); each other account disabled or enabled, its password reset
 * (set here, or generated and shown once); each marked while its owner still has to replace a password an admin set.
 */
export function AccountsView() {
  const dashboard = useDashboard();
  const accounts = useDash((s) => s.accounts?.accounts ?? NONE);
  const me = useDash((s) => s.session?.account.id ?? null);
  // A new account's generated password is shown under the form, not in its row too.
  const added = useDash((s) => (s.shownSecret?.kind === 'password' && s.shownSecret.added ? s.shownSecret.id : null));
  const { t, tb } = useT();
  return (
    <main className="main" aria-label={t('view.accounts')}>
      <Notice />
      <div className="grid">
        <NewAccount />
        <TableCard
          testId="account-list"
          title="accounts"
          empty="noAccounts"
          columns={['username', 'role', 'department', 'status', 'password', 'actions']}
          rows={accounts}
          rowKey={(a) => a.id}
          rowTestId={(a) => `account-${a.id}`}
          cells={(a) => (
            <>
              <RowHead main={a.id} sub={a.name} />
              <td>{t(`role.${a.role}`)}</td>
              <td>{a.department ? tb(DEPARTMENT[a.department as Department] ?? { en: a.department, id: a.department }) : '—'}</td>
              <td data-testid={`account-status-${a.id}`}>{t(a.disabled ? 'disabled' : 'active')}</td>
              {/* A password an admin set (created, reset) that its owner has not replaced yet. */}
              <td data-testid={`account-password-${a.id}`}>{a.mustChangePassword ? <strong>{t('mustChangeMark')}</strong> : '—'}</td>
              <td>
                {a.id === me ? null : (
                  <>
                    <div className="row-actions">
                      <OnOffToggle
                        id={a.id}
                        on={!a.disabled}
                        off={{ label: 'disable', confirm: t('confirmDisable', { id: a.id }), testId: 'disable' }}
                        onAgain={{ label: 'enable', testId: 'enable' }}
                        run={(enabled) => dashboard.setAccountDisabled(a.id, !enabled)}
                      />
                      <ResetSecret id={a.id} open="resetPassword" field="newPasswordOptional" numeric={false} run={(password) => dashboard.resetPassword(a.id, password)} />
                    </div>
                    {added === a.id ? null : <SecretOnce kind="password" id={a.id} />}
                  </>
                )}
              </td>
            </>
          )}
        />
      </div>
    </main>
  );
}
