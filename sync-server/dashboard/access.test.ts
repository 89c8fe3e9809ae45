/**
 * Dashboard access: password login (scrypt), the session cookie's attributes, CSRF on writes, login rate limits per
 * account and per address (shared by every instance: in the database), accounts only by an admin, bad input refused
 * with nothing changed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appForFile } from '../testing';
import { CSRF_HEADER } from './contract';
import { loginAs, makeAccount, TEST_PASSWORD } from './testing';

const server = appForFile({ dashboard: { loginLimits: { perAccount: 3, perIp: 8, windowSeconds: 600 } } });

beforeAll(async () => {
  await makeAccount(server.db, 'admin', 'admin');
  await makeAccount(server.db, 'sari', 'supervisor', 'sewing');
  await makeAccount(server.db, 'budi', 'qc', 'finishing');
});

const login = (username: string, password: string, ip = '127.0.0.1') =>
  server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { username, password }, remoteAddress: ip });

async function count(sql: string): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(sql);
  return Number(row?.n ?? 0);
}

describe(`dashboard access (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('logs in with the password: an httpOnly SameSite=Strict cookie, the account and a CSRF token; the password is not stored', async () => {
    const res = await login('Sari', TEST_PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^qsf_dashboard=[A-Za-z0-9_-]{43}; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure'); // plain HTTP here; QSF_DASHBOARD_SECURE_COOKIE=1 adds it
    expect(res.json()).toMatchObject({ account: { id: 'sari', role: 'supervisor', department: 'sewing' }, csrfToken: expect.any(String) });
    const [stored] = await server.db.query<{ password_hash: string }>("SELECT password_hash FROM dashboard_accounts WHERE id = 'sari'");
    expect(stored?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(stored?.password_hash).not.toContain(TEST_PASSWORD);
    // The session row holds a hash of the cookie's token, never the token.
    const token = cookie.split(';')[0]!.split('=')[1]!;
    expect(await count(`SELECT count(*) AS n FROM dashboard_sessions WHERE token_hash = '${token}'`)).toBe(0);
  });

  it('a session reads; a write needs its CSRF token; logout ends the session everywhere', async () => {
    const s = await loginAs(server.app, 'budi');
    const me = await server.app.inject({ method: 'GET', url: '/api/dashboard/session', headers: s.read });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ account: { id: 'budi', role: 'qc' }, csrfToken: s.csrfToken });

    const noToken = await server.app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: s.read });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json()).toMatchObject({ error: 'csrf_token_missing' });
    const wrongToken = await server.app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: { ...s.read, [CSRF_HEADER]: 'x'.repeat(32) } });
    expect(wrongToken.statusCode).toBe(403);
    // Another session's token is not this session's.
    const other = await loginAs(server.app, 'budi');
    expect((await server.app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: { ...s.read, [CSRF_HEADER]: other.csrfToken } })).statusCode).toBe(403);

    const out = await server.app.inject({ method: 'POST', url: '/api/dashboard/logout', headers: s.write });
    expect(out.statusCode, out.body).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await server.app.inject({ method: 'GET', url: '/api/dashboard/session', headers: s.read })).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'GET', url: '/api/dashboard/session', headers: other.read })).statusCode).toBe(200);
  });

  it('wrong passwords and unknown users get the same 401; the fourth try on an account is a 429 with Retry-After, even with the right password', async () => {
    await makeAccount(server.db, 'locked', 'ppic');
    const unknown = await login('nobody', 'whatever-password', '10.0.0.1');
    const wrong = await login('locked', 'wrong-password', '10.0.0.2');
    expect([unknown.statusCode, wrong.statusCode]).toEqual([401, 401]);
    expect(unknown.json().message).toBe(wrong.json().message);
    await login('locked', 'wrong-password', '10.0.0.3');
    await login('locked', 'wrong-password', '10.0.0.4');
    const limited = await login('locked', TEST_PASSWORD, '10.0.0.5');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'too_many_attempts' });
    const retry = Number(limited.headers['retry-after']);
    expect(retry).toBeGreaterThan(590);
    expect(retry).toBeLessThanOrEqual(600);
    expect(limited.headers['set-cookie']).toBeUndefined();
    // Other accounts are not locked by it.
    expect((await login('admin', TEST_PASSWORD, '10.0.0.6')).statusCode).toBe(200);
  });

  it('one address guessing across many accounts is limited per address', async () => {
    const ip = '10.9.9.9';
    for (let i = 0; i < 8; i++) expect((await login(`guess${i}`, 'wrong-password', ip)).statusCode).toBe(401);
    const limited = await login('admin', TEST_PASSWORD, ip);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('admin', TEST_PASSWORD, '10.9.9.10')).statusCode).toBe(200);
  });

  it('bad login input is a 400 naming the field, and counts as no attempt', async () => {
    const before = await count('SELECT count(*) AS n FROM dashboard_login_failures');
    const res = await server.app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { username: 'a b', password: '' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['body.username', 'body.password']));
    expect(await count('SELECT count(*) AS n FROM dashboard_login_failures')).toBe(before);
  });

  it('only an admin creates accounts; bad or duplicate input changes nothing; the creation is audited', async () => {
    const admin = await loginAs(server.app, 'admin');
    const sup = await loginAs(server.app, 'sari');
    const body = { id: 'rina', name: 'Rina', role: 'supervisor', department: 'finishing', password: 'a long enough password' };
    expect((await server.app.inject({ method: 'POST', url: '/api/dashboard/accounts', headers: sup.write, payload: body })).statusCode).toBe(403);
    const accounts = () => count('SELECT count(*) AS n FROM dashboard_accounts');
    const before = await accounts();
    const bad = await server.app.inject({ method: 'POST', url: '/api/dashboard/accounts', headers: admin.write, payload: { ...body, department: null } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe('body.department');
    expect((await server.app.inject({ method: 'POST', url: '/api/dashboard/accounts', headers: admin.write, payload: { ...body, password: 'short' } })).statusCode).toBe(400);
    expect(await accounts()).toBe(before);

    const created = await server.app.inject({ method: 'POST', url: '/api/dashboard/accounts', headers: admin.write, payload: body });
    expect(created.statusCode, created.body).toBe(201);
    // A typed password is not answered (only a generated one is, once).
    expect(created.json()).toEqual({ id: 'rina', name: 'Rina', role: 'supervisor', department: 'finishing', generatedPassword: null });
    expect((await server.app.inject({ method: 'POST', url: '/api/dashboard/accounts', headers: admin.write, payload: body })).statusCode).toBe(409);
    expect(await accounts()).toBe(before + 1);
    expect((await loginAs(server.app, 'rina', body.password)).csrfToken).toBeTruthy();
    const [row] = await server.db.query<{ account_id: string }>("SELECT account_id FROM dashboard_audit WHERE action = 'account.created' AND target = 'rina'");
    expect(row?.account_id).toBe('admin');
    // The audit cannot be rewritten.
    await expect(server.db.query("DELETE FROM dashboard_audit WHERE target = 'rina'")).rejects.toThrow(/append-only/);
  });
});
