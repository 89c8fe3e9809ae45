/**
 * The office's roster route (`POST /api/operators`) applies the PIN rules: operators 4-8 digits, whoever may release
 * a halted line (supervisor, admin) 6-8 digits. A refused PIN is a 400 naming `body.pin` and saying why; nothing is
 * stored.
 */
import { describe, expect, it } from 'vitest';
import { appForFile, TEST_ADMIN_TOKEN } from '../testing';

const server = appForFile();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

const create = (id: string, roles: string[], pin: string) =>
  server.app.inject({ method: 'POST', url: '/api/operators', headers: admin, payload: { id, name: id, roles, departments: ['finishing'], pin } });

const stored = async (id: string) => (await server.db.query("SELECT 1 FROM documents WHERE kind = 'operator' AND id = $1", [id])).length;

describe('POST /api/operators: PIN rules', () => {
  it('refuses a supervisor with a 4-digit PIN, saying why, and stores nothing', async () => {
    const res = await create('OP-FINSV4', ['supervisor'], '2468');
    expect(res.statusCode).toBe(400);
    const issues = res.json<{ issues: { path: string; message: string }[] }>().issues;
    expect(issues.map((i) => i.path)).toEqual(['body.pin']);
    expect(issues[0]?.message).toMatch(/supervisor.*6-8 digits/i);
    expect(await stored('OP-FINSV4')).toBe(0);
  });

  it('refuses an admin with a 5-digit PIN', async () => {
    expect((await create('OP-ADM5', ['admin'], '24680')).statusCode).toBe(400);
  });

  it('takes a supervisor with 6-8 digits and an operator with 4-8', async () => {
    expect((await create('OP-FINSV6', ['supervisor'], '246802')).statusCode).toBe(201);
    expect((await create('OP-FIN4', ['operator'], '1357')).statusCode).toBe(201);
    expect((await create('OP-FIN9', ['operator'], '135791357')).statusCode).toBe(400);
    expect(await stored('OP-FINSV6')).toBe(1);
  });
});
