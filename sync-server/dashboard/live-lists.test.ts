/**
 * The Accounts list and the article master are live views like the Floor (live-views.ts): an account created, disabled,
 * enabled or given a new password, an article added, edited or imported, reaches every open dashboard's live channel
 * (its next `views`), as what changed since the revision it holds. On PostgreSQL the step is
 * taken through instance A and watched on instance B (its own pool: LISTEN/NOTIFY between them; B computes its views
 * in a worker thread); on PGlite both are one instance. The Accounts list reaches admins only: a supervisor, PPIC or QC is sent the same change of the
 * articles but no answer or live message of theirs ever holds an account, whatever revisions they say they hold, and an admin's answer bytes are never
 * shared with them.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { createTestDb, type TestDb } from '../db/testing';
import { TEST_ADMIN_TOKEN } from '../testing';
import { ACCOUNTS_LISTS, ARTICLES_LISTS, LiveMessage, ViewsUpdate, type AccountList, type ArticleList } from './contract';
import { loginAs, makeAccount, openLiveStream, type DashboardLogin, type OpenLiveStream } from './testing';
import { applyDelta, heldAfter, livePath, viewsPath, type HeldRevisions } from './views-sync';

const isPg = !!process.env.TEST_DATABASE_URL;
// Heartbeats out of the way; the live channel's coalescing and the views' interval as the server runs them (250 ms).
const DASHBOARD = { live: { heartbeatMs: 120_000 } };

let db: TestDb;
let appA: FastifyInstance;
/** Another instance on the same PostgreSQL (PGlite: the same instance). */
let appB: FastifyInstance;
let baseB: string;
const logins: Record<'admin' | 'ppic' | 'sari' | 'quinn', DashboardLogin> = {} as Record<'admin' | 'ppic' | 'sari' | 'quinn', DashboardLogin>;
const streams: OpenLiveStream[] = [];

beforeAll(async () => {
  db = await createTestDb();
  appA = await buildApp({ db: db.db, adminToken: TEST_ADMIN_TOKEN, dashboard: DASHBOARD });
  // B computes its views in a worker thread (views-host.ts): the role check is the computation's own, wherever it runs.
  appB = isPg ? await buildApp({ db: await db.openAnother(), adminToken: TEST_ADMIN_TOKEN, dashboard: { ...DASHBOARD, views: 'worker' } }) : appA;
  baseB = await appB.listen({ host: '127.0.0.1', port: 0 });
  await makeAccount(db.db, 'office', 'admin');
  await makeAccount(db.db, 'pipit', 'ppic');
  await makeAccount(db.db, 'sari', 'supervisor', 'sewing');
  await makeAccount(db.db, 'quinn', 'qc');
  logins.admin = await loginAs(appA, 'office');
  logins.ppic = await loginAs(appA, 'pipit');
  logins.sari = await loginAs(appA, 'sari');
  logins.quinn = await loginAs(appA, 'quinn');
});

afterAll(async () => {
  for (const s of streams) s.close();
  for (const app of new Set([appB, appA])) {
    const closing = app?.close();
    app?.server.closeAllConnections();
    await closing;
  }
  await db?.cleanup();
});

/** A screen on instance B: what it holds of the two lists, kept as the store keeps them. */
interface Screen {
  login: DashboardLogin;
  held: HeldRevisions;
  accounts: AccountList | null;
  articles: ArticleList | null;
  live: OpenLiveStream;
  /** The live messages applied so far. */
  applied: number;
  /** Every /views answer's and live message's text, to look for what must never be in it. */
  texts: string[];
}

/** As the screen's store does: one read, then the live channel opened from the revisions it brought. */
async function openScreen(login: DashboardLogin): Promise<Screen> {
  const s = { login, held: { instance: null }, accounts: null, articles: null, applied: 0, texts: [] } as Omit<Screen, 'live'> as Screen;
  await refresh(s);
  s.live = await openLiveStream(baseB, login.read, livePath(s.held, 'open'));
  streams.push(s.live);
  return s;
}

function apply(s: Screen, u: ViewsUpdate): void {
  s.accounts = u.accounts ? applyDelta(s.accounts, s.held.accounts, u.accounts, ACCOUNTS_LISTS) : s.accounts;
  s.articles = u.articles ? applyDelta(s.articles, s.held.articles, u.articles, ARTICLES_LISTS) : s.articles;
  s.held = heldAfter(s.held, u);
}

