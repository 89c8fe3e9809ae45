import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Db } from '../db/types';
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

/**
 * `Authorization: Bearer <station token>` -> `request.station`. Looked up on every request (one indexed read), with
 * no cache, so a revoked token is refused from the very next request.
 */
export function stationAuthenticator(db: Db): preHandlerAsyncHookHandler {
  return async function authenticateStation(request: FastifyRequest, _reply: FastifyReply) {
    const token = bearer(request);
    if (!token) throw new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <station token>');
    const [row] = await db.query<{ id: string; department: string; revoked_at: Date | null }>(
      'SELECT id, department, revoked_at FROM stations WHERE token_hash = $1',
      [sha256Hex(token)],
    );
    if (!row || row.revoked_at) throw new HttpError(401, 'unauthorized', 'unknown or revoked station token');
    request.station = { id: row.id, department: row.department };
  };
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
