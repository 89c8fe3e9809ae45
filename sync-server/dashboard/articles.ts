/**
 * The article master: each article with its bill of cut parts, added or edited on the dashboard's form by PPIC or an
 * admin, or imported from CSV, one row per part: `article,name,part,qty_per_set`. Both are checked by the same shared
 * schemas (ArticleCode, the name, CutPart, CutParts: shared/master.ts, articles-contract.ts) and written by one writer
 * (`writeArticles`), each step audited in its transaction. A file with any problem imports nothing (the report names
 * each line and column); a good one replaces the articles it names. The Orders form copies an article's bill onto a
 * new MO (the bill then travels on the MO and its SPKs: a later edit here changes no order already made).
 */
import { z } from 'zod';
import { ArticleCode, CutPart, CutParts } from '../../shared/master';
import type { Db, Queryable } from '../db/types';
import { HttpError } from '../http/route';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import type { Account, ArticleRow } from './contract';
import { ArticleName, type ArticleEditBody, type NewArticleBody } from './articles-contract';
import { recordsOr422, rejectRows, type RowProblem } from './csv';

export const ARTICLE_COLUMNS = ['article', 'name', 'part', 'qty_per_set'] as const;
const MAX_ROWS = 5000;

interface Pending {
  name: string;
  firstLine: number;
  parts: CutPart[];
  partLine: Map<string, number>;
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
    if (!code.success || !name.success || !part.success) continue;
    const a = articles.get(code.data) ?? { name: name.data, firstLine: line, parts: [], partLine: new Map<string, number>() };
    articles.set(code.data, a);
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
  const rows = [...articles].map(([code, a]) => ({ code, name: a.name, cutParts: a.parts }));
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
 * succeed).
 */
async function writeArticles(q: Queryable, rows: readonly ArticleRow[], by: Account): Promise<Map<string, boolean>> {
  const written = await q.query<{ code: string; added: boolean }>(
    `INSERT INTO articles (code, name, cut_parts, updated_by)
     SELECT code, name, cut_parts, $2 FROM jsonb_to_recordset($1::jsonb) AS x(code text, name text, cut_parts jsonb)
     ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, cut_parts = EXCLUDED.cut_parts, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING code, (xmax = 0) AS added`,
    [JSON.stringify(rows.map((r) => ({ code: r.code, name: r.name, cut_parts: r.cutParts }))), by.id],
  );
  return new Map(written.map((w) => [w.code, w.added]));
}

/** A new article from the form; 409 when the code is in the master already (nothing changed). */
export async function createArticle(db: Db, article: NewArticleBody, by: Account): Promise<ArticleRow> {
  return dashboardTx(db, async (q) => {
    const added = await writeArticles(q, [article], by);
    if (added.get(article.code) !== true) throw new HttpError(409, 'exists', `article ${article.code} already exists: edit it instead`);
    await audit(q, by, 'article.created', article.code, { name: article.name, cutParts: article.cutParts }, true);
    return article;
  });
}

/**
 * An article's new name and bill from the form; 404 when the code is not in the master (nothing changed). Orders made
 * before keep the bill they were made with (it is copied onto each MO and its SPKs); the audit keeps what it replaced.
 */
export async function updateArticle(db: Db, code: string, edit: ArticleEditBody, by: Account): Promise<ArticleRow> {
  return dashboardTx(db, async (q) => {
    const [was] = await q.query<{ name: string; cut_parts: unknown }>('SELECT name, cut_parts FROM articles WHERE code = $1 FOR UPDATE', [code]);
    if (!was) throw new HttpError(404, 'not_found', `no article ${code} in the master`);
    const article = { code, ...edit };
    await writeArticles(q, [article], by);
    await audit(q, by, 'article.updated', code, { name: edit.name, cutParts: edit.cutParts, before: { name: was.name, cutParts: was.cut_parts } }, true);
    return article;
  });
}

export async function listArticles(q: Queryable): Promise<ArticleRow[]> {
  const rows = await q.query<{ code: string; name: string; cut_parts: unknown }>('SELECT code, name, cut_parts FROM articles ORDER BY code');
  return rows.flatMap((r) => {
    const bill = CutParts.safeParse(r.cut_parts);
    return bill.success ? [{ code: r.code, name: r.name, cutParts: bill.data }] : [];
  });
}
