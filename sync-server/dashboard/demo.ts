/**
 * The demo floor's (`npm start`) dashboard login: an admin account made on the first start, its password kept in
 * the floor folder (`dashboard-login`, private) so every later start prints the same one. A real installation makes
 * its first admin with `npm run admin:create` instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writePrivateFileAtomic } from '../../shared/node/private-files';
import type { Db } from '../db/types';
import { createAccount, findAccount } from './accounts';

const DemoLogin = z.object({ user: z.string(), password: z.string() });
export type DemoLogin = z.infer<typeof DemoLogin>;

export async function demoDashboardLogin(db: Db, floorDir: string): Promise<DemoLogin> {
  const file = join(floorDir, 'dashboard-login');
  if (existsSync(file)) {
    const kept = DemoLogin.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (kept.success && (await findAccount(db, kept.data.user))) return kept.data;
  }
  const login = { user: 'admin', password: randomBytes(9).toString('base64url') };
  if (await findAccount(db, login.user)) login.user = `admin-${randomBytes(2).toString('hex')}`;
  await createAccount(db, { id: login.user, name: 'Demo admin', role: 'admin', department: null, password: login.password }, null);
  writePrivateFileAtomic(file, JSON.stringify(login));
  return login;
}
