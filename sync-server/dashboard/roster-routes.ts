/**
 * The Roster view's routes (roster.ts): everyone on the dashboard reads the roster (never a PIN hash); a supervisor or
 * admin adds an operator, deactivates, reactivates and resets PINs, within what roster.ts `mayManage` allows; PPIC
 * (who imports the roster from CSV) adds one too. Each is a `dashboardRoute`
 * (access.ts), so the authorization test walks them.
 */
import type { FastifyInstance } from 'fastify';
import { dashboardRoute, sessionOf } from './access';
import { DASHBOARD_ROLES, type DashboardRole } from './contract';
import { addOperator, loadRoster, resetOperatorPin, setOperatorActive } from './roster';
import { NewRosterOperatorBody, OperatorAdded, OperatorParam, OperatorState, PinReset, PinResetBody, RosterView } from './roster-contract';

/** Who changes the roster on the dashboard (PPIC imports it from CSV). */
const ROSTER_KEEPERS: readonly DashboardRole[] = ['supervisor', 'admin'];

export function registerRosterRoutes(app: FastifyInstance): void {
  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/roster',
    response: RosterView,
    handler: ({ request }) => loadRoster(app.db, sessionOf(request).account),
  });

  dashboardRoute(app, [...ROSTER_KEEPERS, 'ppic'], {
    method: 'POST',
    url: '/api/dashboard/roster',
    status: 201,
    body: NewRosterOperatorBody,
    response: OperatorAdded,
    async handler({ body, request }) {
      return { id: body.id, generatedPin: await addOperator(app.db, body, sessionOf(request).account) };
    },
  });

  for (const [step, active] of [['deactivate', false], ['reactivate', true]] as const) {
    dashboardRoute(app, ROSTER_KEEPERS, {
      method: 'POST',
      url: `/api/dashboard/roster/:id/${step}`,
      params: OperatorParam,
      response: OperatorState,
      async handler({ params, request }) {
        await setOperatorActive(app.db, params.id, active, sessionOf(request).account);
        return { id: params.id, active };
      },
    });
  }

  dashboardRoute(app, ROSTER_KEEPERS, {
    method: 'POST',
    url: '/api/dashboard/roster/:id/pin',
    params: OperatorParam,
    body: PinResetBody,
    response: PinReset,
    async handler({ params, body, request }) {
      return { id: params.id, generatedPin: await resetOperatorPin(app.db, params.id, body.pin, sessionOf(request).account) };
    },
  });
}
