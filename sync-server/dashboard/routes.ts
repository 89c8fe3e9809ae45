/**
 * The supervisors' dashboard, as one plugin of the sync server: login/logout, accounts, the Floor and Alerts views,
 * the live channel and the screen itself. Every API route is a `dashboardRoute` (access.ts): session, role and, for
 * writes, CSRF checked before anything else. Only `POST /api/dashboard/login` and the screen's files are public.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CheckedJson, HttpError, route } from '../http/route';
import { BEFORE_PASSWORD_CHANGE, declareAccess, dashboardRoute, sessionOf } from './access';
import { findAccount } from './accounts';
import { registerAccountRoutes } from './accounts-routes';
import { alertsFor, loadAlerts, recordAlertAction, type LoadedAlert } from './alerts';
import { audit } from './audit';
import { AlertAction, AlertActionBody, ALERTS_LISTS, AlertsView, ApprovedOrder, ConflictReviewBody, CONFLICTS_LISTS, ConflictsQuery, ConflictsView, CsvImportBody, FLEET_LISTS, FleetView, FLOOR_LISTS, ImportResult, IssuedCode, NewStationCode, ORDERS_LISTS, RevokedStation, DASHBOARD_ROLES, FloorView, LoginBody, NewOrderBody, Ok, OrdersView, SessionInfo, ViewsQuery, ViewsUpdate, type Account as AccountType, type ConflictsShow } from './contract';
import { MoId } from '../../shared/master';
import { approveDraft, createDraft, loadOrdersView, OrderDocuments } from './orders';
import { importArticles } from './articles';
import { registerArticleRoutes } from './articles-routes';
import { importRoster } from './roster-import';
import { issueStationCode, loadFleetView, revokeFromDashboard, StationParam } from './fleet';
import { conflictsFor, loadConflictsView, recordReview } from './conflicts';
import { FloorDocuments, loadFloorView } from './floor-view';
import { LiveViewCache } from './live-view-cache';
import { FreshRead } from './fresh-read';
import { ViewRevisions } from './view-revisions';
import { DashboardLive, DEFAULT_LIVE, VIEW_INTERVAL_MS, type LiveOptions } from './live';

const VIEW_MAX_AGE_MS = 5_000;
/** How long a view's computation waits for the rest of the dashboards that a `change` makes ask (live-view-cache.ts). */
const VIEW_GATHER_MS = 20;
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
  const live = new DashboardLive(app.db, { ...DEFAULT_LIVE, ...opts.live });
  await live.start();
  // preClose: open streams would keep server.close() waiting.
  app.addHook('preClose', async () => {
    await live.stop();
    await unlistenSessions();
  });
  const views = dashboardViews(app);
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
    handler: async ({ query, request }) => CheckedJson.joined(ViewsUpdate, await views.update(await views.asked(), sessionOf(request).account, query)),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/floor',
    response: FloorView,
    handler: async () => CheckedJson.joined(FloorView, (await views.floor(await views.asked())).whole()),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/alerts',
    response: AlertsView,
    handler: async ({ request }) => CheckedJson.joined(AlertsView, (await views.alerts(await views.asked(), sessionOf(request).account)).whole()),
  });

  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/conflicts',
    querystring: ConflictsQuery,
    response: ConflictsView,
    handler: async ({ query, request }) => CheckedJson.joined(ConflictsView, (await views.conflicts(await views.asked(), query.show, sessionOf(request).account)).whole()),
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
    handler: async () => CheckedJson.joined(OrdersView, (await views.orders(await views.asked())).whole()),
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
    handler: async () => CheckedJson.joined(FleetView, (await views.fleet(await views.asked())).whole()),
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
  registerArticleRoutes(app);
  registerDashboardScreen(app, opts.screenDir);
}

/** What a view's freshness is judged by: the change counter, the events' counter, the audit's and reviews' last ids. */
interface ViewKeys {
  head: number;
  events: number;
  audit: number | null;
  reviews: number | null;
}

/** A request for views: when it arrived, and the change keys read after that. */
interface Asked {
  arrived: number;
  keys: ViewKeys;
}

/**
 * The live views of every dashboard on this instance, each computed once for all the dashboards asking at about the
 * same time and at most 4 times a second however busy the floor (live-view-cache.ts; the load test and the dashboard
 * benchmark measured why), and kept as revisions (view-revisions.ts), so a dashboard is sent what changed since what
 * it holds. Alerts and Conflicts say what each viewer may do: worked out once per computation and viewer, not per
 * request.
 */
