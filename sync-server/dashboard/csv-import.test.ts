/**
 * CSV imports (PPIC): the roster (badge, name, roles, departments, PIN) and articles with their bill of cut parts.
 * A file with one bad row imports nothing and its report names the row's line and column; a good file is imported in
 * one transaction (operators as documents the stations pull, PINs hashed; articles in the master), audited. A row for
 * a deactivated badge is refused (a file never reactivates anyone); an empty PIN cell keeps a known badge's PIN.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPin } from '../../shared/security/pin';
import { appForFile, enrollStation, storedBody, type EnrolledStation } from '../testing';
import type { ArticleList } from './contract';
import { CsvError, parseCsv } from './csv';
import { loginAs, makeAccount, type DashboardLogin } from './testing';

const server = appForFile();
let ppic: DashboardLogin;
let sewing: EnrolledStation;

beforeAll(async () => {
  await makeAccount(server.db, 'pipit', 'ppic');
  ppic = await loginAs(server.app, 'pipit');
  sewing = await enrollStation(server.app, 'ST-SEW-1', 'sewing');
});

const importCsv = (what: 'operators' | 'articles', csv: string, headers: Record<string, string> = ppic.write) =>
  server.app.inject({ method: 'POST', url: `/api/dashboard/import/${what}`, headers, payload: { csv } });

async function count(sql: string): Promise<number> {
  const [row] = await server.db.query<{ n: number }>(sql);
  return Number(row?.n ?? 0);
}
const operators = () => count("SELECT count(*)::int AS n FROM documents WHERE kind = 'operator'");
const articles = () => count('SELECT count(*)::int AS n FROM articles');
const audits = () => count('SELECT count(*)::int AS n FROM dashboard_audit');

describe('parseCsv', () => {
  it('reads quoted cells with commas, quotes and line breaks, CRLF and a byte-order mark; records keep their first line', () => {
    const text = '\ufeffBadge, Name ,pin\r\nOP-0001,"Siti, Nur",1357\r\n\r\nOP-0002,"say ""hi""\nthere",2468\nOP-0003,Budi\n';
    expect(parseCsv(text, ['badge', 'name', 'pin'])).toEqual([
      { line: 2, cells: { badge: 'OP-0001', name: 'Siti, Nur', pin: '1357' } },
      { line: 4, cells: { badge: 'OP-0002', name: 'say "hi"\nthere', pin: '2468' } },
      { line: 6, cells: { badge: 'OP-0003', name: 'Budi', pin: '' } },
    ]);
  });

  it('refuses a missing column, an unclosed quote and a row with more cells than the header, naming the line', () => {
    const caught = (text: string) => {
      try {
        parseCsv(text, ['badge', 'pin']);
        return null;
      } catch (err) {
        return err instanceof CsvError ? [err.line, err.message] : err;
      }
    };
    expect(caught('badge,name\nOP-0001,x\n')).toEqual([1, expect.stringContaining('missing column pin')]);
    expect(caught('badge,pin\nOP-0001,1357\nOP-0002,"1357\n')).toEqual([3, 'a quoted field is not closed']);
    expect(caught('badge,pin\nOP-0001,1357\nOP-0002,1357,extra\n')).toEqual([3, '3 cells, but the header names 2 columns']);
  });
});

describe(`CSV imports (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  const ROSTER = [
    'badge,name,roles,departments,pin',
    'OP-S001,Siti,operator,sewing,1357',
    'OP-S002,"Dewi, line leader",operator|line_leader,sewing|finishing,2468',
    'OP-SSV1,Sari,supervisor,sewing,246802',
  ];

  it('a roster file with one bad row imports nothing; the report names the line and column', async () => {
    const before = [await operators(), await audits()];
    // Line 4: a supervisor needs a 6-8 digit PIN.
    const bad = [...ROSTER.slice(0, 3), 'OP-SSV1,Sari,supervisor,sewing,2468'].join('\n');
    const res = await importCsv('operators', bad);
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json()).toMatchObject({ error: 'csv_rejected', message: expect.stringContaining('line(s) 4') });
    expect(res.json().issues).toEqual([{ path: '4.pin', message: expect.stringMatching(/6/) }]);
    expect([await operators(), await audits()]).toEqual(before);

    // Several problems are all reported: an unknown role, a bad badge, a badge twice.
    const worse = [...ROSTER, 'OP-S001,Siti again,operator,sewing,1357', 'X-1,Nobody,boss,sewing,1357'].join('\r\n');
    const paths = (await importCsv('operators', worse)).json().issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(['5.badge', '6.badge', '6.roles']);
    expect([await operators(), await audits()]).toEqual(before);
  });

  it('a good roster file is imported whole: operator documents with hashed PINs that a station pulls, audited', async () => {
    const res = await importCsv('operators', ROSTER.join('\n') + '\n');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ imported: 3, ids: ['OP-S001', 'OP-S002', 'OP-SSV1'] });
    const dewi = await storedBody<{ name: string; roles: string[]; departments: string[]; pinHash: string; pin?: string }>(server.db, 'operator', 'OP-S002');
    expect(dewi).toMatchObject({ name: 'Dewi, line leader', roles: ['operator', 'line_leader'], departments: ['sewing', 'finishing'], active: true });
    expect(dewi?.pin).toBeUndefined();
    expect(await verifyPin('2468', dewi!.pinHash)).toBe(true);
    const pulled = await server.app.inject({ method: 'GET', url: '/api/pull?limit=1000', headers: sewing.auth });
    expect(pulled.json<{ documents: { kind: string; id: string }[] }>().documents.filter((d) => d.kind === 'operator').map((d) => d.id)).toEqual(
      expect.arrayContaining(['OP-S001', 'OP-S002', 'OP-SSV1']),
    );
    const [row] = await server.db.query<{ account_id: string; detail: { count: number } }>("SELECT account_id, detail FROM dashboard_audit WHERE action = 'roster.imported'");
    expect(row).toMatchObject({ account_id: 'pipit', detail: { count: 3 } });
  });

  it("against the roster: a deactivated badge's row is refused (nothing imported); an empty PIN keeps a known badge's PIN; a new or newly supervising badge needs one", async () => {
    await makeAccount(server.db, 'office', 'admin');
    const office = await loginAs(server.app, 'office');
    expect((await server.app.inject({ method: 'POST', url: '/api/dashboard/roster/OP-S001/deactivate', headers: office.write })).statusCode).toBe(200);
    const before = [await operators(), await audits()];
    const file = (...rows: string[]) => ['badge,name,roles,departments,pin', ...rows].join('\n');
    const refused = await importCsv('operators', file('OP-S002,Dewi,operator,sewing,', 'OP-S001,Siti,operator,sewing,1357', 'OP-N001,New,operator,sewing,', 'OP-S002X,X,operator,sewing,1357', 'OP-S003,Ayu,operator,sewing,'));
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().issues).toEqual([
      { path: '3.badge.deactivated', message: expect.stringContaining('OP-S001 is deactivated') },
      { path: '4.pin.required', message: 'OP-N001 is a new badge: give a PIN' },
      { path: '6.pin.required', message: 'OP-S003 is a new badge: give a PIN' },
    ]);
    expect([await operators(), await audits()]).toEqual(before);
    expect((await storedBody<{ active: boolean }>(server.db, 'operator', 'OP-S001'))?.active).toBe(false);

    // Dewi becomes a supervisor without a new PIN: refused (her old 4-digit PIN is too short for one).
    const promoted = await importCsv('operators', file('OP-S002,Dewi,supervisor,sewing,'));
    expect(promoted.json().issues).toEqual([{ path: '2.pin.supervising', message: expect.stringContaining('starts supervising') }]);

    // Renamed and moved, PIN cell empty: her PIN stays; a row with a PIN replaces it.
    const kept = await importCsv('operators', file('OP-S002,Dewi Lestari,operator,finishing,', 'OP-SSV1,Sari,supervisor,sewing,975310'));
    expect(kept.statusCode, kept.body).toBe(200);
    const dewi = await storedBody<{ name: string; departments: string[]; pinHash: string; active: boolean }>(server.db, 'operator', 'OP-S002');
    expect(dewi).toMatchObject({ name: 'Dewi Lestari', departments: ['finishing'], active: true });
    expect(await verifyPin('2468', dewi!.pinHash)).toBe(true);
    expect(await verifyPin('975310', (await storedBody<{ pinHash: string }>(server.db, 'operator', 'OP-SSV1'))!.pinHash)).toBe(true);
    const [audit] = await server.db.query<{ detail: { keptPins: string[] } }>("SELECT detail FROM dashboard_audit WHERE action = 'roster.imported' ORDER BY id DESC LIMIT 1");
    expect(audit?.detail.keptPins).toEqual(['OP-S002']);
  });

  const BOM = ['article,name,part,qty_per_set', 'BEAR-30,Bear 30 cm,body,1', 'BEAR-30,Bear 30 cm,ear,2', 'BUNNY-25,Bunny,body,1', 'BUNNY-25,Bunny,leg,2'];

  it('an article file with one bad row imports nothing; a part named twice, a bad quantity and a second name are each reported', async () => {
    const before = [await articles(), await audits()];
    const res = await importCsv('articles', [...BOM, 'BUNNY-25,Bunny,leg,3'].join('\n'));
    expect(res.statusCode).toBe(422);
    expect(res.json().issues).toEqual([{ path: '6.part', message: 'leg of BUNNY-25 is on line 5 already' }]);
    const more = await importCsv('articles', [...BOM, 'BEAR-30,Bear,arm,2', 'BEAR-30,Bear 30 cm,leg,two', 'bear 40,Bear,body,1'].join('\n'));
    expect(more.json().issues.map((i: { path: string }) => i.path)).toEqual(['6.name', '7.qty_per_set', '8.article']);
    expect([await articles(), await audits()]).toEqual(before);
  });

  it('a good article file is imported and listed with its bill; a later file replaces an article whole', async () => {
    expect((await importCsv('articles', BOM.join('\n'))).json()).toEqual({ imported: 2, ids: ['BEAR-30', 'BUNNY-25'] });
    expect((await importCsv('articles', 'article,name,part,qty_per_set\nBEAR-30,Bear 30 cm,body,1\nBEAR-30,Bear 30 cm,arm,2')).statusCode).toBe(200);
    const list = await server.app.inject({ method: 'GET', url: '/api/dashboard/articles', headers: ppic.read });
    expect(list.json<ArticleList>().articles).toEqual([
      { code: 'BEAR-30', name: 'Bear 30 cm', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'arm', qtyPerSet: 2 }] },
      { code: 'BUNNY-25', name: 'Bunny', cutParts: [{ part: 'body', qtyPerSet: 1 }, { part: 'leg', qtyPerSet: 2 }] },
    ]);
  });

  it('an empty file, a header alone or a missing column is a one-line report; only PPIC and admins import', async () => {
    expect((await importCsv('operators', 'badge,name,roles,departments\nOP-X1,x,operator,sewing')).json().issues).toEqual([{ path: '1.file', message: expect.stringContaining('missing column pin') }]);
    expect((await importCsv('articles', 'article,name,part,qty_per_set\n')).json().issues).toEqual([{ path: '2.file', message: 'no row under the header' }]);
    expect((await importCsv('articles', '')).statusCode).toBe(400);
    await makeAccount(server.db, 'sari', 'supervisor', 'sewing');
    const sari = await loginAs(server.app, 'sari');
    expect((await importCsv('articles', BOM.join('\n'), sari.write)).statusCode).toBe(403);
    expect((await importCsv('operators', ROSTER.join('\n'), sari.write)).statusCode).toBe(403);
  });
});

describe('article CSV with WIP codes (issue 14: optional columns wip_cut, wip_embo, wip_sew)', () => {
  const HEAD = 'article,name,part,qty_per_set,wip_cut,wip_embo,wip_sew';
  const listedWip = async () =>
    Object.fromEntries(
      (await server.app.inject({ method: 'GET', url: '/api/dashboard/articles', headers: ppic.read })).json<ArticleList>().articles.map((a) => [a.code, a.wipCodes]),
    );

  it('a row with a bad WIP code, a missing one, the article\'s own code or codes other than its article\'s first row: each named by line and column, nothing imported', async () => {
    const before = [await articles(), await audits()];
    const res = await importCsv(
      'articles',
      [
        HEAD,
        'PANDA-20,Panda,body,1,PANDA-20-C,,PANDA-20-S',
        'PANDA-20,Panda,ear,2,PANDA-20-C,,PANDA-20-X',
        'KOALA-20,Koala,body,1,koala c,,KOALA-20-S',
        'OWL-20,Owl,body,1,OWL-20-C,OWL-20-E,',
        'FOX-20,Fox,body,1,FOX-20-C,,FOX-20',
      ].join('\n'),
    );
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json<{ issues: { path: string; message: string }[] }>().issues).toEqual([
      { path: '3.wip_cut', message: 'PANDA-20 has other WIP codes on line 2' },
      { path: '4.wip_cut', message: expect.stringContaining('article code') },
      { path: '5.wip_sew', message: expect.any(String) },
      { path: '6.wip_sew', message: expect.stringContaining('FOX-20') },
    ]);
    expect([await articles(), await audits()]).toEqual(before);
  });

  it('good rows import the codes (given on one row of the article, or the same on each); a file without the columns keeps them', async () => {
    const res = await importCsv('articles', [HEAD, 'PANDA-20,Panda,body,1,PANDA-20-C,PANDA-20-E,PANDA-20-S', 'PANDA-20,Panda,ear,2,,,', 'OWL-20,Owl,body,1,OWL-20-C,,OWL-20-S', 'OWL-20,Owl,wing,2,OWL-20-C,,OWL-20-S'].join('\n'));
    expect(res.statusCode, res.body).toBe(200);
    expect(await listedWip()).toMatchObject({ 'PANDA-20': { cutting: 'PANDA-20-C', embroidery: 'PANDA-20-E', sewing: 'PANDA-20-S' }, 'OWL-20': { cutting: 'OWL-20-C', sewing: 'OWL-20-S' } });
    expect((await importCsv('articles', 'article,name,part,qty_per_set\nPANDA-20,Panda,body,1\nPANDA-20,Panda,ear,3')).statusCode).toBe(200);
    expect((await listedWip())['PANDA-20']).toEqual({ cutting: 'PANDA-20-C', embroidery: 'PANDA-20-E', sewing: 'PANDA-20-S' });
  });
});
