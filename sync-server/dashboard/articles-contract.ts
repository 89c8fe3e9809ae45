/**
 * The article master's form on the dashboard (articles.ts, articles-routes.ts): an article and its bill of cut parts,
 * checked by the shared schemas the CSV import checks each row with (ArticleCode, the article's name, CutPart,
 * CutParts: shared/master.ts). Plain zod, bundled by the screen too.
 */
import { z } from 'zod';
import { Article, ArticleCode, checkWipCodes, CutParts, WipCodes } from '../../shared/master';

/** An article's name, as the master keeps it (trimmed, as the CSV import trims its cells). */
export const ArticleName = z.string().trim().pipe(Article.shape.name);

/**
 * A new article: its code, name, bill of cut parts and WIP codes (optional, so a form or a caller of an older version
 * still adds an article; each differs from the others and from the article's own code).
 */
const ArticleFields = z.object({ code: ArticleCode, name: ArticleName, cutParts: CutParts, wipCodes: WipCodes.optional() });
export const NewArticleBody = ArticleFields.superRefine(checkWipCodes);
export type NewArticleBody = z.infer<typeof NewArticleBody>;
export type NewArticleInput = z.input<typeof NewArticleBody>;

/**
 * An edit: the name, the whole bill and the WIP codes (the code is the article's identity and stays; the WIP codes are
 * checked against it by `updateArticle`). Without `wipCodes` the article keeps the ones it has.
 */
export const ArticleEditBody = ArticleFields.omit({ code: true }).superRefine((a, ctx) => checkWipCodes({ code: '', wipCodes: a.wipCodes }, ctx));
export type ArticleEditBody = z.infer<typeof ArticleEditBody>;
export type ArticleEditInput = z.input<typeof ArticleEditBody>;

export const ArticleParam = z.object({ code: ArticleCode });
