/**
 * The supervisors' dashboard, as one plugin of the sync server: login/logout, accounts, the Floor and Alerts views,
 * the live channel and the screen itself. Every API route is a `dashboardRoute` (access.ts): session, role and, for
 * writes, CSRF checked before anything else. Only `POST /api/dashboard/login` and the screen's files are public.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CheckedJson, HttpError, route } from '../http/route';
import { declareAccess, dashboardRoute, sessionOf } from './access';
import { AccountExists, createAccount, findAccount, listAccounts } from './accounts';
import { registerAccountRoutes } from './accounts-routes';
import { alertsFor, loadAlerts, recordAlertAction, type LoadedAlert } from './alerts';
import { audit } from './audit';
import { Account, AccountList, AlertAction, AlertActionBody, AlertsView, ApprovedOrder, ArticleList, ConflictReviewBody, ConflictsQuery, ConflictsView, CsvImportBody, FleetView, ImportResult, IssuedCode, NewStationCode, RevokedStation, DASHBOARD_ROLES, FloorView, LoginBody, NewAccountBody, NewOrderBody, Ok, OrdersView, SessionInfo } from './contract';
import { MoId } from '../../shared/master';
import { approveDraft, createDraft, loadOrdersView } from './orders';
import { importArticles, listArticles } from './articles';
import { importRoster } from './roster-import';
import { issueStationCode, loadFleetView, revokeFromDashboard, StationParam } from './fleet';
import { conflictsFor, loadConflictsView, recordReview } from './conflicts';
import { FloorDocuments, loadFloorView } from './floor-view';
import { ViewCache } from './view-cache';
import { headVersion } from '../changes';
import type { ConflictsView as ConflictsViewType } from './contract';
import { DashboardLive, DEFAULT_LIVE, type LiveOptions } from './live';
import { decoyHash, verifyPassword } from './passwords';
import { clearAccountFailures, DEFAULT_LOGIN_LIMITS, limitKeys, loginRetryAfter, recordLoginFailure, type LoginLimits } from './rate-limit';
import { registerReportRoutes } from './reports-routes';
import { registerRosterRoutes } from './roster-routes';
import { registerDashboardScreen } from './screen';
import { clearedSessionCookie, createSession, deleteSession, sessionCookie } from './sessions';

export interface DashboardOptions {
  /** Built screen folder (default dist/renderer/dashboard). */
  screenDir?: string;
  /** Mark the session cookie Secure even on plain HTTP (behind a TLS proxy). Default: env QSF_DASHBOARD_SECURE_COOKIE=1. */
  secureCookie?: boolean;
  loginLimits?: Partial<LoginLimits>;
  live?: Partial<LiveOptions>;
}

const ALERT_ACTORS = ['admin', 'supervisor', 'qc'] as const;
/** Who does PPIC's work: manufacturing orders, and articles and the roster from CSV. */
const PPIC_ROLES = ['ppic', 'admin'] as const;

