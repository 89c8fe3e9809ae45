/**
 * Access and the roster on the dashboard, in Debian's Chromium against the real sync server (real PostgreSQL with
 * TEST_DATABASE_URL, else PGlite) and a real sewing station (core + kiosk screen, syncing):
 * - an admin disables an account on the Accounts view: that user's open dashboard is logged out at once (the live
 *   channel says so, well before the screen's 15 s refresh) and their password no longer opens it; re-enabled, with a
 *   password the server generated and showed once, they log in again and replace it with their own under "My
 *   password" (the wrong current password refused on the page); until then the screen offers only My password (the
 *   server refuses the rest), and after it the dashboard opens;
 * - a sewing supervisor deactivates an operator on the Roster view: after its next sync the station refuses the
 *   badge that logged in a moment before; another department's operator offers no action; a PIN reset by the
 *   supervisor (generated, shown once) is the PIN the station takes after reactivation;
 * - a supervisor adds an operator on the Roster view's form (PIN generated, shown once): the station lets the new
 *   badge in after its next sync, and refuses it once the supervisor deactivates it on the form.
 * - the Accounts list and the article list are live: with an admin's Accounts view and PPIC's Import view open, an
 *   account and an article another session adds through the API appear on them without a reload (sooner than the
 *   screen's 15 s refresh), and a supervisor's open dashboard is never sent an account.
 * Screenshots go to docs/screens/dashboard-roster.png, dashboard-roster-add.png, dashboard-accounts-admin.png and
 * dashboard-password-change-required.png.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardScreen } from '../../renderer/build';
import { CSRF_HEADER, SessionInfo } from '../../sync-server/dashboard/contract';
import { makeAccount, TEST_PASSWORD } from '../../sync-server/dashboard/testing';
import { launchChromium, loginOnScreen, seriousA11yViolations, startFloorServer, startScreenStation, type FloorServer, type ScreenStation } from './testing';

/** Below the screen's periodic refresh (15 s): what happens sooner came over the live channel. */
const LIVE_MS = 8_000;
const SEWER = { id: 'OP-SEW1', name: 'Dewi', roles: ['operator'], departments: ['sewing'], pin: '1357' };
const CUTTER = { id: 'OP-CUT1', name: 'Siti', roles: ['operator'], departments: ['cutting'], pin: '2468' };
/** Added on the Roster view's form. */
const NEWCOMER = { id: 'OP-SEW7', name: 'Wulan' };

let server: FloorServer;
let station: ScreenStation;
let browser: Browser;

beforeAll(async () => {
  await ensureDashboardScreen();
  server = await startFloorServer();
  await makeAccount(server.db, 'office', 'admin');
  await makeAccount(server.db, 'budi', 'qc');
  await makeAccount(server.db, 'sari', 'supervisor', 'sewing');
  for (const op of [SEWER, CUTTER]) await server.adminPost('/api/operators', op);
  station = await startScreenStation(server, 'sewing');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await station?.stop();
  await server?.close();
});

async function dashboardAs(user: string, password = TEST_PASSWORD): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${server.base}/`);
  await page.getByTestId('username').fill(user);
  await page.getByTestId('password').fill(password);
  await page.getByTestId('login').click();
  await page.getByTestId('who').waitFor();
  return page;
}

/** Another session, over HTTP only (no screen): its writes reach the open screens through the live channel alone. */
async function apiSession(user: string): Promise<(path: string, body: unknown) => Promise<number>> {
  const res = await fetch(`${server.base}/api/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: TEST_PASSWORD }) });
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = SessionInfo.parse(await res.json());
  return async (path, body) => {
    const r = await fetch(`${server.base}${path}`, { method: 'POST', headers: { cookie, [CSRF_HEADER]: csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return r.status;
  };
}

/** The views the page is sent from now on, as their text: /views answers, and the live channel's messages (through Chromium's DevTools protocol). */
async function viewsAnswers(page: Page): Promise<string[]> {
  const texts: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/dashboard/views')) void r.text().then((t) => texts.push(t), () => undefined);
  });
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Network.eventSourceMessageReceived', (e) => texts.push(e.data));
  await cdp.send('Network.enable');
  return texts;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(process.cwd(), 'docs', 'screens', `dashboard-${name}.png`), fullPage: true });
}

