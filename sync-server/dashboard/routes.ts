/**
 * The supervisors' dashboard, as one plugin of the sync server: login/logout, accounts, the Floor and Alerts views,
 * the live channel and the screen itself. Every API route is a `dashboardRoute` (access.ts): session, role and, for
 * writes, CSRF checked before anything else. Only `POST /api/dashboard/login` and the screen's files are public.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CheckedJson, HttpError, parseOr400, route } from '../http/route';
import { BEFORE_PASSWORD_CHANGE, declareAccess, dashboardRoute, sessionOf } from './access';
import { findAccount } from './accounts';
import { registerAccountRoutes } from './accounts-routes';
import { recordAlertAction } from './alerts';
import { audit } from './audit';
import { AlertAction, AlertActionBody, AlertsView, ApprovedOrder, ConflictReviewBody, ConflictsQuery, ConflictsView, CsvImportBody, FleetView, ImportResult, IssuedCode, NewStationCode, RevokedStation, DASHBOARD_ROLES, FloorOrders, FloorOrdersQuery, FloorView, LoginBody, NewOrderBody, Ok, OrdersView, SessionInfo, ViewsQuery, ViewsUpdate } from './contract';
import { MoId } from '../../shared/master';
import { approveDraft, createDraft } from './orders';
import { importArticles } from './articles';
import { registerArticleRoutes } from './articles-routes';
import { importRoster } from './roster-import';
import { issueStationCode, revokeFromDashboard, StationParam } from './fleet';
import { recordReview } from './conflicts';
import { DashboardLive, DEFAULT_LIVE, type LiveOptions } from './live';
import { openDashboardViews, VIEWS_THREADS, type ViewsThread } from './views-host';
import { decoyHash, verifyPassword } from './passwords';
import { clearAccountFailures, DEFAULT_LOGIN_LIMITS, limitKeys, loginRetryAfter, recordLoginFailure, type LoginLimits } from './rate-limit';
import { registerReportRoutes } from './reports-routes';
import { registerRosterRoutes } from './roster-routes';
import { registerDashboardScreen } from './screen';
import { clearedSessionCookie, createSession, deleteSession, SESSIONS_CHANNEL, SessionCache, sessionCookie } from './sessions';

export interface DashboardOptions {
  /** Built screen folder (default dist/renderer/dashboard). */
  screenDir?: string;
  /** Mark the session cookie Secure even on plain HTTP (behind a TLS proxy). Default: env QSF_DASHBOARD_SECURE_COOKIE=1. */
  secureCookie?: boolean;
  loginLimits?: Partial<LoginLimits>;
  live?: Partial<LiveOptions>;
  /** How long a session looked up is believed without asking the database again (default 1 s; sessions.ts SessionCache). */
  sessionCacheMs?: number;
  /**
   * Where the live views are computed (views-host.ts): in the server's thread (the default; always on PGlite) or in a
   * worker thread (PostgreSQL). Default: env QSF_DASHBOARD_VIEWS (`in-thread` | `worker`), else `in-thread`.
   */
  views?: ViewsThread;
}

const ALERT_ACTORS = ['admin', 'supervisor', 'qc'] as const;
/** Who does PPIC's work: manufacturing orders, and articles and the roster from CSV. */
const PPIC_ROLES = ['ppic', 'admin'] as const;

