import { DEPARTMENT } from '../messages';
import type { Department } from '../../../shared/master';
import { useDash, useDashboard, useT, when } from '../context';
import type { View } from '../store';

const VIEWS: readonly View[] = ['floor', 'orders', 'fleet', 'alerts', 'conflicts', 'reports'];
/** What only PPIC and admins see, and what only an admin sees. */
const PPIC_VIEWS: readonly View[] = ['import'];
const ADMIN_VIEWS: readonly View[] = ['accounts'];
/** The roster: kept by supervisors and admins, read by PPIC (who imports it); everyone's own password last. */
const ROSTER_VIEWS: readonly View[] = ['roster'];

function viewsOf(role: string, mustChangePassword: boolean): readonly View[] {
  // An admin set the password: My password only, until it is changed.
  if (mustChangePassword) return ['password'];
  return [
    ...VIEWS,
    ...(role === 'ppic' || role === 'admin' ? PPIC_VIEWS : []),
    ...(role === 'supervisor' || role === 'ppic' || role === 'admin' ? ROSTER_VIEWS : []),
    ...(role === 'admin' ? ADMIN_VIEWS : []),
    'password',
  ];
}

/** Who is logged in, the views, the live channel's state, language and logout. */
export function Header() {
  const dashboard = useDashboard();
  const session = useDash((s) => s.session);
  const view = useDash((s) => s.view);
  const live = useDash((s) => s.live);
  const at = useDash((s) => s.floor?.at ?? null);
  const openP1 = useDash((s) => s.alerts?.alerts.filter((a) => a.severity === 'P1' && a.status !== 'closed').length ?? 0);
  const openConflicts = useDash((s) => s.conflicts?.conflicts.filter((c) => c.status !== 'resolved').length ?? 0);
  const { t, tb, lang } = useT();
  if (!session) return null;
  const { account } = session;
  const dept = account.department ? tb(DEPARTMENT[account.department as Department] ?? { en: account.department, id: account.department }) : t('allDepartments');
  return (
    <header className="header">
      <div className="header-cell header-title">
        <div className="header-big">{t('appTitle')}</div>
        <div className="header-small" data-testid="who">
          {account.name} · {t(`role.${account.role}`)} · {dept}
        </div>
      </div>
      <nav className="header-cell header-nav" aria-label={t('views')}>
        {viewsOf(account.role, session.mustChangePassword).map((v) => (
          <button key={v} type="button" className={`btn tab ${view === v ? 'tab-on' : ''}`} aria-current={view === v ? 'page' : undefined} onClick={() => dashboard.show(v)} data-testid={`tab-${v}`}>
            {t(`view.${v}`)}
            {v === 'alerts' && openP1 > 0 ? <span className="badge-p1" data-testid="p1-count">P1 × {openP1}</span> : null}
            {v === 'conflicts' && openConflicts > 0 ? <span className="badge-p1" data-testid="conflict-count">{openConflicts}</span> : null}
          </button>
        ))}
      </nav>
      {/* Nothing live until an admin's password is replaced: the server sends nothing before. */}
      {session.mustChangePassword ? null : (
        <div className={`header-cell live live-${live}`} role="status" data-testid="live">
          <div>{t(`live.${live}`)}</div>
          <div className="header-small">{at ? t('updatedAt', { time: when(at, lang) }) : t('loading')}</div>
        </div>
      )}
      <div className="header-cell header-actions">
        <button type="button" className="btn btn-secondary" onClick={() => dashboard.setLang(lang === 'id' ? 'en' : 'id')} data-testid="lang">
          {t('language')}
        </button>
        <button type="button" className="btn btn-secondary" onClick={() => void dashboard.logout()} data-testid="logout">
          {t('logout')}
        </button>
      </div>
    </header>
  );
}
