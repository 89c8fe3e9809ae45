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
 * NOTIFY channel: the payload is an account id whose sessions were ended (disabled, password reset or changed, a
 * logout). Every instance re-checks that account's live streams at once (live.ts) instead of at its next heartbeat,
 * and forgets its cached sessions (SessionCache).
 */
export const SESSIONS_CHANNEL = 'qsf_dashboard_sessions';
/** A session ends this long after login (a shift and a half), or at logout. */
export const SESSION_HOURS = 12;

export interface Session {
  tokenHash: string;
  csrfToken: string;
  account: Account;
  /** The account's password was set by an admin: only the password change, the session and logout until it changes (access.ts). */
  mustChangePassword: boolean;
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
  return (await findSessionUntil(q, token))?.session ?? null;
}

/** findSession, with when the session expires (ms since the epoch, by the database's clock). */
async function findSessionUntil(q: Queryable, token: string): Promise<{ session: Session; expiresMs: number } | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const tokenHash = sha256Hex(token);
  const [row] = await q.query<{ csrf_token: string; id: string; name: string; role: string; department: string | null; must_change_password: boolean; expires_ms: number }>(
    `SELECT s.csrf_token, a.id, a.name, a.role, a.department, a.must_change_password, (extract(epoch FROM s.expires_at) * 1000)::float8 AS expires_ms
       FROM dashboard_sessions s JOIN dashboard_accounts a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL`,
    [tokenHash],
  );
  if (!row) return null;
  return {
    session: {
      tokenHash,
      csrfToken: row.csrf_token,
      account: { id: row.id, name: row.name, role: DashboardRole.parse(row.role), department: row.department },
      mustChangePassword: row.must_change_password,
    },
    expiresMs: Number(row.expires_ms),
  };
}

/**
 * Sessions found in the last `ttlMs` (1 s), so a dashboard's requests do not each ask the database who is calling:
 * every open dashboard re-reads after each change, and those lookups took pool connections the stations' pushes
 * wait for (the dashboard benchmark). An ended session still ends at once: whatever ends sessions (logout, an account
 * disabled, a password reset or changed) notifies `qsf_dashboard_sessions` with the account id, and every instance
 * forgets that account's sessions when it hears it (routes.ts); the instance that ended them forgets them itself
 * after its commit too (`forget`), so its next request is refused without waiting for the notice. A lookup that
 * started before a `forget` is not kept (the generation moved), so it cannot bring back what was forgotten. A lost
 * LISTEN connection (`clear`) forgets everything. An entry never outlives the session's own expiry.
 */
export class SessionCache {
  private readonly byHash = new Map<string, { session: Session; until: number; expiresMs: number }>();
  private generation = 0;

  constructor(private readonly ttlMs = 1_000) {}

  async find(q: Queryable, token: string): Promise<Session | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const now = Date.now();
    const hit = this.byHash.get(sha256Hex(token));
    if (hit && hit.until > now && hit.expiresMs > now) return hit.session;
    const generation = this.generation;
    const found = await findSessionUntil(q, token);
    if (!found) return null;
    if (generation === this.generation) {
      if (this.byHash.size >= MAX_CACHED_SESSIONS) this.sweep();
      this.byHash.set(found.session.tokenHash, { session: found.session, until: Date.now() + this.ttlMs, expiresMs: found.expiresMs });
    }
    return found.session;
  }

  /** Forgets the sessions of `accountId` (they were ended, or may have been). */
  forget(accountId: string): void {
    this.generation++;
    for (const [hash, e] of this.byHash) if (e.session.account.id === accountId) this.byHash.delete(hash);
  }

  /** Forgets every session (a notice may have been missed). */
  clear(): void {
    this.generation++;
    this.byHash.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [hash, e] of this.byHash) if (e.until <= now) this.byHash.delete(hash);
    if (this.byHash.size >= MAX_CACHED_SESSIONS) this.byHash.clear();
  }
}

const MAX_CACHED_SESSIONS = 10_000;

/** The session is still there, unexpired, its account not disabled (what a live stream re-checks). */
export async function sessionAlive(q: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await q.query(
    `SELECT 1 FROM dashboard_sessions s JOIN dashboard_accounts a ON a.id = s.account_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND a.disabled_at IS NULL`,
    [tokenHash],
  );
  return rows.length > 0;
}

/** Ends one session (logout); every instance forgets its account's cached sessions (SessionCache) on the notice. */
export async function deleteSession(q: Queryable, tokenHash: string, accountId: string): Promise<void> {
  await q.query(
    `WITH gone AS (DELETE FROM dashboard_sessions WHERE token_hash = $1 RETURNING 1)
     SELECT pg_notify($2, $3) FROM gone`,
    [tokenHash, SESSIONS_CHANNEL, accountId],
  );
}
