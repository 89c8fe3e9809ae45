import type { Department } from '../../../shared/master';
import { DEPARTMENT } from '../messages';
import { useDash, useDashboard, useT } from '../context';
import { NewOperatorForm } from './NewOperatorForm';
import { Notice } from './Notice';
import { OnOffToggle } from './OnOffToggle';
import { ResetSecret, SecretOnce } from './SecretOnce';
import { RowHead, TableCard } from './TableCard';

/** One empty list for every selector (a new [] per call would re-render forever). */
const NONE: readonly never[] = [];

/**
 * The floor roster as the stations have it (never a PIN hash): supervisors add, deactivate, reactivate and reset the
 * PIN of their department's operators, admins of anyone, PPIC adds; the server says which (`mayManage`).
 */
export function RosterView() {
  const dashboard = useDashboard();
  const operators = useDash((s) => s.roster?.operators ?? NONE);
  const role = useDash((s) => s.session?.account.role);
  // A new operator's generated PIN is shown under the form, not in the row too.
  const added = useDash((s) => (s.shownSecret?.added ? s.shownSecret.id : null));
  const { t, tb } = useT();
  const dept = (d: string) => tb(DEPARTMENT[d as Department] ?? { en: d, id: d });
  return (
    <main className="main" aria-label={t('view.roster')}>
      <Notice />
      <p className="small">{t('rosterWhat')}</p>
      {role === 'supervisor' || role === 'ppic' || role === 'admin' ? <NewOperatorForm /> : null}
      <TableCard
        testId="roster-list"
        title="roster"
        empty="noRoster"
        columns={['badge', 'roles', 'departments', 'status', 'actions']}
        rows={operators}
        rowKey={(o) => o.id}
        rowTestId={(o) => `operator-${o.id}`}
        cells={(o) => (
          <>
            <RowHead main={o.id} sub={o.name} />
            <td>{o.roles.join(', ')}</td>
            <td>{o.departments.map(dept).join(', ') || '—'}</td>
            <td data-testid={`operator-status-${o.id}`}>
              <span className={`pill ${o.active ? 'pill-ok' : 'pill-muted'}`}>{t(o.active ? 'active' : 'disabled')}</span>
            </td>
            <td>
              {o.mayManage ? (
                <>
                  <div className="row-actions">
                    <OnOffToggle
                      id={o.id}
                      on={o.active}
                      off={{ label: 'deactivate', confirm: t('confirmDeactivate', { id: o.id }), testId: 'deactivate' }}
                      onAgain={{ label: 'reactivate', testId: 'reactivate' }}
                      run={(active) => dashboard.setOperatorActive(o.id, active)}
                    />
                    <ResetSecret id={o.id} open="resetPin" field="newPinOptional" numeric run={(pin) => dashboard.resetPin(o.id, pin)} />
                  </div>
                  {added === o.id ? null : <SecretOnce kind="pin" id={o.id} />}
                </>
              ) : (
                <span className="small">{t('notYours')}</span>
              )}
            </td>
          </>
        )}
      />
    </main>
  );
}
