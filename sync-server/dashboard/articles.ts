/**
 * The article master: each article with its bill of cut parts and its WIP codes, added or edited on the dashboard's
 * form by PPIC or an admin, or imported from CSV, one row per part: `article,name,part,qty_per_set`, and optionally
 * `wip_cut,wip_embo,wip_sew` (the WIP codes at cutting, embroidery and sewing: on any row of the article, the same on
 * each row that has them). Both are checked by the same shared schemas (ArticleCode, the name, CutPart, CutParts,
 * WipCodes: shared/master.ts, articles-contract.ts) and written by one writer
 * (`writeArticles`), each step audited in its transaction. A file with any problem imports nothing (the report names
 * each line and column); a good one replaces the articles it names. The Orders form copies an article's bill onto a
 * new MO (the bill then travels on the MO and its SPKs: a later edit here changes no order already made).
 */
import { z } from 'zod';
import { ArticleCode, checkWipCodes, CutPart, CutParts, WipCodes } from '../../shared/master';
import type { Db, Queryable } from '../db/types';
import { HttpError, parseOr400 } from '../http/route';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import type { Account, ArticleRow } from './contract';
import { ArticleName, NewArticleBody, type ArticleEditBody } from './articles-contract';
import { recordsOr422, rejectRows, type RowProblem } from './csv';

export const ARTICLE_COLUMNS = ['article', 'name', 'part', 'qty_per_set'] as const;
/** Optional columns: the WIP codes at cutting, embroidery and sewing (WipCodes' fields). */
export const WIP_COLUMNS = { cutting: 'wip_cut', embroidery: 'wip_embo', sewing: 'wip_sew' } as const;
const MAX_ROWS = 5000;

interface Pending {
  name: string;
  firstLine: number;
  parts: CutPart[];
  partLine: Map<string, number>;
  /** The WIP codes and the line that gave them first. */
  wip?: { codes: WipCodes; line: number };
}

const wipKey = (w: WipCodes) => `${w.cutting} ${w.embroidery ?? ''} ${w.sewing}`;

/** A row's WIP codes: none when its three cells are empty; else checked by WipCodes, each problem named by its column. */
function rowWipCodes(line: number, code: string, cells: Record<string, string>): { codes?: WipCodes; problems: RowProblem[] } {
  const given = Object.values(WIP_COLUMNS).some((c) => (cells[c] ?? '') !== '');
  if (!given) return { problems: [] };
  const raw = { cutting: cells[WIP_COLUMNS.cutting] ?? '', embroidery: cells[WIP_COLUMNS.embroidery] || undefined, sewing: cells[WIP_COLUMNS.sewing] ?? '' };
  const parsed = WipCodes.superRefine((w, ctx) => checkWipCodes({ code, wipCodes: w }, ctx)).safeParse(raw);
  if (parsed.success) return { codes: parsed.data, problems: [] };
  const column = (p: PropertyKey | undefined, q: PropertyKey | undefined) => {
    const stage = p === 'wipCodes' ? q : p;
    return stage === 'cutting' || stage === 'embroidery' || stage === 'sewing' ? WIP_COLUMNS[stage] : WIP_COLUMNS.cutting;
  };
  return { problems: parsed.error.issues.map((i) => ({ line, column: column(i.path[0], i.path[1]), message: i.message })) };
}

const problemsOf = (line: number, column: string, error: z.ZodError): RowProblem[] => error.issues.map((i) => ({ line, column, message: i.message }));

/** Imports the file's articles (each replaced whole with the file's bill), or throws the 422 report. */
export async function importArticles(db: Db, csv: string, by: Account): Promise<string[]> {
  const problems: RowProblem[] = [];
  const articles = new Map<string, Pending>();
  for (const { line, cells } of recordsOr422(csv, ARTICLE_COLUMNS, MAX_ROWS)) {
    const code = ArticleCode.safeParse(cells.article);
    const name = ArticleName.safeParse(cells.name);
    const qty = cells.qty_per_set ?? '';
    const part = CutPart.safeParse({ part: cells.part, qtyPerSet: /^\d+$/.test(qty) ? Number(qty) : qty });
    if (!code.success) problems.push(...problemsOf(line, 'article', code.error));
    if (!name.success) problems.push(...problemsOf(line, 'name', name.error));
    if (!part.success) for (const i of part.error.issues) problems.push({ line, column: i.path[0] === 'qtyPerSet' ? 'qty_per_set' : 'part', message: i.message });
    const wip = rowWipCodes(line, code.success ? code.data : '', cells);
    problems.push(...wip.problems);
    if (!code.success || !name.success || !part.success || wip.problems.length > 0) continue;
    const a = articles.get(code.data) ?? { name: name.data, firstLine: line, parts: [], partLine: new Map<string, number>() };
    articles.set(code.data, a);
    if (wip.codes && !a.wip) a.wip = { codes: wip.codes, line };
    else if (wip.codes && a.wip && wipKey(a.wip.codes) !== wipKey(wip.codes)) {
      problems.push({ line, column: WIP_COLUMNS.cutting, message: `${code.data} has other WIP codes on line ${a.wip.line}` });
    }
    const earlier = a.partLine.get(part.data.part);
    if (a.name !== name.data) problems.push({ line, column: 'name', message: `${code.data} is named "${a.name}" on line ${a.firstLine}` });
    else if (earlier !== undefined) problems.push({ line, column: 'part', message: `${part.data.part} of ${code.data} is on line ${earlier} already` });
    else {
      a.partLine.set(part.data.part, line);
      a.parts.push(part.data);
    }
  }
  for (const [code, a] of articles) {
    const bill = CutParts.safeParse(a.parts);
    if (!bill.success) problems.push(...problemsOf(a.firstLine, 'part', bill.error).map((p) => ({ ...p, message: `${code}: ${p.message}` })));
  }
  if (problems.length > 0) throw rejectRows(problems);
  const rows = [...articles].map(([code, a]) => ({ code, name: a.name, cutParts: a.parts, ...(a.wip ? { wipCodes: a.wip.codes } : {}) }));
  await dashboardTx(db, async (q) => {
    await writeArticles(q, rows, by);
    await audit(q, by, 'articles.imported', null, { count: rows.length, articles: rows.map((r) => r.code) }, true);
  });
  return rows.map((r) => r.code);
}

