/**
 * `npm run admin:create -- --user <name> [--name "Full Name"]`: the dashboard's first admin, once. The password is
 * read from QSF_ADMIN_PASSWORD or, without it, from stdin (one line; nothing is echoed by this script, so pipe it or
 * type it into a shell with `read -s`). Refuses when an admin exists already: further accounts are made by an admin
 * on the dashboard's API (`POST /api/dashboard/accounts`). The database is the server's: DATABASE_URL, else PGlite
 * in PGLITE_DIR (default .data/pglite); migrations are applied first.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { openDb } from '../db';
import { migrate } from '../db/migrate';
import { adminExists, createAccount } from './accounts';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import { NewAccountBody } from './contract';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

function stop(message: string): never {
  console.error(message);
  process.exit(1);
}

const { values } = parseArgs({ options: { user: { type: 'string' }, name: { type: 'string' } }, strict: true });
if (!values.user) stop('usage: npm run admin:create -- --user <name> [--name "Full Name"]   (password: QSF_ADMIN_PASSWORD or stdin)');
const password = process.env.QSF_ADMIN_PASSWORD ?? (process.stdin.isTTY ? stop('give the password in QSF_ADMIN_PASSWORD or on stdin') : await readStdin());
const parsed = NewAccountBody.safeParse({ id: values.user, name: values.name ?? values.user, role: 'admin', department: null, password });
if (!parsed.success) stop(`admin:create: ${parsed.error.issues.map((i: z.core.$ZodIssue) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);

const db = await openDb({ DATABASE_URL: process.env.DATABASE_URL, PGLITE_DIR: process.env.PGLITE_DIR });
try {
  await migrate(db);
  const created = await dashboardTx(db, async (q) => {
    // Serialised, so two runs at once cannot both find no admin.
    await q.query("SELECT pg_advisory_xact_lock(hashtext('dashboard-first-admin'))");
    if (await adminExists(q)) return null;
    const account = await createAccount(q, parsed.data, null);
    await audit(q, account, 'account.created', account.id, { role: 'admin', by: 'admin:create' }, true);
    return account;
  });
  if (!created) stop('admin:create: an admin exists already; log in as that admin and create accounts on the dashboard');
  console.log(`dashboard admin "${created.id}" created: log in at the sync server's / (e.g. http://127.0.0.1:8787/)`);
} finally {
  await db.close();
}
