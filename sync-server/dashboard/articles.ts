/**
 * The article master: each article with its bill of cut parts, imported from CSV by PPIC or an admin, one row per
 * part: `article,name,part,qty_per_set`. Rows are checked by the shared schemas (ArticleCode, CutPart, CutParts:
 * shared/master.ts); an article's rows share one name and name each part once. A file with any problem imports
 * nothing (the report names each line and column); a good one replaces the articles it names, in one transaction,
 * audited. The Orders form copies an article's bill onto a new MO (the bill then travels on the MO's SPKs).
 */
import { z } from 'zod';
import { Article, ArticleCode, CutPart, CutParts } from '../../shared/master';
import type { Db, Queryable } from '../db/types';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import type { Account, ArticleRow } from './contract';
import { recordsOr422, rejectRows, type RowProblem } from './csv';

export const ARTICLE_COLUMNS = ['article', 'name', 'part', 'qty_per_set'] as const;
const MAX_ROWS = 5000;
const ArticleName = Article.shape.name;

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
  const rows = [...articles].map(([code, a]) => ({ code, name: a.name, cut_parts: a.parts }));
  await dashboardTx(db, async (q) => {
    await q.query(
      `INSERT INTO articles (code, name, cut_parts, updated_by)
       SELECT code, name, cut_parts, $2 FROM jsonb_to_recordset($1::jsonb) AS x(code text, name text, cut_parts jsonb)
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, cut_parts = EXCLUDED.cut_parts, updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [JSON.stringify(rows), by.id],
    );
    await audit(q, by, 'articles.imported', null, { count: rows.length, articles: rows.map((r) => r.code) }, true);
  });
  return rows.map((r) => r.code);
}

export async function listArticles(q: Queryable): Promise<ArticleRow[]> {
  const rows = await q.query<{ code: string; name: string; cut_parts: unknown }>('SELECT code, name, cut_parts FROM articles ORDER BY code');
  return rows.flatMap((r) => {
    const bill = CutParts.safeParse(r.cut_parts);
    return bill.success ? [{ code: r.code, name: r.name, cutParts: bill.data }] : [];
  });
}
