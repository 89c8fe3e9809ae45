/**
 * The live views a screen keeps (live-views.ts `held.views`): only those are computed and sent; the others' revisions
 * are said back as the screen held them (so the live channel, live.ts, goes on from there), dropped when held from
 * another instance; and an answer shared between screens is shared only between screens holding the same revisions.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import type { Db } from '../db/types';
import { cuttingOutput, EventFactory, mo } from '../../shared/testing/fixtures';
import { pushAs, TEST_ADMIN_TOKEN, type EnrolledStation } from '../testing';
import { ViewsUpdate, type Account, type ViewsQuery } from './contract';
import { liveViews, type DashboardViews } from './live-views';
import { seedCuttingFloor } from './testing';
import type { z } from 'zod';

let db: TestDb;
let app: FastifyInstance;
let views: DashboardViews;
let cutting: EnrolledStation;
/** Every statement the views ran. */
const ran: string[] = [];
const admin: Account = { id: 'office', name: 'Office', role: 'admin', department: null };

beforeAll(async () => {
  db = await createTestDb();
  app = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN });
  cutting = await seedCuttingFloor(app);
  // The views over the test's database, each statement noted.
  const counted: Db = Object.assign(Object.create(db.db) as Db, {
    query: (sql: string, params?: readonly unknown[]) => {
      ran.push(sql);
      return db.db.query(sql, params);
    },
  });
  views = liveViews(counted);
});

afterAll(async () => {
  await views?.close();
  await app?.close();
  await db?.cleanup();
});

const ask = async (held: Omit<z.output<typeof ViewsQuery>, 'show'>) => {
  const answer = await views.update(admin, { show: 'open', ...held });
  return { ...answer, update: ViewsUpdate.parse(JSON.parse(answer.json.toString('utf8'))) };
};

