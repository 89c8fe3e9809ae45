/**
 * Dashboard sessions, kept in PostgreSQL so every server instance on the database knows them. The cookie holds a
 * random 256-bit token (httpOnly, SameSite=Strict); the table holds only its SHA-256. Each session has its own CSRF
 * token, which the screen reads from `GET /api/dashboard/session` and sends back on every write.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/types';
import { sha256Hex } from '../enrollment/secrets';
import { DashboardRole, type Account } from './contract';

export const SESSION_COOKIE = 'qsf_dashboard';
/**
 * NOTIFY channel: the payload is an account id whose sessions were ended (disabled, password reset or changed).
 * Every instance re-checks that account's live streams at once (live.ts) instead of at its next heartbeat.
 */
export const SESSIONS_CHANNEL = 'qsf_dashboard_sessions';
/** A session ends this long after login (a shift and a half), or at logout. */
export const SESSION_HOURS = 12;

export interface Session {
  tokenHash: string;
  csrfToken: string;
  account: Account;
}

/** `Cookie:` header → the value of `name` (first one), or null. */
export function readCookie(request: FastifyRequest, name: string): string | null {
  const header = request.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

export async function createSession(q: Queryable, accountId: string, ip: string | undefined): Promise<{ token: string; csrfToken: string }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  await q.query(
    `INSERT INTO dashboard_sessions (token_hash, account_id, csrf_token, expires_at, ip)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4), $5)`,
    [sha256Hex(token), accountId, csrfToken, SESSION_HOURS, ip ?? null],
  );
  // Expired sessions go as new ones come (indexed; a handful of rows).
  await q.query('DELETE FROM dashboard_sessions WHERE expires_at < now()');
  return { token, csrfToken };
}

/** The live session the cookie names (not expired, account not disabled), or null. */
export async function findSession(q: Queryable, token: string): Promise<Session | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = sha256Hex(token);
  const [row] = await q.query<{ csrf_token: string; id: string; name: string; role: string; department: string | null }>(
    `SELECT s.csrf_token, a.id, a.name, a.role, a.department
       FROM dashboard_sessions s JOIN dashboard_accounts a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL`,
    [tokenHash],
  );
  if (!row) return null;
  return { tokenHash, csrfToken: row.csrf_token, account: { id: row.id, name: row.name, role: DashboardRole.parse(row.role), department: row.department } };
}

/** The session is still there, unexpired, its account not disabled (what a live stream re-checks). */
export async function sessionAlive(q: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM dashboard_sessions s JOIN dashboard_accounts a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL`,
    [tokenHash],
  );
  return rows.length > 0;
}

export async function deleteSession(q: Queryable, tokenHash: string): Promise<void> {
  await q.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash]);
}
