import { useState, type FormEvent } from 'react';
import { Role, type Department } from '../../../shared/master';
import type { NewRosterOperatorInput } from '../../../sync-server/dashboard/roster-contract';
import { DEPARTMENT } from '../messages';
import { useDash, useDashboard, useT } from '../context';
import { DEPARTMENTS } from './DepartmentOptions';
import { SecretOnce } from './SecretOnce';

type Draft = Omit<NewRosterOperatorInput, 'pin'> & { pin: string };

/** Toggle buttons (touch-sized) for a list of choices, several at once. */
function Choices<T extends string>(props: { legend: string; testId: string; options: readonly T[]; chosen: readonly T[]; label: (v: T) => string; set: (chosen: T[]) => void }) {
  return (
    <fieldset className="choices" data-testid={props.testId}>
      <legend>{props.legend}</legend>
      {props.options.map((v) => {
        const on = props.chosen.includes(v);
        return (
          <button
            key={v}
            type="button"
            className={`btn btn-touch choice ${on ? 'choice-on' : ''}`}
            aria-pressed={on}
            onClick={() => props.set(on ? props.chosen.filter((c) => c !== v) : [...props.chosen, v])}
            data-testid={`${props.testId}-${v}`}
          >
            {props.label(v)}
          </button>
        );
      })}
    </fieldset>
  );
}

/**
 * One operator for the roster (supervisors for their department, PPIC and admins anyone): badge, name, roles,
 * departments and a PIN, or none (the server generates six digits, shown once below).
 */
export function NewOperatorForm() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const own = useDash((s) => (s.session?.account.role === 'supervisor' ? s.session.account.department : null));
  const added = useDash((s) => (s.shownSecret?.kind === 'pin' && s.shownSecret.added ? s.shownSecret.id : null));
  const { t, tb } = useT();
  const empty = (): Draft => ({ id: '', name: '', roles: ['operator'], departments: own ? [own as Department] : [], pin: '' });
  const [draft, setDraft] = useState<Draft>(empty);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { pin, ...rest } = draft;
    void dashboard.addOperator({ ...rest, id: rest.id.trim().toUpperCase(), ...(pin === '' ? {} : { pin }) }).then((ok) => ok && setDraft(empty()));
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-operator-h" data-testid="new-operator" noValidate>
      <h2 id="new-operator-h">{t('newOperator')}</h2>
      <p className="small">{t('newOperatorWhat')}</p>
      <div className="form-row">
        <label className="field">
          {t('badge')}
          <input data-testid="operator-id" value={draft.id} placeholder="OP-0001" autoCapitalize="characters" onChange={(e) => set({ id: e.target.value })} />
        </label>
        <label className="field">
          {t('name')}
          <input data-testid="operator-name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label className="field">
          {t('pinOptional')}
          <input data-testid="operator-pin" type="password" inputMode="numeric" autoComplete="new-password" value={draft.pin} onChange={(e) => set({ pin: e.target.value })} />
        </label>
      </div>
      <Choices legend={t('roles')} testId="operator-roles" options={Role.options} chosen={draft.roles} label={(r) => t(`operatorRole.${r}`)} set={(roles) => set({ roles })} />
      <Choices legend={t('departments')} testId="operator-departments" options={DEPARTMENTS} chosen={draft.departments} label={(d) => tb(DEPARTMENT[d])} set={(departments) => set({ departments })} />
      <button className="btn btn-primary btn-touch" type="submit" disabled={busy} aria-busy={busy} data-testid="operator-add">
        {busy ? t('working') : t('addOperator')}
      </button>
      {added ? <SecretOnce kind="pin" id={added} /> : null}
    </form>
  );
}
