/**
 * Accounts on a real socket: an admin disables an account (its sessions end at once and its open live stream hears
 * `ended` long before a heartbeat would have checked; enabling it again revives no old session), resets a password
 * (set by the admin or generated and answered once; the account's sessions end; nothing of it recorded), and anyone
 * changes their own password with the old one (wrong: nothing changes, counted like a failed login; right: their other
 * sessions end, this one stays). An admin creates an account with a password typed or generated (answered once);
 * the Accounts list marks each account whose password an admin set and its owner has not changed yet. An admin cannot
 * disable themselves; two admins disabling each other at once leave one.
 * A password an admin set is changed by its owner at the next login before anything else (403 password_change_required
 * on every other route); the owner's own choice, and the demo admin's, are not.
 * On PostgreSQL, a stream held on a second server instance ends as soon as the first one disables its account.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import { TEST_ADMIN_TOKEN } from '../testing';
import type { AccountCreated, AccountState, PasswordReset } from './accounts-contract';
import type { AccountList, SessionInfo } from './contract';
import { demoDashboardLogin } from './demo';
import { loginAs, makeAccount, openLiveStream, TEST_PASSWORD, type DashboardLogin } from './testing';

let db: TestDb;
let app: FastifyInstance;
let base: string;
let office: DashboardLogin;

beforeAll(async () => {
  db = await createTestDb();
  // A heartbeat far beyond the test's waits: whatever ends a stream here is the sessions notice, not the heartbeat.
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: { live: { heartbeatMs: 120_000, coalesceMs: 10 } } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  await makeAccount(db.db, 'office', 'admin');
  office = await loginAs(app, 'office');
});

afterAll(async () => {
  const closing = app?.close();
  app?.server.closeAllConnections();
  await closing;
  await db?.cleanup();
});

const post = (url: string, headers: Record<string, string>, payload?: Record<string, unknown>) =>
  app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
const session = (who: DashboardLogin) => app.inject({ method: 'GET', url: '/api/dashboard/session', headers: who.read });
const login = (username: string, password: string) => app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { username, password } });

async function audited(target: string): Promise<{ action: string; account_id: string; detail: Record<string, unknown> }[]> {
  return db.db.query("SELECT action, account_id, detail FROM dashboard_audit WHERE target = $1 AND action LIKE 'account.%' ORDER BY id", [target]);
}

const openLive = (headers: Record<string, string>) => openLiveStream(base, headers);

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

describe(`dashboard accounts (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('disabling ends the account’s sessions and live stream at once; enabling again revives no old session', async () => {
    await makeAccount(db.db, 'budi', 'supervisor', 'sewing');
    const budi = await loginAs(app, 'budi');
    const other = await loginAs(app, 'budi');
    const stream = await openLive(budi.read);
    const bystander = await openLive(office.read);
    let bystanderEnded = false;
    void bystander.ended.then(() => (bystanderEnded = true));

    const res = await post('/api/dashboard/accounts/budi/disable', office.write);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<AccountState>()).toEqual({ id: 'budi', disabled: true, endedSessions: 2 });
    expect((await session(budi)).statusCode).toBe(401);
    expect((await session(other)).statusCode).toBe(401);
    await within(stream.ended, 3_000, "budi's live stream ended");
    expect(stream.messages).toContain('{"type":"ended"}');
    expect((await login('budi', TEST_PASSWORD)).statusCode).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(bystanderEnded).toBe(false);
    expect((await session(office)).statusCode).toBe(200);

    // Disabling again changes nothing and records nothing more.
    expect((await post('/api/dashboard/accounts/budi/disable', office.write)).json<AccountState>()).toEqual({ id: 'budi', disabled: true, endedSessions: 0 });
    const enabled = await post('/api/dashboard/accounts/budi/enable', office.write);
    expect(enabled.json<AccountState>()).toEqual({ id: 'budi', disabled: false, endedSessions: 0 });
    expect((await session(budi)).statusCode).toBe(401);
    expect((await login('budi', TEST_PASSWORD)).statusCode).toBe(200);
    expect((await audited('budi')).map((a) => [a.action, a.account_id])).toEqual([
      ['account.disabled', 'office'],
      ['account.enabled', 'office'],
    ]);
    const listed = await app.inject({ method: 'GET', url: '/api/dashboard/accounts', headers: office.read });
    expect(listed.json<{ accounts: { id: string; disabled: boolean }[] }>().accounts.find((a) => a.id === 'budi')?.disabled).toBe(false);
    bystander.close();
  });

  it('an admin cannot disable or reset themselves here; an unknown account is 404', async () => {
    const own = await post('/api/dashboard/accounts/office/disable', office.write);
    expect(own.statusCode).toBe(409);
    expect(own.json<{ error: string }>().error).toBe('own_account');
    expect((await post('/api/dashboard/accounts/office/password', office.write, {})).statusCode).toBe(409);
    expect((await post('/api/dashboard/accounts/nobody/disable', office.write)).statusCode).toBe(404);
    expect((await session(office)).statusCode).toBe(200);
  });

  it('a reset password (set, or generated and shown once) replaces the old one and ends the sessions; nothing of it is recorded', async () => {
    await makeAccount(db.db, 'citra', 'qc');
    const citra = await loginAs(app, 'citra');
    const short = await post('/api/dashboard/accounts/citra/password', office.write, { password: 'short' });
    expect(short.statusCode).toBe(400);
    expect((await session(citra)).statusCode).toBe(200);

    const set = await post('/api/dashboard/accounts/citra/password', office.write, { password: 'a brand new secret' });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json<PasswordReset>()).toEqual({ id: 'citra', generatedPassword: null, endedSessions: 1 });
    expect((await session(citra)).statusCode).toBe(401);
    expect((await login('citra', TEST_PASSWORD)).statusCode).toBe(401);
    expect((await login('citra', 'a brand new secret')).statusCode).toBe(200);

    const gen = await post('/api/dashboard/accounts/citra/password', office.write, {});
    const { generatedPassword } = gen.json<PasswordReset>();
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await login('citra', 'a brand new secret')).statusCode).toBe(401);
    expect((await login('citra', generatedPassword!)).statusCode).toBe(200);
    const [stored] = await db.db.query<{ password_hash: string }>("SELECT password_hash FROM dashboard_accounts WHERE id = 'citra'");
    expect(stored?.password_hash).toMatch(/^scrypt\$/);
    const trail = await audited('citra');
    expect(trail.map((a) => [a.action, a.detail.generated])).toEqual([
      ['account.password_reset', false],
      ['account.password_reset', true],
    ]);
    const all = JSON.stringify(await db.db.query('SELECT * FROM dashboard_audit'));
    expect(all).not.toContain(generatedPassword!);
    expect(all).not.toContain('a brand new secret');
  });

  it('anyone changes their own password with the old one: wrong, nothing changes; right, their other sessions end', async () => {
    await makeAccount(db.db, 'pipit', 'ppic');
    const here = await loginAs(app, 'pipit');
    const elsewhere = await loginAs(app, 'pipit');
    const wrong = await post('/api/dashboard/session/password', here.write, { currentPassword: 'not my password', newPassword: 'pipit changed it' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json<{ error: string }>().error).toBe('wrong_password');
    expect((await session(elsewhere)).statusCode).toBe(200);
    const same = await post('/api/dashboard/session/password', here.write, { currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD });
    expect(same.statusCode).toBe(400);

    const ok = await post('/api/dashboard/session/password', here.write, { currentPassword: TEST_PASSWORD, newPassword: 'pipit changed it' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await session(here)).statusCode).toBe(200);
    expect((await session(elsewhere)).statusCode).toBe(401);
    expect((await login('pipit', TEST_PASSWORD)).statusCode).toBe(401);
    expect((await login('pipit', 'pipit changed it')).statusCode).toBe(200);
    expect((await audited('pipit')).map((a) => [a.action, a.account_id])).toEqual([['account.password_changed', 'pipit']]);
    // Guessing the current password from an open session is limited like logins (5 per account and window).
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await post('/api/dashboard/session/password', here.write, { currentPassword: `guess number ${i}`, newPassword: 'pipit guessed it' })).statusCode;
    expect(last).toBe(429);
  });

  it('a password an admin set (a new account, a reset typed or generated) is changed at the next login before anything else; one the owner set is not', async () => {
    const created = await post('/api/dashboard/accounts', office.write, { id: 'eka', name: 'Eka', role: 'supervisor', department: 'packing', password: 'the admin chose this' });
    expect(created.statusCode, created.body).toBe(201);
    const eka = await loginAs(app, 'eka', 'the admin chose this');
    const info = await session(eka);
    expect(info.statusCode).toBe(200);
    expect(info.json<SessionInfo>().mustChangePassword).toBe(true);
    // Everything else is refused with its own code, reads and writes alike, the live stream too.
    for (const [method, url] of [['GET', '/api/dashboard/floor'], ['GET', '/api/dashboard/views'], ['GET', '/api/dashboard/roster'], ['GET', '/api/dashboard/live'], ['POST', '/api/dashboard/roster/OP-X1/deactivate']] as const) {
      const res = await app.inject({ method, url, headers: method === 'GET' ? eka.read : eka.write });
      expect([url, res.statusCode, res.json<{ error: string }>().error]).toEqual([url, 403, 'password_change_required']);
    }
    const changed = await post('/api/dashboard/session/password', eka.write, { currentPassword: 'the admin chose this', newPassword: 'eka chose this one' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect((await session(eka)).json<SessionInfo>().mustChangePassword).toBe(false);
    expect((await app.inject({ method: 'GET', url: '/api/dashboard/floor', headers: eka.read })).statusCode).toBe(200);
    expect((await login('eka', 'eka chose this one')).json<SessionInfo>().mustChangePassword).toBe(false);
    expect((await audited('eka')).map((a) => [a.action, a.detail.required ?? null])).toEqual([
      ['account.created', null],
      ['account.password_changed', true],
    ]);

    // A reset, typed or generated, asks for it again; the owner's own change does not.
    for (const body of [{ password: 'the admin typed this' }, {}]) {
      const reset = await post('/api/dashboard/accounts/eka/password', office.write, body);
      const password = reset.json<PasswordReset>().generatedPassword ?? 'the admin typed this';
      const again = await login('eka', password);
      expect(again.json<SessionInfo>().mustChangePassword).toBe(true);
      const s = await loginAs(app, 'eka', password);
      expect((await app.inject({ method: 'GET', url: '/api/dashboard/alerts', headers: s.read })).statusCode).toBe(403);
      expect((await post('/api/dashboard/session/password', s.write, { currentPassword: password, newPassword: 'eka chose another' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/api/dashboard/alerts', headers: s.read })).statusCode).toBe(200);
      await post('/api/dashboard/session/password', s.write, { currentPassword: 'eka chose another', newPassword: 'eka chose this one' });
    }
    // Logging out is always possible.
    await post('/api/dashboard/accounts/eka/password', office.write, { password: 'the admin typed this' });
    const last = await loginAs(app, 'eka', 'the admin typed this');
    expect((await post('/api/dashboard/logout', last.write)).statusCode).toBe(200);
  });

  it('an admin creates an account with a generated password (answered once, never recorded); the list says who still has to change a password an admin set', async () => {
    const created = await post('/api/dashboard/accounts', office.write, { id: 'fajar', name: 'Fajar', role: 'qc', department: null });
    expect(created.statusCode, created.body).toBe(201);
    const { generatedPassword, ...account } = created.json<AccountCreated>();
    expect(account).toEqual({ id: 'fajar', name: 'Fajar', role: 'qc', department: null });
    expect(generatedPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const first = await login('fajar', generatedPassword!);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json<SessionInfo>().mustChangePassword).toBe(true);
    // A typed one is still the admin's choice: none answered; too short is refused, nothing made.
    const typed = await post('/api/dashboard/accounts', office.write, { id: 'gita', name: 'Gita', role: 'ppic', department: null, password: 'the admin typed it' });
    expect(typed.statusCode, typed.body).toBe(201);
    expect(typed.json<AccountCreated>().generatedPassword).toBeNull();
    const short = await post('/api/dashboard/accounts', office.write, { id: 'hadi', name: 'Hadi', role: 'ppic', department: null, password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)).toEqual(['body.password']);

    const marks = async () => {
      const res = await app.inject({ method: 'GET', url: '/api/dashboard/accounts', headers: office.read });
      expect(res.statusCode, res.body).toBe(200);
      return Object.fromEntries(res.json<AccountList>().accounts.map((a) => [a.id, a.mustChangePassword]));
    };
    expect(await marks()).toMatchObject({ fajar: true, gita: true, office: false });
    expect((await marks()).hadi).toBeUndefined();
    // Changed by its owner: no longer marked.
    const fajar = await loginAs(app, 'fajar', generatedPassword!);
    expect((await post('/api/dashboard/session/password', fajar.write, { currentPassword: generatedPassword!, newPassword: 'fajar chose this' })).statusCode).toBe(200);
    expect(await marks()).toMatchObject({ fajar: false, gita: true });

    expect((await audited('fajar')).map((a) => [a.action, a.detail.generated ?? null])).toEqual([
      ['account.created', true],
      ['account.password_changed', null],
    ]);
    expect((await audited('gita')).map((a) => [a.action, a.detail.generated])).toEqual([['account.created', false]]);
    expect(JSON.stringify(await db.db.query('SELECT * FROM dashboard_audit'))).not.toContain(generatedPassword!);
  });

  it('the demo admin of `npm start` (a login printed on start) is not asked to change its password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qsf-demo-'));
    try {
      const demo = await demoDashboardLogin(db.db, dir);
      const res = await login(demo.user, demo.password);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json<SessionInfo>().mustChangePassword).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('disabled on one server instance, the account’s stream on another instance of the same PostgreSQL ends at once', async () => {
    const other = await buildApp({ db: await db.openAnother(), adminToken: TEST_ADMIN_TOKEN, migrate: false, dashboard: { live: { heartbeatMs: 120_000, coalesceMs: 10 } } });
    try {
      await other.listen({ host: '127.0.0.1', port: 0 });
      const otherBase = `http://127.0.0.1:${(other.server.address() as { port: number }).port}`;
      await makeAccount(db.db, 'dewi', 'supervisor', 'cutting');
      const dewi = await loginAs(other, 'dewi');
      const stream = await openLiveStream(otherBase, dewi.read);
      expect((await post('/api/dashboard/accounts/dewi/disable', office.write)).statusCode).toBe(200);
      await within(stream.ended, 3_000, "dewi's stream on the other instance ended");
      expect(stream.messages).toContain('{"type":"ended"}');
    } finally {
      const closing = other.close();
      other.server.closeAllConnections();
      await closing;
    }
  });

  it('two admins disabling each other at once: one of them stays an admin', async () => {
    await makeAccount(db.db, 'admin-a', 'admin');
    await makeAccount(db.db, 'admin-b', 'admin');
    const [a, b] = [await loginAs(app, 'admin-a'), await loginAs(app, 'admin-b')];
    const [ra, rb] = await Promise.all([post('/api/dashboard/accounts/admin-b/disable', a.write), post('/api/dashboard/accounts/admin-a/disable', b.write)]);
    expect([ra.statusCode, rb.statusCode].sort()).toEqual([200, 401]);
    const [row] = await db.db.query<{ n: number }>("SELECT count(*)::int AS n FROM dashboard_accounts WHERE id IN ('admin-a', 'admin-b') AND disabled_at IS NULL");
    expect(row?.n).toBe(1);
  });
});
