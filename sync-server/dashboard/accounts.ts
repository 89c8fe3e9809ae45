/**
 * Dashboard accounts: created by an admin (or, the first one, by `npm run admin:create`), never by a station. An admin
 * disables or enables an account and resets its password; everyone changes their own (routes in accounts-routes.ts).
 * Disabling or resetting ends the account's sessions at once, on every instance (the sessions table is shared; the
 * `qsf_dashboard_sessions` notice closes their live streams, live.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/types';
import { Account, DashboardRole, type AccountList, type NewAccountBody } from './contract';
import { hashPassword } from './passwords';
import { SESSIONS_CHANNEL } from './sessions';

export interface StoredAccount extends Account {
  passwordHash: string;
  disabled: boolean;
  /** Set by an admin (created or reset): changed by its owner at the next login before anything else. */
  mustChangePassword: boolean;
}

interface AccountRow extends Record<string, unknown> {
  id: string;
  name: string;
  role: string;
  department: string | null;
  password_hash: string;
  disabled_at: Date | null;
  must_change_password: boolean;
}

const COLUMNS = 'id, name, role, department, password_hash, disabled_at, must_change_password';

function fromRow(r: AccountRow): StoredAccount {
  return { id: r.id, name: r.name, role: DashboardRole.parse(r.role), department: r.department, passwordHash: r.password_hash, disabled: r.disabled_at !== null, mustChangePassword: r.must_change_password };
}

export async function findAccount(q: Queryable, id: string): Promise<StoredAccount | null> {
  const [row] = await q.query<AccountRow>(`SELECT ${COLUMNS} FROM dashboard_accounts WHERE id = $1`, [id]);
  return row ? fromRow(row) : null;
}

/** Every account as the Accounts view lists it (never a hash): disabled, and still to change a password an admin set. */
export async function listAccounts(q: Queryable): Promise<AccountList['accounts']> {
  const rows = await q.query<AccountRow>(`SELECT ${COLUMNS} FROM dashboard_accounts ORDER BY id`);
  return rows.map(fromRow).map(({ passwordHash: _hash, ...a }) => a);
}

export class AccountExists extends Error {}

/**
 * Inserts the account; AccountExists when the user name is taken (nothing changed). `mustChangePassword`: the password
 * is someone else's choice (an admin's), so its owner changes it at the next login.
 */
export async function createAccount(q: Queryable, a: NewAccountBody, createdBy: string | null, mustChangePassword = false): Promise<Account> {
  const hash = await hashPassword(a.password);
  const rows = await q.query<{ id: string }>(
    `INSERT INTO dashboard_accounts (id, name, role, department, password_hash, created_by, must_change_password)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [a.id, a.name, a.role, a.department, hash, createdBy, mustChangePassword],
  );
  if (rows.length === 0) throw new AccountExists(`user ${a.id} already exists`);
  return { id: a.id, name: a.name, role: a.role, department: a.department };
}

export async function adminExists(q: Queryable): Promise<boolean> {
  const [row] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM dashboard_accounts WHERE role = 'admin' AND disabled_at IS NULL");
  return (row?.n ?? 0) > 0;
}

/**
 * An admin's step on another account, locked in one transaction: the acting admin's row and the target's, in id
 * order (two admins disabling each other at once: the second finds itself disabled and changes nothing). The admin
 * may not act on their own account this way (they change their own password with the old one; disabling oneself
 * could leave no admin). Throws AccountRefused; returns the target as it was.
 */
export class AccountRefused extends Error {
  constructor(
    readonly status: 401 | 404 | 409,
    readonly code: 'login_required' | 'not_found' | 'own_account',
    message: string,
  ) {
    super(message);
  }
}

async function lockForAdminStep(q: Queryable, actorId: string, targetId: string): Promise<StoredAccount> {
  if (actorId === targetId) throw new AccountRefused(409, 'own_account', 'not on your own account: change your own password with the old one');
  const rows = await q.query<AccountRow>(
    `SELECT ${COLUMNS} FROM dashboard_accounts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`,
    [[actorId, targetId]],
  );
  const actor = rows.find((r) => r.id === actorId);
  if (!actor || actor.disabled_at !== null) throw new AccountRefused(401, 'login_required', 'your account was disabled meanwhile');
  const target = rows.find((r) => r.id === targetId);
  if (!target) throw new AccountRefused(404, 'not_found', `no account ${targetId}`);
  return fromRow(target);
}

/** Ends every session of the account (the table is every instance's; live.ts closes their streams on the notice). */
export async function endSessionsOf(q: Queryable, accountId: string, keepTokenHash: string | null = null): Promise<number> {
  const rows = await q.query('DELETE FROM dashboard_sessions WHERE account_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING 1', [accountId, keepTokenHash]);
  await q.query('SELECT pg_notify($1, $2)', [SESSIONS_CHANNEL, accountId]);
  return rows.length;
}

/** Disables (its sessions end at once, a later enable does not revive them) or enables an account; false: no change. */
export async function setAccountDisabled(q: Queryable, actorId: string, targetId: string, disabled: boolean): Promise<{ changed: boolean; endedSessions: number }> {
  const target = await lockForAdminStep(q, actorId, targetId);
  if (target.disabled === disabled) return { changed: false, endedSessions: 0 };
  await q.query('UPDATE dashboard_accounts SET disabled_at = CASE WHEN $2::boolean THEN now() END WHERE id = $1', [targetId, disabled]);
  return { changed: true, endedSessions: disabled ? await endSessionsOf(q, targetId) : 0 };
}

/** A password nobody chose: 16 characters of base64url (96 bits), shown once to the admin. */
export function generatedPassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * An admin sets another account's password (hashed by the caller, before the transaction); its sessions end, and its
 * owner must change it at the next login (the admin knows it).
 */
export async function resetPassword(q: Queryable, actorId: string, targetId: string, passwordHash: string): Promise<{ endedSessions: number }> {
  await lockForAdminStep(q, actorId, targetId);
  await q.query('UPDATE dashboard_accounts SET password_hash = $2, must_change_password = true WHERE id = $1', [targetId, passwordHash]);
  return { endedSessions: await endSessionsOf(q, targetId) };
}

/**
 * The logged-in person's own new password (the old one checked, the new one hashed by the caller); their other
 * sessions end, and a change an admin's password asked for is done.
 */
export async function changeOwnPassword(q: Queryable, accountId: string, passwordHash: string, keepTokenHash: string): Promise<{ endedSessions: number }> {
  await q.query('UPDATE dashboard_accounts SET password_hash = $2, must_change_password = false WHERE id = $1', [accountId, passwordHash]);
  return { endedSessions: await endSessionsOf(q, accountId, keepTokenHash) };
}