/**
 * The one writer of the master: each article added, or replaced whole (name and bill). Answers, per code, whether it
 * was added (a new row: `xmax = 0`) rather than replaced; the caller that expected otherwise throws, which rolls the
 * whole transaction back (the row conflict is decided by PostgreSQL, so two people adding one code at once cannot both
 * succeed). An article written without WIP codes keeps the ones it has (a file or form of an older version never drops
 * them).
 */
async function writeArticles(q: Queryable, rows: readonly ArticleRow[], by: Account): Promise<Map<string, boolean>> {
  const written = await q.query<{ code: string; added: boolean }>(
    `INSERT INTO articles (code, name, cut_parts, wip_codes, updated_by)
     SELECT code, name, cut_parts, wip_codes, $2 FROM jsonb_to_recordset($1::jsonb) AS x(code text, name text, cut_parts jsonb, wip_codes jsonb)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, cut_parts = EXCLUDED.cut_parts, wip_codes = coalesce(EXCLUDED.wip_codes, articles.wip_codes),
       updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING code, (xmax = 0) AS added`,
    [JSON.stringify(rows.map((r) => ({ code: r.code, name: r.name, cut_parts: r.cutParts, wip_codes: r.wipCodes ?? null }))), by.id],
  );
  return new Map(written.map((w) => [w.code, w.added]));
}

/** A new article from the form; 409 when the code is in the master already (nothing changed). */
export async function createArticle(db: Db, article: NewArticleBody, by: Account): Promise<ArticleRow> {
  return dashboardTx(db, async (q) => {
    const added = await writeArticles(q, [article], by);
    if (added.get(article.code) !== true) throw new HttpError(409, 'exists', `article ${article.code} already exists: edit it instead`);
    await audit(q, by, 'article.created', article.code, { name: article.name, cutParts: article.cutParts, ...(article.wipCodes ? { wipCodes: article.wipCodes } : {}) }, true);
    return article;
  });
}

/**
 * An article's new name and bill from the form; 404 when the code is not in the master (nothing changed). Orders made
 * before keep the bill they were made with (it is copied onto each MO and its SPKs); the audit keeps what it replaced.
 */
export async function updateArticle(db: Db, code: string, edit: ArticleEditBody, by: Account): Promise<ArticleRow> {
  return dashboardTx(db, async (q) => {
    const [was] = await q.query<{ name: string; cut_parts: unknown; wip_codes: unknown }>('SELECT name, cut_parts, wip_codes FROM articles WHERE code = $1 FOR UPDATE', [code]);
    if (!was) throw new HttpError(404, 'not_found', `no article ${code} in the master`);
    // The WIP codes against the article's own code (the body alone could not be checked for that).
    parseOr400(NewArticleBody, { code, ...edit }, 'body');
    const kept = WipCodes.safeParse(was.wip_codes);
    const article: ArticleRow = { code, ...edit, ...(edit.wipCodes ? {} : kept.success ? { wipCodes: kept.data } : {}) };
    await writeArticles(q, [article], by);
    await audit(
      q,
      by,
      'article.updated',
      code,
      {
        name: edit.name,
        cutParts: edit.cutParts,
        ...(article.wipCodes ? { wipCodes: article.wipCodes } : {}),
        before: { name: was.name, cutParts: was.cut_parts, ...(was.wip_codes ? { wipCodes: was.wip_codes } : {}) },
      },
      true,
    );
    return article;
  });
}

export async function listArticles(q: Queryable): Promise<ArticleRow[]> {
  const rows = await q.query<{ code: string; name: string; cut_parts: unknown; wip_codes: unknown }>('SELECT code, name, cut_parts, wip_codes FROM articles ORDER BY code');
  return rows.flatMap((r) => {
    const bill = CutParts.safeParse(r.cut_parts);
    const wip = WipCodes.safeParse(r.wip_codes);
    return bill.success ? [{ code: r.code, name: r.name, cutParts: bill.data, ...(wip.success ? { wipCodes: wip.data } : {}) }] : [];
  });
}
