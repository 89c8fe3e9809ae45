/** Dashboard accounts: created by an admin (or, the first one, by `npm run admin:create`), never by a station. */
import type { Queryable } from '../db/types';
import { Account, DashboardRole, type NewAccountBody } from './contract';
import { hashPassword } from './passwords';

export interface StoredAccount extends Account {
  passwordHash: string;
  disabled: boolean;
}

interface AccountRow extends Record<string, unknown> {
  id: string;
  name: string;
  role: string;
  department: string | null;
  password_hash: string;
  disabled_at: Date | null;
}

function fromRow(r: AccountRow): StoredAccount {
  return { id: r.id, name: r.name, role: DashboardRole.parse(r.role), department: r.department, passwordHash: r.password_hash, disabled: r.disabled_at !== null };
}

export async function findAccount(q: Queryable, id: string): Promise<StoredAccount | null> {
  const [row] = await q.query<AccountRow>('SELECT id, name, role, department, password_hash, disabled_at FROM dashboard_accounts WHERE id = $1', [id]);
  return row ? fromRow(row) : null;
}

export async function listAccounts(q: Queryable): Promise<(Account & { disabled: boolean })[]> {
  const rows = await q.query<AccountRow>('SELECT id, name, role, department, password_hash, disabled_at FROM dashboard_accounts ORDER BY id');
  return rows.map(fromRow).map(({ passwordHash: _hash, ...a }) => a);
}

export class AccountExists extends Error {}

/** Inserts the account; AccountExists when the user name is taken (nothing changed). */
export async function createAccount(q: Queryable, a: NewAccountBody, createdBy: string | null): Promise<Account> {
  const hash = await hashPassword(a.password);
  const rows = await q.query<{ id: string }>(
    `INSERT INTO dashboard_accounts (id, name, role, department, password_hash, created_by)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [a.id, a.name, a.role, a.department, hash, createdBy],
  );
  if (rows.length === 0) throw new AccountExists(`user ${a.id} already exists`);
  return { id: a.id, name: a.name, role: a.role, department: a.department };
}

export async function adminExists(q: Queryable): Promise<boolean> {
  const [row] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM dashboard_accounts WHERE role = 'admin' AND disabled_at IS NULL");
  return (row?.n ?? 0) > 0;
}
