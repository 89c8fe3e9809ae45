/** Dashboard test helpers: accounts made straight in the database, and a logged-in session (cookie + CSRF token). */
import type { FastifyInstance } from 'fastify';
import type { Department } from '../../shared/master';
import type { Db } from '../db/types';
import { createAccount } from './accounts';
import { CSRF_HEADER, type DashboardRole, type SessionInfo } from './contract';

export const TEST_PASSWORD = 'correct horse battery';

export interface DashboardLogin {
  cookie: string;
  csrfToken: string;
  /** Headers for a read (cookie) and for a write (cookie + CSRF). */
  read: Record<string, string>;
  write: Record<string, string>;
}

export async function makeAccount(db: Db, id: string, role: DashboardRole, department: Department | null = null): Promise<void> {
  await createAccount(db, { id, name: id, role, department, password: TEST_PASSWORD }, null);
}

/** Logs in through the real route; throws with the answer when it fails. */
export async function loginAs(app: FastifyInstance, id: string, password: string = TEST_PASSWORD): Promise<DashboardLogin> {
  const res = await app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { username: id, password } });
  if (res.statusCode !== 200) throw new Error(`login ${id}: ${res.statusCode} ${res.body}`);
  const setCookie = res.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('login set no cookie');
  const cookie = first.split(';')[0] as string;
  const { csrfToken } = res.json<SessionInfo>();
  return { cookie, csrfToken, read: { cookie }, write: { cookie, [CSRF_HEADER]: csrfToken } };
}