describe(`live views a screen keeps (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('computes and sends only the views asked for; says back the others as held', async () => {
    const all = await ask({});
    expect(Object.keys(all.revisions).sort()).toEqual(['accounts', 'alerts', 'articles', 'conflicts', 'fleet', 'floor', 'instance', 'orders']);

    ran.length = 0;
    const fresh = await ask({ views: ['floor'] });
    expect([fresh.update.floor?.base, fresh.update.alerts, fresh.update.orders, fresh.update.fleet, fresh.update.conflicts, fresh.update.articles, fresh.update.accounts]).toEqual([null, null, null, null, null, null, null]);
    expect(fresh.revisions).toEqual({ instance: all.revisions.instance, floor: all.revisions.floor });
    // Nothing read for the others: no enrollment codes (Fleet), no accounts, no articles, no alerts, no problems (Conflicts).
    expect(ran.filter((sql) => /enrollment_codes|dashboard_accounts|FROM articles|kind = 'alert'|FROM events e /.test(sql))).toEqual([]);

    const { instance, ...revs } = all.revisions;
    const held = { instance: instance ?? undefined, ...revs };
    const floorOnly = await ask({ ...held, views: ['floor'] });
    expect(floorOnly.news).toBe(false);
    expect(floorOnly.revisions).toEqual(all.revisions);
    // Another instance's revisions: the Floor comes whole, the views not kept live are no longer held.
    const elsewhere = await ask({ ...held, instance: 'another-instance', views: ['floor'] });
    expect(elsewhere.update.floor?.base).toBeNull();
    expect(elsewhere.revisions).toEqual({ instance: all.revisions.instance, floor: all.revisions.floor });
  });

  it('an answer shared between screens only where they hold the same revisions', async () => {
    const all = await ask({});
    const { instance, ...revs } = all.revisions;
    const held = { instance: instance ?? undefined, ...revs, views: ['floor' as const] };
    // Two screens alike but for the Orders revision they hold (one behind): each is told back its own.
    const [a, b] = await Promise.all([ask(held), ask({ ...held, orders: Math.max(0, (revs.orders ?? 1) - 1) })]);
    expect(a.revisions.orders).toBe(revs.orders);
    expect(b.revisions.orders).toBe(Math.max(0, (revs.orders ?? 1) - 1));
  });

  it('the Conflicts are read again for a new problem, not for every push', async () => {
    const f = new EventFactory(() => Date.now());
    const push = async (workOrderId: string) => {
      const res = await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(workOrderId, 2))]);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ results: { status: string }[] }>().results[0]?.status;
    };
    const first = await ask({ views: ['conflicts'] });
    const { instance, ...revs } = first.revisions;
    const held = { instance: instance ?? undefined, ...revs, views: ['conflicts' as const] };
    const problemsRead = () => ran.filter((sql) => sql.includes('FROM events e ')).length;
    // Past the views' interval (250 ms), so a change would be computed.
    const pause = () => new Promise((r) => setTimeout(r, 300));

    expect(await push(`${mo(1).id}-CUT`)).toBe('applied');
    await pause();
    ran.length = 0;
    const quiet = await ask(held);
    expect(problemsRead()).toBe(0);
    expect(quiet.update.conflicts).toBeNull();

    expect(await push('MO-2026-0999-CUT')).toBe('refused');
    await pause();
    ran.length = 0;
    const news = await ask(held);
    expect(problemsRead()).toBeGreaterThan(0);
    expect(news.update.conflicts?.lists.refused?.rows.map((r) => r.code)).toContain('unknown_work_order');
  });

  it('keep: the first views computed after a change, so a screen opening next reads the change keys and nothing else', async () => {
    const f = new EventFactory(() => Date.now());
    const first = ['floor' as const, 'alerts' as const, 'conflicts' as const];
    const pushThenPause = async () => {
      const res = await pushAs(app, cutting, [f.event('ST-CUT-1', 'OP-CUT1', cuttingOutput(`${mo(1).id}-CUT`, 1))]);
      expect(res.statusCode, res.body).toBe(200);
      // Past the views' interval (250 ms), so the change would be computed.
      await new Promise((r) => setTimeout(r, 300));
    };
    await ask({ views: first });
    // Not kept: a screen opening after a change waits for the views' reads.
    await pushThenPause();
    ran.length = 0;
    await ask({ views: first });
    expect(ran.length).toBeGreaterThan(1);
    // Kept after the change: only the change keys are read for it, and it is sent the kept views whole.
    await pushThenPause();
    await views.keep(false);
    ran.length = 0;
    const opened = await ask({ views: first });
    expect(ran).toHaveLength(1);
    expect(ran[0]).toContain('FROM change_counter');
    expect(opened.update.floor?.base).toBeNull();
    expect(opened.update.alerts).not.toBeNull();
  });

  it('asked in one turn, accounts of one role and department holding the same revisions get one answer; another role its own', async () => {
    const other: Account = { ...admin, id: 'office-2', name: 'Office 2' };
    const supervisor: Account = { id: 'sari', name: 'Sari', role: 'supervisor', department: 'cutting' };
    const held = { show: 'open' as const, views: ['floor' as const, 'alerts' as const] };
    const [a, b, c] = [views.update(admin, held), views.update(other, held), views.update(supervisor, held)];
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    const [answerA, answerC] = await Promise.all([a, c]);
    // The same views either way (nothing here depends on the account), but asked apart.
    expect(answerC.json.equals(answerA.json)).toBe(true);
    // A later turn asks again.
    const later = views.update(admin, held);
    expect(later).not.toBe(a);
    await later;
  });
});

describe('the first views kept from the start', () => {
  const FULL_READ = 'FROM documents WHERE kind = ANY($1::text[]) AND NOT deleted';

  it("reads the floor's documents as the server starts, before any screen or change asks", async () => {
    const seen: string[] = [];
    const noting: Db = Object.assign(Object.create(db.db) as Db, {
      query: (sql: string, params?: readonly unknown[]) => {
        seen.push(sql);
        return db.db.query(sql, params);
      },
    });
    // keepMs a minute away and no change: only the keep at start can read them.
    const served = await buildApp({ db: noting, adminToken: TEST_ADMIN_TOKEN, migrate: false, dashboard: { live: { keepMs: 60_000 } } });
    try {
      await served.ready();
      await expect.poll(() => seen.some((sql) => sql.includes(FULL_READ)), { timeout: 10_000 }).toBe(true);
    } finally {
      await served.close();
    }
  });
});

