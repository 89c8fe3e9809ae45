/**
 * A dashboard step that a station's push (or any other writer) deadlocks with is run again, as the push path does
 * (db/tx-retry.ts, the one rule): PostgreSQL rolls one of two transactions that lock rows in opposite order back with
 * 40P01, and the dashboard's must not answer 500 for it. Forced here: another transaction holds the change_counter row
 * (every writer's last lock, changes.ts) while the step holds the operator's document and waits for it; the other one
 * then asks for the operator's document. PostgreSQL picks the step as the victim (it waited first, and the other one's
 * deadlock_timeout is longer); the step runs again once the other one is gone, and succeeds. PostgreSQL only (PGlite
 * has one connection: nothing waits there).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appForFile, TEST_ADMIN_TOKEN } from '../testing';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let office: DashboardLogin;

beforeAll(async () => {
  const res = await server.app.inject({
    method: 'POST',
    url: '/api/operators',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    payload: { id: 'OP-DL1', name: 'Dewi', roles: ['operator'], departments: ['sewing'], pin: '1357' },
  });
  expect(res.statusCode, res.body).toBe(201);
  await makeAccount(server.db, 'office', 'admin');
  office = await loginAs(server.app, 'office');
});

/**
 * Resolves once another backend (the dashboard step's) waits for a lock `pid` holds. Asked outside that transaction:
 * pg_stat_activity is read once per transaction.
 */
async function blockedBy(pid: number): Promise<void> {
  const q = server.db;
  for (let i = 0; i < 500; i++) {
    const rows = await q.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))', [pid]);
    if (rows.length > 0) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the dashboard step never waited for the other transaction');
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('a dashboard step deadlocked by another transaction is run again (pg)', () => {
  it('deactivating an operator while another transaction locks the change counter, then the operator: 200, deactivated once, audited once', async () => {
    let step: Promise<{ statusCode: number; body: string }> | null = null;
    await server.db.tx(async (other) => {
      const [me] = await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // The step's backend runs deadlock detection first (1 s, the default) and is rolled back, not this one.
      await other.query("SET LOCAL deadlock_timeout = '20s'");
      await other.query('UPDATE change_counter SET value = value');
      // then(): an inject starts when it is awaited.
      step = server.app.inject({ method: 'POST', url: '/api/dashboard/roster/OP-DL1/deactivate', headers: office.write }).then((r) => r);
      await blockedBy(me!.pid);
      // Opposite order: the operator's document, which the step holds. Granted once the step is rolled back.
      await other.query("SELECT 1 FROM documents WHERE kind = 'operator' AND id = 'OP-DL1' FOR UPDATE");
      // Ends here: rolled back (it changed nothing), so the step's next attempt gets both locks.
      throw Object.assign(new Error('done'), { done: true });
    }).catch((err: unknown) => {
      if (!(err instanceof Error && 'done' in err)) throw err;
    });
    const res = await step!;
    expect(res.statusCode, res.body).toBe(200);
    const [op] = await server.db.query<{ active: boolean }>("SELECT (body->>'active')::boolean AS active FROM documents WHERE kind = 'operator' AND id = 'OP-DL1'");
    expect(op?.active).toBe(false);
    const audited = await server.db.query("SELECT 1 FROM dashboard_audit WHERE target = 'OP-DL1' AND action = 'operator.deactivated'");
    expect(audited).toHaveLength(1);
  });
});
