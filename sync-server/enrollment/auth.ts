import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Db } from '../db/types';
import { STATION_TOKEN_REJECTED } from '../../shared/sync';
import { HttpError } from '../http/route';
import { secretEquals, sha256Hex } from './secrets';

export interface AuthenticatedStation {
  id: string;
  department: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `app.authenticateStation`; null on routes without it. */
    station: AuthenticatedStation | null;
  }
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

/** Hooks that keep cached credentials honest: revocations (any instance, via NOTIFY) and LISTEN gaps. */
export interface CredentialEvents {
  onAnyRevoked(cb: (stationId: string) => void): () => void;
  onGap(cb: () => void): () => void;
}

/** How long a verified token is trusted without asking the database again (revocation drops it at once). */
export const TOKEN_CACHE_MS = 5_000;

/**
 * `Authorization: Bearer <station token>` -> `request.station`. A verified token is cached for a few seconds: a
 * station pushing and pulling all day would otherwise cost one database round trip per request. A revocation
 * (on any server instance: NOTIFY) drops the station's cached tokens at once, a lost LISTEN connection drops them
 * all, and a re-enrollment on this instance drops the replaced token (`forgetStation`); on another instance the
 * replaced token lives at most TOKEN_CACHE_MS.
 */
export function stationAuthenticator(db: Db, events?: CredentialEvents): preHandlerAsyncHookHandler & { forgetStation(id: string): void } {
  const cache = new Map<string, { station: AuthenticatedStation; until: number }>();
  const forgetStation = (id: string) => {
    for (const [k, v] of cache) if (v.station.id === id) cache.delete(k);
  };
  events?.onAnyRevoked(forgetStation);
  events?.onGap(() => cache.clear());
  const authenticateStation = async function authenticateStation(request: FastifyRequest, _reply: FastifyReply) {
    const token = bearer(request);
    if (!token) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <station token>');
    const hash = sha256Hex(token);
    const hit = events ? cache.get(hash) : undefined;
    if (hit && hit.until > Date.now()) {
      request.station = hit.station;
      return;
    }
    const [row] = await db.query<{ id: string; department: string; revoked_at: Date | null }>(
      'SELECT id, department, revoked_at FROM stations WHERE token_hash = $1',
      [hash],
    );
    if (!row || row.revoked_at) {
      cache.delete(hash);
      throw new HttpError(401, STATION_TOKEN_REJECTED, 'unknown or revoked station token');
    }
    request.station = { id: row.id, department: row.department };
    if (events) {
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { station: request.station, until: Date.now() + TOKEN_CACHE_MS });
    }
  };
  return Object.assign(authenticateStation, { forgetStation });
}

/**
 * Admin routes (issuing enrollment codes, revoking) until the dashboard has its own login: a shared ADMIN_TOKEN.
 * Without one configured the admin API is off rather than open.
 */
export function adminAuthenticator(adminToken: string | null | undefined): preHandlerAsyncHookHandler {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply) {
    if (!adminToken) throw new HttpError(403, 'admin_disabled', 'admin API disabled: set ADMIN_TOKEN');
    const token = bearer(request);
    if (!token || !secretEquals(token, adminToken)) throw new HttpError(401, 'unauthorized', 'admin token required');
  };
}

/**
 * For routes that answer everyone but tell the office more (`/health`): 'anonymous' without an Authorization
 * header, 'admin' with the admin token, and a 401 for any other credentials (a wrong token in a monitoring
 * config should be seen, not silently answered with less).
 */
export function adminOrAnonymous(adminToken: string | null | undefined): (request: FastifyRequest) => 'admin' | 'anonymous' {
  return (request) => {
    if (request.headers.authorization === undefined) return 'anonymous';
    const token = bearer(request);
    if (adminToken && token && secretEquals(token, adminToken)) return 'admin';
    throw new HttpError(401, 'unauthorized', 'admin token required for details; send no Authorization header for up/down only');
  };
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener reports ::ffff:127.0.0.1). */
export function isLoopback(ip: string | undefined): boolean {
  if (!ip) return false;
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/**
 * `/metrics` names every station and device with its backlog and clock skew. With a metrics token configured it
 * needs `Bearer <metrics token>` (or the admin token) from everyone; without one it answers only this machine
 * (loopback), so a server listening on the floor network does not hand that out by default.
 */
export function metricsAuthenticator(metricsToken: string | null | undefined, adminToken: string | null | undefined): preHandlerAsyncHookHandler {
  return async function requireMetricsAccess(request: FastifyRequest, _reply: FastifyReply) {
    const token = bearer(request);
    const ok = (secret: string | null | undefined) => !!secret && !!token && secretEquals(token, secret);
    if (ok(metricsToken) || ok(adminToken)) return;
    if (metricsToken) {
      throw new HttpError(401, 'unauthorized', 'metrics token required: Authorization: Bearer <METRICS_TOKEN>', undefined, {
        'www-authenticate': 'Bearer realm="metrics"',
      });
    }
    if (!isLoopback(request.socket.remoteAddress)) {
      throw new HttpError(403, 'metrics_local_only', 'metrics are served to this machine only: set METRICS_TOKEN to scrape from elsewhere');
    }
  };
}