describe(`dashboard access and roster (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it("an admin disables an account: that user's open dashboard is logged out at once; re-enabled with a generated password, they are back", { timeout: 90_000 }, async () => {
    const budi = await dashboardAs('budi');
    await budi.getByTestId('tab-floor').waitFor();
    await expect.poll(() => budi.getByTestId('live').textContent()).toMatch(/Langsung|Live/);

    const office = await dashboardAs('office');
    await office.getByTestId('lang').click(); // English
    await office.getByTestId('tab-accounts').click();
    const row = office.getByTestId('account-budi');
    await row.waitFor();
    // No action on one's own account here (that is "My password").
    expect(await office.getByTestId('disable-office').count()).toBe(0);
    await row.getByTestId('disable-budi').click();
    await row.getByTestId('disable-confirm-budi').click();
    await expect.poll(() => office.getByTestId('account-status-budi').textContent()).toBe('disabled');

    // Budi's screen: back at the login form, saying the session ended, sooner than any refresh would have noticed.
    await budi.getByTestId('login-error').waitFor({ timeout: LIVE_MS });
    expect(await budi.getByTestId('login-error').textContent()).toMatch(/Sesi Anda berakhir|Your session ended/);
    expect(await budi.getByTestId('who').count()).toBe(0);
    await budi.getByTestId('username').fill('budi');
    await budi.getByTestId('password').fill(TEST_PASSWORD);
    await budi.getByTestId('login').click();
    await expect.poll(() => budi.getByTestId('login-error').textContent()).toMatch(/salah|wrong/i);
    const [audited] = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM dashboard_audit WHERE action = 'account.disabled' AND target = 'budi' AND account_id = 'office'");
    expect(audited?.n).toBe(1);

    // Enabled again, with a password the server generates (shown once, here).
    await row.getByTestId('enable-budi').click();
    await expect.poll(() => office.getByTestId('account-status-budi').textContent()).toBe('active');
    await row.getByTestId('reset-budi').click();
    await row.getByTestId('reset-confirm-budi').click();
    const secret = (await row.getByTestId('secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await row.getByTestId('secret-budi').textContent()).toContain('shown only now');
    expect(await seriousA11yViolations(office)).toEqual([]);
    await screenshot(office, 'accounts-admin');
    // Another view and back: gone for good.
    await office.getByTestId('tab-floor').click();
    await office.getByTestId('tab-accounts').click();
    await office.getByTestId('account-budi').waitFor();
    expect(await office.getByTestId('secret').count()).toBe(0);

    await budi.getByTestId('password').fill(secret);
    await budi.getByTestId('login').click();
    await expect.poll(() => budi.getByTestId('who').textContent()).toContain('budi');

    // A password the admin made: Budi must replace it before anything else; My password is all the screen offers.
    await budi.getByTestId('must-change-password').waitFor();
    expect(await budi.getByTestId('must-change-password').textContent()).toContain('admin');
    expect(await budi.getByTestId('tab-floor').count()).toBe(0);
    expect(await budi.getByTestId('tab-alerts').count()).toBe(0);
    const refused = await budi.evaluate(async () => (await fetch('/api/dashboard/floor')).status);
    expect(refused).toBe(403);
    expect(await seriousA11yViolations(budi)).toEqual([]);
    await screenshot(budi, 'password-change-required');

    // Budi replaces the generated password with his own: the current one is asked for.
    await budi.getByTestId('tab-password').click();
    await budi.getByTestId('current-password').fill('not the password');
    await budi.getByTestId('new-password').fill('budi chose this one');
    await budi.getByTestId('change-password').click();
    await expect.poll(() => budi.getByTestId('notice').textContent()).toContain('Kata sandi sekarang salah');
    await budi.getByTestId('current-password').fill(secret);
    await budi.getByTestId('change-password').click();
    await expect.poll(() => budi.getByTestId('notice').textContent()).toContain('Kata sandi diganti');
    // Changed: the dashboard opens.
    expect(await budi.getByTestId('must-change-password').count()).toBe(0);
    await budi.getByTestId('tab-floor').click();
    await expect.poll(() => budi.getByTestId('live').textContent()).toMatch(/Langsung|Live/);
    expect(await seriousA11yViolations(budi)).toEqual([]);
    await budi.getByTestId('logout').click();
    await budi.getByTestId('username').fill('budi');
    await budi.getByTestId('password').fill('budi chose this one');
    await budi.getByTestId('login').click();
    await expect.poll(() => budi.getByTestId('who').textContent()).toContain('budi');
    // His own password asks for no change.
    await budi.getByTestId('tab-floor').waitFor();
    expect(await budi.getByTestId('must-change-password').count()).toBe(0);
    await budi.context().close();
    await office.context().close();
  });

  it("a supervisor deactivates an operator: after its next sync the station refuses the badge; a new PIN (shown once) works once reactivated", { timeout: 120_000 }, async () => {
    await station.sync.awaitInSync(20_000);
    const floor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await floor.goto(station.url);
    // Dewi logs in at the sewing station, then out.
    await loginOnScreen(floor, `B:${SEWER.id}`, SEWER.pin);
    await expect.poll(() => floor.getByTestId('operator-name').textContent()).toContain('Dewi');
    await floor.getByTestId('logout').click();
    await floor.getByTestId('badge').waitFor();

    const sari = await dashboardAs('sari');
    await sari.getByTestId('lang').click(); // English
    await sari.getByTestId('tab-roster').click();
    const row = sari.getByTestId(`operator-${SEWER.id}`);
    await row.waitFor();
    expect(await sari.getByTestId('roster-list').textContent()).not.toMatch(/scrypt/);
    // Another department's operator: listed, no action.
    expect(await sari.getByTestId(`operator-${CUTTER.id}`).textContent()).toContain('not yours to change');
    expect(await sari.getByTestId(`deactivate-${CUTTER.id}`).count()).toBe(0);

    await row.getByTestId(`deactivate-${SEWER.id}`).click();
    await row.getByTestId(`deactivate-confirm-${SEWER.id}`).click();
    await expect.poll(() => sari.getByTestId(`operator-status-${SEWER.id}`).textContent()).toBe('disabled');
    await expect.poll(() => sari.getByTestId('notice').textContent()).toContain(`${SEWER.id} deactivated`);
    expect(await seriousA11yViolations(sari)).toEqual([]);
    await screenshot(sari, 'roster');

    // The station syncs, and refuses the badge that worked a minute ago.
    await station.sync.awaitInSync(20_000);
    await loginOnScreen(floor, `B:${SEWER.id}`, SEWER.pin);
    await floor.getByTestId('notice-login').waitFor();
    expect(await floor.getByTestId('notice-login').textContent()).not.toBe('');
    expect(await floor.getByTestId('operator-name').textContent()).not.toContain('Dewi');
    await floor.getByTestId('badge').waitFor();

    // Reactivated with a new PIN the server generated: the old PIN is refused, the new one logs in.
    await row.getByTestId(`reactivate-${SEWER.id}`).click();
    await expect.poll(() => sari.getByTestId(`operator-status-${SEWER.id}`).textContent()).toBe('active');
    await row.getByTestId(`reset-${SEWER.id}`).click();
    await row.getByTestId(`reset-confirm-${SEWER.id}`).click();
    const pin = (await row.getByTestId('secret').textContent()) ?? '';
    expect(pin).toMatch(/^\d{6}$/);
    await station.sync.awaitInSync(20_000);
    await floor.reload();
    await loginOnScreen(floor, `B:${SEWER.id}`, pin);
    await expect.poll(() => floor.getByTestId('operator-name').textContent()).toContain('Dewi');
    const steps = await server.db.query<{ action: string }>("SELECT action FROM dashboard_audit WHERE target = $1 AND account_id = 'sari' ORDER BY id", [SEWER.id]);
    expect(steps.map((s) => s.action)).toEqual(['operator.deactivated', 'operator.reactivated', 'operator.pin_reset']);
    await sari.context().close();
    await floor.close();
  });
  it('a supervisor adds an operator on the form (PIN generated, shown once): the station lets the new badge in; deactivated on the form, it is refused', { timeout: 120_000 }, async () => {
    const sari = await dashboardAs('sari');
    await sari.getByTestId('tab-roster').click();
    const form = sari.getByTestId('new-operator');
    await form.waitFor();
    await form.getByTestId('operator-id').fill(NEWCOMER.id);
    await form.getByTestId('operator-name').fill(NEWCOMER.name);
    // Operator and her own department are chosen already; a role and a department more, then one less.
    await form.getByTestId('operator-roles-line_leader').click();
    await form.getByTestId('operator-roles-line_leader').click();
    expect(await form.getByTestId('operator-roles-operator').getAttribute('aria-pressed')).toBe('true');
    expect(await form.getByTestId('operator-departments-sewing').getAttribute('aria-pressed')).toBe('true');
    await form.getByTestId('operator-add').click();
    await expect.poll(() => sari.getByTestId('notice').textContent()).toMatch(new RegExp(`${NEWCOMER.id} (ditambahkan|added)`));
    const pin = (await form.getByTestId('secret').textContent()) ?? '';
    expect(pin).toMatch(/^\d{6}$/);
    expect(await sari.getByTestId(`operator-status-${NEWCOMER.id}`).textContent()).toMatch(/aktif|active/);
    expect(await seriousA11yViolations(sari)).toEqual([]);
    await screenshot(sari, 'roster-add');
    // The same badge again: refused, in the reader's language.
    await form.getByTestId('operator-id').fill(NEWCOMER.id);
    await form.getByTestId('operator-name').fill('Someone else');
    await form.getByTestId('operator-add').click();
    await expect.poll(() => sari.getByTestId('notice').textContent()).toContain('Tidak tercatat: id itu sudah ada');

    // The station takes the new badge at its next sync.
    await station.sync.awaitInSync(20_000);
    const floor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await floor.goto(station.url);
    // Dewi is still logged in there from the test before: out first.
    await floor.getByTestId('badge').or(floor.getByTestId('logout')).waitFor();
    if ((await floor.getByTestId('logout').count()) > 0) await floor.getByTestId('logout').click();
    await loginOnScreen(floor, `B:${NEWCOMER.id}`, pin);
    await expect.poll(() => floor.getByTestId('operator-name').textContent()).toContain(NEWCOMER.name);
    await floor.getByTestId('logout').click();
    await floor.getByTestId('badge').waitFor();

    // Deactivated on the form: after the next sync the station refuses her.
    const row = sari.getByTestId(`operator-${NEWCOMER.id}`);
    await row.getByTestId(`deactivate-${NEWCOMER.id}`).click();
    await row.getByTestId(`deactivate-confirm-${NEWCOMER.id}`).click();
    await expect.poll(() => sari.getByTestId(`operator-status-${NEWCOMER.id}`).textContent()).toMatch(/nonaktif|disabled/);
    await station.sync.awaitInSync(20_000);
    await loginOnScreen(floor, `B:${NEWCOMER.id}`, pin);
    await floor.getByTestId('notice-login').waitFor();
    expect(await floor.getByTestId('operator-name').textContent()).not.toContain(NEWCOMER.name);
    const steps = await server.db.query<{ action: string }>("SELECT action FROM dashboard_audit WHERE target = $1 AND account_id = 'sari' ORDER BY id", [NEWCOMER.id]);
    expect(steps.map((s) => s.action)).toEqual(['operator.created', 'operator.deactivated']);
    await sari.context().close();
    await floor.close();
  });

  it('the Accounts list and the article list are live: what another session adds through the API appears on the open view without a reload; a supervisor is never sent an account', { timeout: 90_000 }, async () => {
    await makeAccount(server.db, 'boss', 'admin');
    await makeAccount(server.db, 'pia', 'ppic');
    const office = await dashboardAs('office');
    await office.getByTestId('lang').click(); // English
    await office.getByTestId('tab-accounts').click();
    await office.getByTestId('account-office').waitFor();
    const pia = await dashboardAs('pia');
    await pia.getByTestId('tab-import').click();
    await pia.getByTestId('import-articles').waitFor();
    const sari = await dashboardAs('sari');
    const sariViews = await viewsAnswers(sari);
    // On the Orders view, whose form chooses among the articles: the article master is live there.
    await sari.getByTestId('tab-orders').click();
    await expect.poll(() => sari.getByTestId('live').textContent()).toMatch(/Langsung|Live/);
    for (const page of [office, pia]) {
      await expect.poll(() => page.getByTestId('live').textContent()).toMatch(/Langsung|Live/);
      // Gone if the page were loaded again.
      await page.evaluate(() => Object.assign(window, { qsfNotReloaded: true }));
    }

    // Another admin's session adds an account over HTTP: on the open Accounts view, live.
    const boss = await apiSession('boss');
    expect(await boss('/api/dashboard/accounts', { id: 'lina', name: 'Lina', role: 'supervisor', department: 'packing', password: 'lina starts with this' })).toBe(201);
    const row = office.getByTestId('account-lina');
    await row.waitFor({ timeout: LIVE_MS });
    expect(await row.textContent()).toContain('Lina');
    expect(await office.getByTestId('account-password-lina').textContent()).not.toBe('—');
    // Disabled by that session: the row follows.
    expect(await boss('/api/dashboard/accounts/lina/disable', {})).toBe(200);
    await expect.poll(() => office.getByTestId('account-status-lina').textContent(), { timeout: LIVE_MS }).toBe('disabled');

    // PPIC's other session adds an article over HTTP: on the open Import view's article list, live.
    const ppic = await apiSession('pia');
    expect(await ppic('/api/dashboard/articles', { code: 'TIGER-30', name: 'Tiger 30 cm', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'tail', qtyPerSet: 1 }] })).toBe(201);
    const article = pia.getByTestId('article-TIGER-30');
    await article.waitFor({ timeout: LIVE_MS });
    expect(await article.textContent()).toContain('body × 1, tail × 1');
    for (const page of [office, pia]) expect(await page.evaluate(() => 'qsfNotReloaded' in window)).toBe(true);

    // The supervisor's Orders view heard the same article (its views came again) but never an account.
    await expect.poll(() => sariViews.some((t) => t.includes('TIGER-30')), { timeout: LIVE_MS }).toBe(true);
    for (const text of sariViews.filter((t) => t.includes('"instance"'))) {
      expect(text).toContain('"accounts":null');
      expect(text).not.toContain('"lina"');
    }
    for (const page of [office, pia, sari]) await page.context().close();
  });
});
