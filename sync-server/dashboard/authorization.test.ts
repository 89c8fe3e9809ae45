/**
 * Authorization, route by route: every route the app registers (Fastify's own registry, dashboard/route-registry.ts)
 * must be one of
 * - a dashboard route with declared access (access.ts): refused without a session (401), with a role it does not
 *   allow (403), and, if it writes, without the session's CSRF token (403);
 * - a station route: refused without a station token (401), also for a logged-in dashboard admin;
 * - an office route on the admin token: refused without it (401), also for a logged-in dashboard admin;
 * - on the short public list below.
 * A session whose password an admin set reaches only its own session, logout and the password change.
 * A route that is none of these fails the test, so a new route cannot ship without a check.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appForFile } from '../testing';
import { accessKey } from './access';
import { DASHBOARD_ROLES, type DashboardRole } from './contract';
import { createAccount } from './accounts';
import { loginAs, makeAccount, TEST_PASSWORD, type DashboardLogin } from './testing';

const server = appForFile();

/** Open to anyone, on purpose: liveness, station enrollment (its one-time code is the credential), login, the screen. */
const PUBLIC = new Set(['GET /health', 'HEAD /health', 'POST /api/enroll', 'POST /api/dashboard/login', 'GET /', 'HEAD /', 'GET /assets/:file', 'HEAD /assets/:file']);
/** Station token (Authorization: Bearer <station token>). */
const STATION = new Set(['POST /api/push', 'POST /api/heartbeat', 'POST /api/sscc-leases', 'GET /api/pull', 'HEAD /api/pull', 'GET /api/stream', 'GET /api/stations/:id/public-key', 'HEAD /api/stations/:id/public-key']);
/** The office's admin token. */
const ADMIN_TOKEN = new Set(['POST /api/enrollment-codes', 'POST /api/stations/:id/revoke', 'POST /api/operators', 'POST /api/manufacturing-orders']);
/** This machine only, or the metrics token. */
const LOCAL_OR_TOKEN = new Set(['GET /metrics', 'HEAD /metrics']);

const sessions = new Map<DashboardRole, DashboardLogin>();

beforeAll(async () => {
  for (const role of DASHBOARD_ROLES) {
    await makeAccount(server.db, `user-${role}`, role, role === 'supervisor' ? 'sewing' : null);
    sessions.set(role, await loginAs(server.app, `user-${role}`));
  }
});

/** A concrete URL for a route pattern (the checks run before parameters are parsed). */
const concrete = (url: string) => url.replace(/:alertId/g, '0190b1c2-0000-7000-8000-000000000001').replace(/:[A-Za-z]+/g, 'x1');

