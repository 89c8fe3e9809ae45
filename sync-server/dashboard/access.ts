/**
 * Every dashboard API route goes through `dashboardRoute`, which states who may call it and checks it before the
 * handler runs: a session cookie (401 without one), a role among `roles` (403 otherwise) and, for anything but a read,
 * the session's CSRF token in `x-csrf-token` (403 without it). The access each route declares is kept in
 * `app.dashboardAccess`, and the authorization test (dashboard/authorization.test.ts) walks every route the app
 * registered: a route that declares nothing, or does not enforce what it declares, fails it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods, preHandlerAsyncHookHandler } from 'fastify';
import type { z } from 'zod';
import { HttpError, route, type RouteDef } from '../http/route';
import { secretEquals } from '../enrollment/secrets';
import { CSRF_HEADER, type DashboardRole } from './contract';
import { readCookie, SESSION_COOKIE, type Session, type SessionCache } from './sessions';

export interface DashboardAccess {
  roles: readonly DashboardRole[];
  /** Changes something: needs the CSRF token too. */
  write: boolean;
  /**
   * Open to a session whose password an admin set and its owner has not changed yet (the session itself, logout, the
   * password change); every other route answers it 403 password_change_required.
   */
  beforePasswordChange?: boolean;
}

/** For dashboardRoute's `extra`: the routes a session that must change its password may use. */
export const BEFORE_PASSWORD_CHANGE = { beforePasswordChange: true } as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Declared access of each dashboard route, by `METHOD url` (see the header). */
    dashboardAccess: Map<string, DashboardAccess>;
    /** Sessions looked up in the last second (sessions.ts SessionCache; set by registerDashboard). */
    dashboardSessions: SessionCache;
  }
  interface FastifyRequest {
    /** Set by the dashboard's guard; null elsewhere. */
    dashboardSession: Session | null;
  }
}

export const accessKey = (method: string, url: string) => `${method.toUpperCase()} ${url}`;

const READS = new Set(['GET', 'HEAD']);

/** The guard itself: session, role, CSRF (in that order, so a stranger learns nothing about roles). */
export function dashboardGuard(access: DashboardAccess): preHandlerAsyncHookHandler {
  return async function requireDashboardAccess(request: FastifyRequest, _reply: FastifyReply) {
    const token = readCookie(request, SESSION_COOKIE);
    const session = token ? await request.server.dashboardSessions.find(request.server.db, token) : null;
    if (!session) throw new HttpError(401, 'login_required', 'log in to the dashboard first');
    if (!access.roles.includes(session.account.role)) {
      throw new HttpError(403, 'forbidden_role', `a ${session.account.role} may not do this (needs ${access.roles.join(' or ')})`);
    }
    if (access.write || !READS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !secretEquals(sent, session.csrfToken)) {
        throw new HttpError(403, 'csrf_token_missing', `send the session's CSRF token in ${CSRF_HEADER}`);
      }
    }
    if (session.mustChangePassword && !access.beforePasswordChange) {
      throw new HttpError(403, 'password_change_required', 'an admin set your password: change it (POST /api/dashboard/session/password) before anything else');
    }
    request.dashboardSession = session;
  };
}

/** The session the guard found (every dashboard handler runs behind it). */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.dashboardSession) throw new HttpError(401, 'login_required', 'log in to the dashboard first');
  return request.dashboardSession;
}

/** A zod-checked route (http/route.ts) behind the dashboard guard, its access recorded for the authorization test. */
export function dashboardRoute<P extends z.ZodType | undefined, Q extends z.ZodType | undefined, B extends z.ZodType | undefined, R extends z.ZodType>(
  app: FastifyInstance,
  roles: readonly DashboardRole[],
  def: Omit<RouteDef<P, Q, B, R>, 'preHandler'> & { method: HTTPMethods },
  extra: Pick<DashboardAccess, 'beforePasswordChange'> = {},
): void {
  const access: DashboardAccess = { roles, write: !READS.has(def.method), ...extra };
  app.dashboardAccess.set(accessKey(def.method, def.url), access);
  if (def.method === 'GET') app.dashboardAccess.set(accessKey('HEAD', def.url), access);
  route(app, { ...def, preHandler: dashboardGuard(access) });
}

/** Records an access for a route registered by hand (the live stream, which hijacks its response). */
export function declareAccess(app: FastifyInstance, method: string, url: string, access: DashboardAccess): preHandlerAsyncHookHandler {
  app.dashboardAccess.set(accessKey(method, url), access);
  return dashboardGuard(access);
}