export async function registerDashboard(app: FastifyInstance, opts: DashboardOptions = {}): Promise<void> {
  const limits: LoginLimits = { ...DEFAULT_LOGIN_LIMITS, ...opts.loginLimits };
  const forceSecure = opts.secureCookie ?? process.env.QSF_DASHBOARD_SECURE_COOKIE === '1';
  app.decorate('dashboardAccess', new Map());
  app.decorateRequest('dashboardSession', null);
  const live = new DashboardLive(app.db, { ...DEFAULT_LIVE, ...opts.live });
  await live.start();
  // preClose: open streams would keep server.close() waiting.
  app.addHook('preClose', () => live.stop());
  // Every dashboard on this instance re-reads after a change: one computation per change serves them all.
  // At most 4 computations of a view a second however busy the floor (view-cache.ts; the load test measured why).
  const VIEW_MIN_INTERVAL_MS = 250;
  const floorCache = new ViewCache<CheckedJson<typeof FloorView>>(5_000, VIEW_MIN_INTERVAL_MS);
  const ordersCache = new ViewCache<CheckedJson<typeof OrdersView>>(5_000, VIEW_MIN_INTERVAL_MS);
  const fleetCache = new ViewCache<CheckedJson<typeof FleetView>>(5_000, VIEW_MIN_INTERVAL_MS);
  // The floor's documents in memory, read since the last computation only (floor-view.ts).
  const floorDocs = new FloorDocuments();
  const alertsCache = new ViewCache<LoadedAlert[]>(5_000, VIEW_MIN_INTERVAL_MS);
  // One cache per filter: a cache computes one view (its waiting requests share that computation).
  const conflictsCaches = { open: new ViewCache<ConflictsViewType>(5_000, VIEW_MIN_INTERVAL_MS), resolved: new ViewCache<ConflictsViewType>(5_000, VIEW_MIN_INTERVAL_MS) };

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
      const { passwordHash: _h, disabled: _d, ...pub } = account;
      return { account: pub, csrfToken: session.csrfToken };
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/session',
    response: SessionInfo,
    async handler({ request }) {
      const s = sessionOf(request);
      return { account: s.account, csrfToken: s.csrfToken };
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'POST',
    url: '/api/dashboard/logout',
    response: Ok,
    async handler({ request, reply }) {
      const s = sessionOf(request);
      await deleteSession(app.db, s.tokenHash);
      void reply.header('set-cookie', clearedSessionCookie(forceSecure || request.protocol === 'https'));
      return { ok: true as const };
    },
  });

  dashboardRoute(app, ['admin'], {
    method: 'GET',
    url: '/api/dashboard/accounts',
    response: AccountList,
    async handler() {
      return { accounts: await listAccounts(app.db) };
    },
  });

  dashboardRoute(app, ['admin'], {
    method: 'POST',
    url: '/api/dashboard/accounts',
    status: 201,
    body: NewAccountBody,
    response: Account,
    async handler({ body, request }) {
      const by = sessionOf(request).account;
      try {
        return await app.db.tx(async (q) => {
          const created = await createAccount(q, body, by.id);
          await audit(q, by, 'account.created', created.id, { role: created.role, department: created.department });
          return created;
        });
      } catch (err) {
        if (err instanceof AccountExists) throw new HttpError(409, 'exists', err.message);
        throw err;
      }
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/floor',
    response: FloorView,
    handler: async () => floorCache.get(String(await headVersion(app.db)), async () => CheckedJson.of(FloorView, await loadFloorView(app.db, floorDocs))),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/alerts',
    response: AlertsView,
    async handler({ request }) {
      const [row] = await app.db.query<{ head: number; audit: number | null }>(
        'SELECT (SELECT value FROM change_counter) AS head, (SELECT max(id) FROM dashboard_audit) AS audit',
      );
      const loaded = await alertsCache.get(`${row?.head}:${row?.audit}`, () => loadAlerts(app.db));
      return alertsFor(sessionOf(request).account, loaded);
    },
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/conflicts',
    querystring: ConflictsQuery,
    response: ConflictsView,
    async handler({ query, request }) {
      // Refused events change nothing but the events table, reviews only theirs: both are part of the key.
      const [row] = await app.db.query<{ head: number; events: number; reviews: number | null }>(
        'SELECT value AS head, event_seq AS events, (SELECT max(id) FROM conflict_reviews) AS reviews FROM change_counter',
      );
      const view = await conflictsCaches[query.show].get(`${row?.head}:${row?.events}:${row?.reviews}`, () => loadConflictsView(app.db, query.show));
      return conflictsFor(sessionOf(request).account, view);
    },
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
    async handler() {
      const [row] = await app.db.query<{ head: number; audit: number | null }>(
        'SELECT (SELECT value FROM change_counter) AS head, (SELECT max(id) FROM dashboard_audit) AS audit',
      );
      return ordersCache.get(`${row?.head}:${row?.audit}`, async () => CheckedJson.of(OrdersView, await loadOrdersView(app.db)));
    },
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

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/articles',
    response: ArticleList,
    handler: async () => ({ articles: await listArticles(app.db) }),
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
    handler: async () => fleetCache.get(String(await headVersion(app.db)), async () => CheckedJson.of(FleetView, await loadFleetView(app.db))),
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
  app.get('/api/dashboard/live', { preHandler: liveGuard, exposeHeadRoute: false }, async (request, reply) => {
    live.open(request, reply, sessionOf(request));
  });

  registerReportRoutes(app);
  registerAccountRoutes(app, limits);
  registerRosterRoutes(app);
  registerDashboardScreen(app, opts.screenDir);
}