function dashboardViews(app: FastifyInstance) {
  /** This instance's name in the screen's revisions: another instance's (or an earlier run's) revisions mean nothing here. */
  const instance = randomBytes(9).toString('base64url');
  const keys = new FreshRead(async (): Promise<ViewKeys> => {
    const [row] = await app.db.query<{ head: number; events: number; audit: number | null; reviews: number | null }>(
      'SELECT value AS head, event_seq AS events, (SELECT max(id) FROM dashboard_audit) AS audit, (SELECT max(id) FROM conflict_reviews) AS reviews FROM change_counter',
    );
    return { head: Number(row?.head ?? 0), events: Number(row?.events ?? 0), audit: row?.audit ?? null, reviews: row?.reviews ?? null };
  });
  const asked = async (): Promise<Asked> => {
    const arrived = performance.now();
    return { arrived, keys: await keys.get() };
  };
  /** A view's cache, keyed by what it is computed from. */
  const cache = <T>(keyOf: (k: ViewKeys) => string) => {
    const c = new LiveViewCache<T>({ maxAgeMs: VIEW_MAX_AGE_MS, minIntervalMs: VIEW_INTERVAL_MS, gatherMs: VIEW_GATHER_MS }, async () => keyOf(await keys.get()));
    return (a: Asked, compute: () => Promise<T>) => c.get(a.arrived, keyOf(a.keys), compute);
  };
  // Heartbeats move no change number: the view's age bound (5 s) is how fresh station health is, as on the Floor.
  const byHead = (k: ViewKeys) => String(k.head);
  // Orders and alerts also change by dashboard steps (drafts, audited); refused events change nothing but the events
  // table, and reviews only theirs: each is part of the key of what it changes.
  const byAudit = (k: ViewKeys) => `${k.head}:${k.audit}`;
  const byEvents = (k: ViewKeys) => `${k.head}:${k.events}:${k.reviews}`;

  // The floor's documents in memory, read since the last computation only (floor-view.ts).
  const floorDocs = new FloorDocuments();
  // The released MOs and their work orders' progress, likewise (orders.ts).
  const orderDocs = new OrderDocuments();
  const floorRevs = new ViewRevisions(FloorView, FLOOR_LISTS);
  const ordersRevs = new ViewRevisions(OrdersView, ORDERS_LISTS);
  const fleetRevs = new ViewRevisions(FleetView, FLEET_LISTS);
  const floorCache = cache<typeof floorRevs>(byHead);
  const ordersCache = cache<typeof ordersRevs>(byAudit);
  const fleetCache = cache<typeof fleetRevs>(byHead);
  const alertsCache = cache<LoadedAlert[]>(byAudit);
  // One cache per filter: a cache computes one view (its waiting requests share that computation).
  const conflictsCaches = { open: cache<ConflictsView>(byEvents), resolved: cache<ConflictsView>(byEvents) };
  /** The last computation's value while it is the same as the new one: what was worked out per viewer from it stays. */
  const sameAsBefore = <T>() => {
    let last: { json: string; value: T } | null = null;
    return (value: T): T => {
      const json = JSON.stringify(value);
      if (last?.json === json) return last.value;
      last = { json, value };
      return value;
    };
  };
  const stableAlerts = sameAsBefore<LoadedAlert[]>();
  const stableConflicts: Record<ConflictsShow, (v: ConflictsView) => ConflictsView> = { open: sameAsBefore(), resolved: sameAsBefore() };
  /** Per viewer (id, role and department: what alertsFor and conflictsFor read) and what it was worked out from. */
  const perViewer = <From, S extends z.ZodObject>(schema: S, lists: Readonly<Record<string, string>>) => {
    const byViewer = new Map<string, { from: From; revs: ViewRevisions<S> }>();
    return (viewer: AccountType, from: From, make: () => z.input<S>): ViewRevisions<S> => {
      const id = `${viewer.id}\u0000${viewer.role}\u0000${viewer.department ?? ''}`;
      let e = byViewer.get(id);
      if (!e) {
        e = { from, revs: new ViewRevisions(schema, lists) };
        byViewer.set(id, e);
        e.revs.update(make());
      } else if (e.from !== from) {
        e.from = from;
        e.revs.update(make());
      }
      return e.revs;
    };
  };
  const alertsOf = perViewer<LoadedAlert[], typeof AlertsView>(AlertsView, ALERTS_LISTS);
  const conflictsOf = { open: perViewer<ConflictsView, typeof ConflictsView>(ConflictsView, CONFLICTS_LISTS), resolved: perViewer<ConflictsView, typeof ConflictsView>(ConflictsView, CONFLICTS_LISTS) };

  const floor = (a: Asked) => floorCache(a, async () => (floorRevs.update(await loadFloorView(app.db, floorDocs)), floorRevs));
  const orders = (a: Asked) => ordersCache(a, async () => (ordersRevs.update(await loadOrdersView(app.db, orderDocs)), ordersRevs));
  const fleet = (a: Asked) => fleetCache(a, async () => (fleetRevs.update(await loadFleetView(app.db)), fleetRevs));
  const alerts = async (a: Asked, viewer: AccountType) => {
    const loaded = await alertsCache(a, async () => stableAlerts(await loadAlerts(app.db)));
    return alertsOf(viewer, loaded, () => alertsFor(viewer, loaded));
  };
  const conflicts = async (a: Asked, show: ConflictsShow, viewer: AccountType) => {
    const view = await conflictsCaches[show](a, async () => stableConflicts[show](await loadConflictsView(app.db, show)));
    return conflictsOf[show](viewer, view, () => conflictsFor(viewer, view));
  };

  /** The /views answer: each view's changes since what the screen holds (the whole view when it holds none from here). */
  async function update(k: Asked, viewer: AccountType, held: z.output<typeof ViewsQuery>): Promise<string> {
    const [f, a, c, o, fl] = await Promise.all([floor(k), alerts(k, viewer), conflicts(k, held.show, viewer), orders(k), fleet(k)]);
    const since = (rev: number | undefined) => (held.instance === instance ? (rev ?? null) : null);
    const part = (revs: ViewRevisions<z.ZodObject>, rev: number | undefined) => revs.delta(since(rev)) ?? 'null';
    return (
      `{"instance":${JSON.stringify(instance)},"conflictsShow":${JSON.stringify(held.show)},` +
      `"floor":${part(f, held.floor)},"alerts":${part(a, held.alerts)},"conflicts":${part(c, held.conflicts)},` +
      `"orders":${part(o, held.orders)},"fleet":${part(fl, held.fleet)}}`
    );
  }

  return { asked, floor, alerts, conflicts, orders, fleet, update };
}
