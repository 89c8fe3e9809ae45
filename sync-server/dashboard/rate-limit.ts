/**
 * Login rate limiting, in PostgreSQL so that every server instance counts the same failures: at most
 * `perAccount` failed logins per user name and `perIp` per client address within `windowSeconds`. Checked BEFORE the
 * password is (so a guesser learns nothing once limited, even with the right password), answered 429 with
 * Retry-After: the seconds until the oldest failure counted leaves the window.
 */
import type { Queryable } from '../db/types';

export interface LoginLimits {
  perAccount: number;
  perIp: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perIp: 20, windowSeconds: 15 * 60 };

export const limitKeys = (accountId: string, ip: string | undefined) => ({ account: `account:${accountId}`, ip: `ip:${ip ?? 'unknown'}` });

/** Seconds to wait before another attempt, or null when one may be made now. */
export async function loginRetryAfter(q: Queryable, keys: { account: string; ip: string }, limits: LoginLimits): Promise<number | null> {
  const rows = await q.query<{ key: string; n: number; wait: number }>(
    `SELECT key, count(*)::int AS n,
            ceil(extract(epoch FROM (min(at) + make_interval(secs => $2) - now())))::int AS wait
       FROM dashboard_login_failures
      WHERE key = ANY($1::text[]) AND at > now() - make_interval(secs => $2)
      GROUP BY key`,
    [[keys.account, keys.ip], limits.windowSeconds],
  );
  let wait: number | null = null;
  for (const r of rows) {
    const limit = r.key === keys.account ? limits.perAccount : limits.perIp;
    if (r.n >= limit) wait = Math.max(wait ?? 1, r.wait, 1);
  }
  return wait;
}

export async function recordLoginFailure(q: Queryable, keys: { account: string; ip: string }, limits: LoginLimits): Promise<void> {
  await q.query(
    `WITH gone AS (DELETE FROM dashboard_login_failures WHERE key = ANY($1::text[]) AND at <= now() - make_interval(secs => $2))
     INSERT INTO dashboard_login_failures (key) SELECT unnest($1::text[])`,
    [[keys.account, keys.ip], limits.windowSeconds],
  );
}

/** A successful login forgets the account's failures (not the address's: one good password does not vouch for it). */
export async function clearAccountFailures(q: Queryable, accountKey: string): Promise<void> {
  await q.query('DELETE FROM dashboard_login_failures WHERE key = $1', [accountKey]);
}