export async function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const limits: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits };
  const forceSecure = opts.secureCookie ?? process.env.QSF_DASHBOARD_SECURE_COOKIE === '1';
  app.decorate('dashboardAccess', new Map());
  app.decorateRequest('dashboardSession', null);
  const sessions = new SessionCache(opts.sessionCacheMs);
  app.decorate('dashboardSessions', sessions);
  const unlistenSessions = await app.db.listen(SESSIONS_CHANNEL, { onPayload: (accountId) => sessions.forget(accountId), onGap: () => sessions.clear() });
  const views = openDashboardViews(app.db, app.log, opts.views ?? viewsThreadFromEnv());
  const live = new DashboardLive(app.db, (viewer, held) => views.update(viewer, held), app.log, { ...DEFAULT_LIVE, ...opts.live }, (aging) => views.keep(aging));
  await live.start();
  // preClose: open streams would keep server.close() waiting.
  app.addHook('preClose', async () => {
    await live.stop();
    await unlistenSessions();
    await views.close();
  });
  route(app, {
    method: 'POST',
    url: '/api/dashboard/login',
    body: LoginBody,
    response: SessionInfo,
    async handler({ body, request, reply }) {
      const keys = limitKeys(body.username, request.ip);
      const wait = await loginRetryAfter(app.db, keys, limits);
      if (wait !== null) {
        throw new HttpError(429, 'too_many_attempts', `too many failed logins: try again in ${wait} s`, undefined, { 'retry-after': String(wait) });
      }
      const account = await findAccount(app.db, body.username);
      // An unknown name costs the same scrypt as a known one.
      const ok = account && !account.disabled ? await verifyPassword(body.password, account.passwordHash) : (await verifyPassword(body.password, await decoyHash()), false);
      if (!account || !ok) {
        await recordLoginFailure(app.db, keys, limits);
        throw new HttpError(401, 'login_failed', 'wrong user name or password');
      }
      await clearAccountFailures(app.db, keys.account);
      const session = await createSession(app.db, account.id, request.ip);
      await audit(app.db, account, 'login', null, { ip: request.ip });
      void reply.header('set-cookie', sessionCookie(session.token, forceSecure || request.protocol === 'https'));
      const { passwordHash: _h, disabled: _d, mustChangePassword, ...pub } = account;
      return { account: pub, csrfToken: session.csrfToken, mustChangePassword };
    },
  });

  dashboardRoute(
    app,
    DASHBOARD_ROLES,
    {
      method: 'GET',
      url: '/api/dashboard/session',
      response: SessionInfo,
      async handler({ request }) {
        const s = sessionOf(request);
        return { account: s.account, csrfToken: s.csrfToken, mustChangePassword: s.mustChangePassword };
      },
    },
    BEFORE_PASSWORD_CHANGE,
  );

  dashboardRoute(
    app,
    DASHBOARD_ROLES,
    {
      method: 'POST',
      url: '/api/dashboard/logout',
      response: Ok,
      async handler({ request, reply }) {
        const s = sessionOf(request);
        await deleteSession(app.db, s.tokenHash, s.account.id);
        sessions.forget(s.account.id);
        void reply.header('set-cookie', clearedSessionCookie(forceSecure || request.protocol === 'https'));
        return { ok: true as const };
      },
    },
    BEFORE_PASSWORD_CHANGE,
  );

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/views',
    querystring: ViewsQuery,
    response: ViewsUpdate,
    handler: async ({ query, request }) => CheckedJson.joined(ViewsUpdate, (await views.update(sessionOf(request).account, query)).json),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/floor',
    response: FloorView,
    handler: async ({ request }) => CheckedJson.joined(FloorView, await views.whole('floor', sessionOf(request).account, 'open')),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/floor/orders',
    querystring: FloorOrdersQuery,
    response: FloorOrders,
    handler: async ({ query }) => CheckedJson.joined(FloorOrders, await views.floorOrders(query)),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/alerts',
    response: AlertsView,
    handler: async ({ request }) => CheckedJson.joined(AlertsView, await views.whole('alerts', sessionOf(request).account, 'open')),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/conflicts',
    querystring: ConflictsQuery,
    response: ConflictsView,
    handler: async ({ query, request }) => CheckedJson.joined(ConflictsView, await views.whole('conflicts', sessionOf(request).account, query.show)),
  });

  dashboardRoute(app, ALERT_ACTORS, {
    method: 'POST',
    url: '/api/dashboard/conflicts/:eventId/review',
    params: z.object({ eventId: z.uuid() }),
    body: ConflictReviewBody,
    response: Ok,
    async handler({ params, body, request }) {
      await recordReview(app.db, sessionOf(request).account, params.eventId, body);
      return { ok: true as const };
    },
  });

  dashboardRoute(app, ALERT_ACTORS, {
    method: 'POST',
    url: '/api/dashboard/alerts/:alertId/:action',
    params: z.object({ alertId: z.uuid(), action: AlertAction }),
    body: AlertActionBody,
    response: Ok,
    async handler({ params, body, request }) {
      await recordAlertAction(app.db, sessionOf(request).account, params.alertId, params.action, body.note);
      return { ok: true as const };
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/orders',
    response: OrdersView,
    handler: async ({ request }) => CheckedJson.joined(OrdersView, await views.whole('orders', sessionOf(request).account, 'open')),
  });

  dashboardRoute(app, PPIC_ROLES, {
    method: 'POST',
    url: '/api/dashboard/orders',
    status: 201,
    body: NewOrderBody,
    response: Ok,
    async handler({ body, request }) {
      await createDraft(app.db, body, sessionOf(request).account);
      return { ok: true as const };
    },
  });

  dashboardRoute(app, PPIC_ROLES, {
    method: 'POST',
    url: '/api/dashboard/orders/:id/approve',
    params: z.object({ id: MoId }),
    response: ApprovedOrder,
    async handler({ params, request }) {
      return { id: params.id, workOrders: await approveDraft(app.db, params.id, sessionOf(request).account) };
    },
  });

  for (const [what, run] of [['articles', importArticles], ['operators', importRoster]] as const) {
    dashboardRoute(app, PPIC_ROLES, {
      method: 'POST',
      url: `/api/dashboard/import/${what}`,
      body: CsvImportBody,
      response: ImportResult,
      async handler({ body, request }) {
        const ids = await run(app.db, body.csv, sessionOf(request).account);
        return { imported: ids.length, ids };
      },
    });
  }

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/fleet',
    response: FleetView,
    // Heartbeats move no change number: the view's age bound (5 s) is how fresh station health is, as on the Floor.
    handler: async ({ request }) => CheckedJson.joined(FleetView, await views.whole('fleet', sessionOf(request).account, 'open')),
  });

  dashboardRoute(app, ['admin'], {
    method: 'POST',
    url: '/api/dashboard/fleet/enrollment-codes',
    status: 201,
    body: NewStationCode,
    response: IssuedCode,
    handler: async ({ body, request }) => issueStationCode(app, body, sessionOf(request).account),
  });

  dashboardRoute(app, ['admin'], {
    method: 'POST',
    url: '/api/dashboard/fleet/stations/:id/revoke',
    params: StationParam,
    response: RevokedStation,
    handler: async ({ params, request }) => ({ stationId: params.id, revokedAt: await revokeFromDashboard(app, params.id, sessionOf(request).account) }),
  });

  const liveGuard = declareAccess(app, 'GET', '/api/dashboard/live', { roles: DASHBOARD_ROLES, write: false });
  // No HEAD twin (see replication/stream.ts: a HEAD answer never sends a hijacked stream's headers).
  // Its query is the /views query: what the screen holds, so the stream sends what changed since.
  app.get('/api/dashboard/live', { preHandler: liveGuard, exposeHeadRoute: false }, async (request, reply) => {
    live.open(request, reply, sessionOf(request), parseOr400(ViewsQuery, request.query, 'query'));
  });

  registerReportRoutes(app);
  registerAccountRoutes(app, limits);
  registerRosterRoutes(app);
  registerArticleRoutes(app);
  registerDashboardScreen(app, opts.screenDir);
}

/** QSF_DASHBOARD_VIEWS, when it names one of VIEWS_THREADS (else in-thread: views-host.ts says why). */
function viewsThreadFromEnv(): ViewsThread {
  const v = process.env.QSF_DASHBOARD_VIEWS;
  return VIEWS_THREADS.find((t) => t === v) ?? 'in-thread';
}