async function refresh(s: Screen, held: HeldRevisions = s.held): Promise<ViewsUpdate> {
  const res = await appB.inject({ method: 'GET', url: viewsPath(held, 'open'), headers: s.login.read });
  expect(res.statusCode, res.body).toBe(200);
  s.texts.push(res.body);
  const u = ViewsUpdate.parse(res.json());
  apply(s, u);
  return u;
}

/** The live messages received since the last call, applied (a delta that does not fit what is held throws). */
function takeLive(s: Screen): void {
  for (const text of s.live.messages.slice(s.applied)) {
    s.applied++;
    s.texts.push(text);
    const msg = LiveMessage.parse(JSON.parse(text));
    if (msg.type === 'views') apply(s, msg.update);
  }
}

/**
 * Takes `step` through instance A, then applies what each screen's live channel on B sends until `seen` holds;
 * answers the time from the step's answer until the last screen saw it.
 */
async function reaches(screens: readonly Screen[], step: () => Promise<void>, seen: (s: Screen) => boolean): Promise<number> {
  for (const s of screens) takeLive(s);
  await step();
  const t0 = performance.now();
  for (const s of screens) {
    for (;;) {
      takeLive(s);
      if (seen(s)) break;
      if (performance.now() - t0 > 5_000) throw new Error(`not seen within 5 s by ${JSON.stringify(s.held)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return performance.now() - t0;
}

const post = async (url: string, headers: Record<string, string>, payload?: Record<string, unknown>, method: 'POST' | 'PUT' = 'POST') => {
  const res = await appA.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
  expect(res.statusCode, res.body).toBeLessThan(300);
};
const account = (s: Screen, id: string) => s.accounts?.accounts.find((a) => a.id === id);
const article = (s: Screen, code: string) => s.articles?.articles.find((a) => a.code === code);
/** The password the admin types for a new account (so its owner can log in and change it). */
const KNOWN = 'a known long password';
const LION = { code: 'LION-35', name: 'Lion 35 cm', cutParts: [{ part: 'body', qtyPerSet: 1 }] };

describe(`live Accounts and article lists (${isPg ? 'pg: a step through instance A, watched on instance B' : 'pglite: one instance'})`, () => {
  it('an account created, disabled, enabled, its password reset: on the admin’s open dashboard within a second, as its row only', async () => {
    const admin = await openScreen(logins.admin);
    expect(admin.accounts?.accounts.map((a) => a.id)).toEqual(['office', 'pipit', 'quinn', 'sari']);

    const created = await reaches([admin], () => post('/api/dashboard/accounts', logins.admin.write, { id: 'nina', name: 'Nina', role: 'qc', department: null, password: KNOWN }), (s) => account(s, 'nina') !== undefined);
    expect(created).toBeLessThan(1_000);
    expect(account(admin, 'nina')).toEqual({ id: 'nina', name: 'Nina', role: 'qc', department: null, disabled: false, mustChangePassword: true });

    // Only the changed row is sent; applied, the list is the route's.
    const before = admin.held.accounts;
    await reaches([admin], () => post('/api/dashboard/accounts/nina/disable', logins.admin.write), (s) => account(s, 'nina')?.disabled === true);
    expect(admin.texts.at(-1)).toContain(`"accounts":{"rev":`);
    const last = LiveMessage.parse(JSON.parse(admin.texts.at(-1) ?? ''));
    if (last.type !== 'views') throw new Error(`a views message, not ${last.type}`);
    expect(last.update.accounts?.base).toBe(before);
    expect(last.update.accounts?.lists.accounts?.rows.map((r) => r.id)).toEqual(['nina']);
    await reaches([admin], () => post('/api/dashboard/accounts/nina/enable', logins.admin.write), (s) => account(s, 'nina')?.disabled === false);

    // The owner replaces the password: the mark goes; an admin's reset brings it back.
    const nina = await loginAs(appA, 'nina', KNOWN);
    await reaches([admin], () => post('/api/dashboard/session/password', nina.write, { currentPassword: KNOWN, newPassword: 'another long password' }), (s) => account(s, 'nina')?.mustChangePassword === false);
    await reaches([admin], () => post('/api/dashboard/accounts/nina/password', logins.admin.write, {}), (s) => account(s, 'nina')?.mustChangePassword === true);

    const listed = await appB.inject({ method: 'GET', url: '/api/dashboard/accounts', headers: logins.admin.read });
    expect(admin.accounts).toEqual(listed.json());
  });

  it('an article added, edited, imported from CSV: on every role’s open dashboard within a second', async () => {
    const screens = await Promise.all([logins.admin, logins.ppic, logins.sari, logins.quinn].map(openScreen));
    const added = await reaches(screens, () => post('/api/dashboard/articles', logins.ppic.write, LION), (s) => article(s, LION.code) !== undefined);
    expect(added).toBeLessThan(1_000);
    for (const s of screens) expect(article(s, LION.code)).toEqual(LION);
    await reaches(screens, () => post(`/api/dashboard/articles/${LION.code}`, logins.admin.write, { name: 'Lion, edited', cutParts: LION.cutParts }, 'PUT'), (s) => article(s, LION.code)?.name === 'Lion, edited');
    const csv = 'article,name,part,qty_per_set\nBEAR-20,Bear 20 cm,body,1\nBEAR-20,Bear 20 cm,ear,2';
    await reaches(screens, () => post('/api/dashboard/import/articles', logins.ppic.write, { csv }), (s) => article(s, 'BEAR-20') !== undefined);
    const listed = await appB.inject({ method: 'GET', url: '/api/dashboard/articles', headers: logins.sari.read });
    for (const s of screens) expect(s.articles).toEqual(listed.json());
  });

  it('a non-admin is sent the changes but never an account, live or asked, whatever it says it holds', async () => {
    const admin = await openScreen(logins.admin);
    const others = await Promise.all([logins.ppic, logins.sari, logins.quinn].map(openScreen));
    await reaches([admin, ...others], () => post('/api/dashboard/accounts', logins.admin.write, { id: 'omar', name: 'Omar', role: 'supervisor', department: 'cutting' }), (s) => s === admin ? account(s, 'omar') !== undefined : true);
    // The admin's round was sent; the others' (of the same change) would have been by now.
    await new Promise((r) => setTimeout(r, 600));
    for (const s of others) {
      takeLive(s);
      // Holding exactly what the admin holds (the same answer bytes, were they shared), or saying it holds revision 0.
      for (const held of [{ ...admin.held }, { ...s.held, accounts: 0 }, { instance: null }]) {
        const u = await refresh(s, held);
        expect(u.accounts).toBeNull();
      }
      expect(s.accounts).toBeNull();
      expect(s.held.accounts).toBeUndefined();
      for (const text of s.texts) {
        expect(text).not.toContain('"omar"');
        expect(text).not.toContain('"nina"');
        expect(text).not.toContain('mustChangePassword');
      }
      expect((await appB.inject({ method: 'GET', url: '/api/dashboard/accounts', headers: s.login.read })).statusCode).toBe(403);
    }
    // The admin's answer for the same revisions still holds the list.
    expect((await refresh(admin, { ...admin.held, accounts: undefined })).accounts?.lists.accounts?.rows.map((r) => r.id)).toContain('omar');
  });

  it.runIf(isPg)('a step that commits after one with a later audit id still reaches the open dashboards', async () => {
    const screens = await Promise.all([logins.admin, logins.sari].map(openScreen));
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let inserted = (): void => undefined;
    const started = new Promise<void>((r) => (inserted = r));
    // An article written and audited (the lower id), its commit held back until a later step committed and was seen.
    const late = db.db.tx(async (q) => {
      await q.query("INSERT INTO articles (code, name, cut_parts, updated_by) VALUES ('LATE-10', 'Late', $1::jsonb, 'pipit')", [JSON.stringify([{ part: 'body', qtyPerSet: 1 }])]);
      await q.query("INSERT INTO dashboard_audit (account_id, role, action, target, detail) VALUES ('pipit', 'ppic', 'article.created', 'LATE-10', '{}'::jsonb)");
      inserted();
      await held;
      await q.query("SELECT pg_notify('qsf_dashboard', 'late')");
    });
    await started;
    await reaches(screens, () => post('/api/dashboard/articles', logins.ppic.write, { ...LION, code: 'EARLY-10' }), (s) => article(s, 'EARLY-10') !== undefined);
    for (const s of screens) expect(article(s, 'LATE-10')).toBeUndefined();
    await reaches(screens, async () => (release(), await late), (s) => article(s, 'LATE-10') !== undefined);
  });
});