function routes() {
  const seen = new Set<string>();
  return server.app.registeredRoutes.filter((r) => {
    const key = accessKey(r.method, r.url);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const inject = (method: string, url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') =>
  server.app.inject({ method: method as 'GET', url: concrete(url), headers, remoteAddress, ...(method === 'GET' || method === 'HEAD' ? {} : { payload: {} }) });

describe('every registered route is checked', () => {
  it('the registry saw the routes (a registry that saw nothing would pass everything below)', () => {
    const keys = routes().map((r) => accessKey(r.method, r.url));
    expect(keys).toEqual(expect.arrayContaining(['POST /api/push', 'GET /api/dashboard/floor', 'POST /api/dashboard/orders', 'POST /api/dashboard/orders/:id/approve', 'POST /api/dashboard/alerts/:alertId/:action', 'GET /api/dashboard/live', 'POST /api/dashboard/accounts', 'POST /api/dashboard/articles', 'PUT /api/dashboard/articles/:code']));
    expect(keys.length).toBeGreaterThan(15);
  });

  it('each route is declared: dashboard access, station token, admin token, or public', () => {
    const undeclared = routes()
      .map((r) => accessKey(r.method, r.url))
      .filter((k) => !server.app.dashboardAccess.has(k) && !PUBLIC.has(k) && !STATION.has(k) && !ADMIN_TOKEN.has(k) && !LOCAL_OR_TOKEN.has(k));
    expect(undeclared, 'routes with no declared access check: declare them (dashboardRoute) or list them here with their check').toEqual([]);
  });

  it('dashboard routes: 401 without a session, 403 for a role they do not allow, 403 for a write without the CSRF token', async () => {
    const problems: string[] = [];
    const dashboard = routes().filter((r) => server.app.dashboardAccess.has(accessKey(r.method, r.url)));
    expect(dashboard.length).toBeGreaterThanOrEqual(8);
    for (const r of dashboard) {
      const key = accessKey(r.method, r.url);
      const access = server.app.dashboardAccess.get(key)!;
      const anon = await inject(r.method, r.url);
      if (anon.statusCode !== 401) problems.push(`${key} without a session: ${anon.statusCode}`);
      const garbage = await inject(r.method, r.url, { cookie: 'qsf_dashboard=' + 'A'.repeat(43) });
      if (garbage.statusCode !== 401) problems.push(`${key} with a made-up session: ${garbage.statusCode}`);
      for (const role of DASHBOARD_ROLES.filter((x) => !access.roles.includes(x))) {
        const res = await inject(r.method, r.url, sessions.get(role)!.write);
        if (res.statusCode !== 403) problems.push(`${key} as ${role}: ${res.statusCode}`);
      }
      if (access.write) {
        const allowed = sessions.get(access.roles[0]!)!;
        const res = await inject(r.method, r.url, allowed.read);
        if (res.statusCode !== 403 || !res.body.includes('csrf_token_missing')) problems.push(`${key} without CSRF as ${access.roles[0]}: ${res.statusCode}`);
      }
      // Declared as a read, it must really be one: Fastify's method says so.
      if (!access.write && !['GET', 'HEAD'].includes(r.method)) problems.push(`${key} changes state but is declared a read`);
    }
    expect(problems).toEqual([]);
  });

  it('a session whose password an admin set: every dashboard route but the session, logout and the password change answers 403 password_change_required', async () => {
    await createAccount(server.db, { id: 'user-forced', name: 'Forced', role: 'admin', department: null, password: TEST_PASSWORD }, 'user-admin', true);
    const forced = await loginAs(server.app, 'user-forced');
    const open: string[] = [];
    const problems: string[] = [];
    for (const r of routes()) {
      const key = accessKey(r.method, r.url);
      const access = server.app.dashboardAccess.get(key);
      if (!access) continue;
      if (access.beforePasswordChange) {
        open.push(key);
        continue;
      }
      const res = await inject(r.method, r.url, forced.write);
      // A HEAD answer has no body to name the code.
      if (res.statusCode !== 403 || (r.method !== 'HEAD' && !res.body.includes('password_change_required'))) problems.push(`${key}: ${res.statusCode}`);
    }
    expect(problems).toEqual([]);
    expect(open.sort()).toEqual(['GET /api/dashboard/session', 'HEAD /api/dashboard/session', 'POST /api/dashboard/logout', 'POST /api/dashboard/session/password']);
  });

  it('station and admin-token routes refuse requests without their token, a dashboard session included', async () => {
    const admin = sessions.get('admin')!;
    const problems: string[] = [];
    for (const r of routes()) {
      const key = accessKey(r.method, r.url);
      if (!STATION.has(key) && !ADMIN_TOKEN.has(key)) continue;
      for (const headers of [{}, admin.write]) {
        const res = await inject(r.method, r.url, headers);
        if (res.statusCode !== 401) problems.push(`${key}${'cookie' in headers ? ' with a dashboard session' : ''}: ${res.statusCode}`);
      }
    }
    for (const key of LOCAL_OR_TOKEN) {
      const [method, url] = key.split(' ') as [string, string];
      const res = await inject(method, url, admin.write, '10.1.2.3');
      if (res.statusCode !== 403) problems.push(`${key} from another machine: ${res.statusCode}`);
    }
    expect(problems).toEqual([]);
  });
});
