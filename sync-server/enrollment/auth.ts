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
