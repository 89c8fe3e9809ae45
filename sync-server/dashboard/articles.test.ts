/**
 * The article master on the dashboard's form (PPIC, admin): an article added with its bill of cut parts, and an
 * existing one's name and bill edited, through the writer and schemas the CSV import uses (articles.ts). Each step is
 * audited (an edit with what it replaced); a bad field is a 400 naming it and changes nothing; a taken code is 409, an
 * unknown one 404. An edit leaves the manufacturing orders already made alone (drafts and released MOs carry their own
 * bill). Supervisors and QC read the master, never write it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mo } from '../../shared/testing/fixtures';
import { appForFile, storedBody } from '../testing';
import type { ArticleList } from './contract';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let ppic: DashboardLogin;
let admin: DashboardLogin;

beforeAll(async () => {
  await makeAccount(server.db, 'pipit', 'ppic');
  await makeAccount(server.db, 'office', 'admin');
  ppic = await loginAs(server.app, 'pipit');
  admin = await loginAs(server.app, 'office');
});

const send = (method: 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: unknown) =>
  server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const addArticle = (body: unknown, headers = ppic.write) => send('POST', '/api/dashboard/articles', headers, body);
const editArticle = (code: string, body: unknown, headers = ppic.write) => send('PUT', `/api/dashboard/articles/${code}`, headers, body);

async function listed(): Promise<ArticleList['articles']> {
  const res = await server.app.inject({ method: 'GET', url: '/api/dashboard/articles', headers: ppic.read });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ArticleList>().articles;
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(sql, params);
  return Number(row?.n ?? 0);
}
const articleAudits = () => count("SELECT count(*)::int AS n FROM dashboard_audit WHERE action LIKE 'article%'");
const masterRows = () => server.db.query('SELECT code, name, cut_parts FROM articles ORDER BY code');

const LION = { code: 'LION-35', name: 'Lion 35 cm', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'mane', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }] };

describe(`articles on the dashboard form (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  it('PPIC adds an article with its bill: listed for the Orders form, audited; the same code again is 409, nothing changed', async () => {
    const res = await addArticle(LION);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual(LION);
    expect((await listed()).find((a) => a.code === LION.code)).toEqual(LION);
    const trail = await server.db.query<{ action: string; account_id: string; target: string; detail: Record<string, unknown> }>(
      "SELECT action, account_id, target, detail FROM dashboard_audit WHERE action LIKE 'article%' ORDER BY id",
    );
    expect(trail).toEqual([{ action: 'article.created', account_id: 'pipit', target: LION.code, detail: { name: LION.name, cutParts: LION.cutParts } }]);

    const before = [await masterRows(), await articleAudits()];
    const again = await addArticle({ ...LION, name: 'Another lion' }, admin.write);
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ error: 'exists' });
    expect([await masterRows(), await articleAudits()]).toEqual(before);
  });

  it('a bad field is a 400 naming it (the import’s schemas), and nothing is written or audited', async () => {
    const before = [await masterRows(), await articleAudits()];
    const bad = [
      [{ ...LION, code: 'lion 35' }, 'body.code'],
      [{ ...LION, code: 'TIGER-1', name: '' }, 'body.name'],
      [{ ...LION, code: 'TIGER-1', cutParts: [] }, 'body.cutParts'],
      [{ ...LION, code: 'TIGER-1', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'body', qtyPerSet: 2 }] }, 'body.cutParts'],
      [{ ...LION, code: 'TIGER-1', cutParts: [{ part: 'Body', qtyPerSet: 1 }] }, 'body.cutParts.0.part'],
      [{ ...LION, code: 'TIGER-1', cutParts: [{ part: 'body', qtyPerSet: 0 }] }, 'body.cutParts.0.qtyPerSet'],
      [{ ...LION, code: 'TIGER-1', cutParts: [{ part: 'body', qtyPerSet: 1.5 }] }, 'body.cutParts.0.qtyPerSet'],
    ] as const;
    for (const [body, path] of bad) {
      const res = await addArticle(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    const edit = await editArticle(LION.code, { name: 'Lion', cutParts: [{ part: 'body', qtyPerSet: 101 }] });
    expect(edit.statusCode).toBe(400);
    expect(edit.json().issues.map((i: { path: string }) => i.path)).toEqual(['body.cutParts.0.qtyPerSet']);
    expect((await editArticle('lion 35', { name: 'Lion', cutParts: LION.cutParts })).statusCode).toBe(400);
    expect([await masterRows(), await articleAudits()]).toEqual(before);
  });

  it('an edit replaces the name and bill (audited with what it replaced); orders made before keep their bill; an unknown code is 404', async () => {
    // A draft and a released MO made with the lion's bill as it was.
    const draft = mo(31, { articleCode: LION.code, cutParts: LION.cutParts });
    const released = mo(32, { articleCode: LION.code, cutParts: LION.cutParts });
    expect((await send('POST', '/api/dashboard/orders', ppic.write, draft)).statusCode).toBe(201);
    expect((await send('POST', '/api/dashboard/orders', ppic.write, released)).statusCode).toBe(201);
    expect((await send('POST', `/api/dashboard/orders/${released.id}/approve`, ppic.write)).statusCode).toBe(200);

    const bill = [{ part: 'body', qtyPerSet: 1 }, { part: 'mane', qtyPerSet: 2 }, { part: 'tail', qtyPerSet: 1 }];
    const res = await editArticle(LION.code, { name: 'Lion 35 cm (2027)', cutParts: bill }, admin.write);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ code: LION.code, name: 'Lion 35 cm (2027)', cutParts: bill });
    expect((await listed()).find((a) => a.code === LION.code)).toEqual({ code: LION.code, name: 'Lion 35 cm (2027)', cutParts: bill });
    const [audit] = await server.db.query<{ action: string; account_id: string; detail: Record<string, unknown> }>(
      "SELECT action, account_id, detail FROM dashboard_audit WHERE action = 'article.updated' AND target = $1",
      [LION.code],
    );
    expect(audit).toEqual({ action: 'article.updated', account_id: 'office', detail: { name: 'Lion 35 cm (2027)', cutParts: bill, before: { name: LION.name, cutParts: LION.cutParts } } });

    const orders = await server.app.inject({ method: 'GET', url: '/api/dashboard/orders', headers: ppic.read });
    const rows = orders.json<{ orders: { id: string; cutParts: unknown }[] }>().orders;
    expect(rows.find((o) => o.id === draft.id)?.cutParts).toEqual(LION.cutParts);
    expect(rows.find((o) => o.id === released.id)?.cutParts).toEqual(LION.cutParts);
    expect((await storedBody<{ cutParts: unknown }>(server.db, 'manufacturingOrder', released.id))?.cutParts).toEqual(LION.cutParts);
    expect((await storedBody<{ cutParts: unknown }>(server.db, 'workOrder', `${released.id}-CUT`))?.cutParts).toEqual(LION.cutParts);

    const before = [await masterRows(), await articleAudits()];
    const unknown = await editArticle('TIGER-1', { name: 'Tiger', cutParts: bill });
    expect(unknown.statusCode, unknown.body).toBe(404);
    expect([await masterRows(), await articleAudits()]).toEqual(before);
  });

  it('the form and the CSV import write the same master: a file replaces an article added on the form', async () => {
    const csv = 'article,name,part,qty_per_set\nLION-35,Lion from file,body,1\nLION-35,Lion from file,ear,2';
    expect((await send('POST', '/api/dashboard/import/articles', ppic.write, { csv })).statusCode).toBe(200);
    expect((await listed()).find((a) => a.code === LION.code)).toEqual({ code: LION.code, name: 'Lion from file', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }] });
  });

  it('supervisors and QC read the master but neither add nor edit; a write without the CSRF token is refused', async () => {
    await makeAccount(server.db, 'sari', 'supervisor', 'sewing');
    await makeAccount(server.db, 'budi', 'qc');
    const before = [await masterRows(), await articleAudits()];
    for (const who of [await loginAs(server.app, 'sari'), await loginAs(server.app, 'budi')]) {
      expect((await addArticle({ ...LION, code: 'TIGER-1' }, who.write)).statusCode).toBe(403);
      expect((await editArticle(LION.code, { name: 'x', cutParts: LION.cutParts }, who.write)).statusCode).toBe(403);
      expect((await server.app.inject({ method: 'GET', url: '/api/dashboard/articles', headers: who.read })).statusCode).toBe(200);
    }
    const noCsrf = await addArticle({ ...LION, code: 'TIGER-1' }, ppic.read);
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json()).toMatchObject({ error: 'csrf_token_missing' });
    expect([await masterRows(), await articleAudits()]).toEqual(before);
  });
});

describe('WIP codes in the article master (issue 14)', () => {
  const BEAR = {
    code: 'BEAR-45',
    name: 'Bear 45 cm',
    cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'ear', qtyPerSet: 2 }],
    wipCodes: { cutting: 'BEAR-45-C', embroidery: 'BEAR-45-E', sewing: 'BEAR-45-S' },
  };

  it('added with the article, listed, audited; an edit without them keeps them, an edit with them replaces them', async () => {
    const res = await addArticle(BEAR);
    expect(res.statusCode, res.body).toBe(201);
    expect((await listed()).find((a) => a.code === BEAR.code)).toEqual(BEAR);
    const [created] = await server.db.query<{ detail: Record<string, unknown> }>("SELECT detail FROM dashboard_audit WHERE action = 'article.created' AND target = $1", [BEAR.code]);
    expect(created?.detail).toMatchObject({ wipCodes: BEAR.wipCodes });

    // A form (or caller) of an older version sends no WIP codes: the master keeps them.
    expect((await editArticle(BEAR.code, { name: 'Bear 45', cutParts: BEAR.cutParts })).statusCode).toBe(200);
    expect((await listed()).find((a) => a.code === BEAR.code)?.wipCodes).toEqual(BEAR.wipCodes);
    const route2 = { cutting: 'BEAR-45-C2', sewing: 'BEAR-45-S2' };
    const edited = await editArticle(BEAR.code, { name: 'Bear 45', cutParts: BEAR.cutParts, wipCodes: route2 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect((await listed()).find((a) => a.code === BEAR.code)?.wipCodes).toEqual(route2);
  });

  it('a bad WIP code, a missing sewing code, or a code the article or another stage has is a 400 naming it; nothing changes', async () => {
    const before = [await masterRows(), await articleAudits()];
    const bad: [unknown, string][] = [
      [{ ...BEAR, code: 'BEAR-50', wipCodes: { cutting: 'bear 50 c', sewing: 'BEAR-50-S' } }, 'body.wipCodes.cutting'],
      [{ ...BEAR, code: 'BEAR-50', wipCodes: { cutting: 'BEAR-50-C' } }, 'body.wipCodes.sewing'],
      [{ ...BEAR, code: 'BEAR-50', wipCodes: { cutting: 'BEAR-50-C', sewing: 'BEAR-50' } }, 'body.wipCodes.sewing'],
      [{ ...BEAR, code: 'BEAR-50', wipCodes: { cutting: 'BEAR-50-X', embroidery: 'BEAR-50-X', sewing: 'BEAR-50-S' } }, 'body.wipCodes.embroidery'],
    ];
    for (const [body, path] of bad) {
      const res = await addArticle(body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)).toContain(path);
    }
    // An edit is checked against the article's own code too.
    const same = await editArticle(BEAR.code, { name: 'Bear 45', cutParts: BEAR.cutParts, wipCodes: { cutting: BEAR.code, sewing: 'BEAR-45-S' } });
    expect(same.statusCode, same.body).toBe(400);
    expect(same.json<{ issues: { path: string }[] }>().issues.map((i) => i.path)).toEqual(['body.wipCodes.cutting']);
    expect([await masterRows(), await articleAudits()]).toEqual(before);
  });

  it('an MO made with them hands each SPK its department\'s WIP code (finishing: the sewing code it converts; packing: none)', async () => {
    const order = mo(41, { route: 'R1', articleCode: BEAR.code, cutParts: BEAR.cutParts, wipCodes: BEAR.wipCodes });
    expect((await send('POST', '/api/dashboard/orders', ppic.write, order)).statusCode).toBe(201);
    expect((await send('POST', `/api/dashboard/orders/${order.id}/approve`, ppic.write)).statusCode).toBe(200);
    const wip = async (code: string) => (await storedBody<{ wipCode?: string }>(server.db, 'workOrder', `${order.id}-${code}`))?.wipCode;
    expect({ CUT: await wip('CUT'), EMB: await wip('EMB'), SEW: await wip('SEW'), FIN: await wip('FIN'), PCK: await wip('PCK') }).toEqual({
      CUT: 'BEAR-45-C',
      EMB: 'BEAR-45-E',
      SEW: 'BEAR-45-S',
      FIN: 'BEAR-45-S',
      PCK: undefined,
    });
    const rows = (await server.app.inject({ method: 'GET', url: '/api/dashboard/orders', headers: ppic.read })).json<{ orders: { id: string; wipCodes?: unknown }[] }>().orders;
    expect(rows.find((o) => o.id === order.id)?.wipCodes).toEqual(BEAR.wipCodes);
  });
});
