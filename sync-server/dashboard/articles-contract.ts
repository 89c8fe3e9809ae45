/**
 * The article master's form on the dashboard (articles.ts, articles-routes.ts): an article and its bill of cut parts,
 * checked by the shared schemas the CSV import checks each row with (ArticleCode, the article's name, CutPart,
 * CutParts: shared/master.ts). Plain zod, bundled by the screen too.
 */
import { z } from 'zod';
import { Article, ArticleCode, CutParts } from '../../shared/master';

/** An article's name, as the master keeps it (trimmed, as the CSV import trims its cells). */
export const ArticleName = z.string().trim().pipe(Article.shape.name);

/** A new article: its code, name and bill of cut parts. */
export const NewArticleBody = z.object({ code: ArticleCode, name: ArticleName, cutParts: CutParts });
export type NewArticleBody = z.infer<typeof NewArticleBody>;
export type NewArticleInput = z.input<typeof NewArticleBody>;

/** An edit: the name and the whole bill (the code is the article's identity and stays). */
export const ArticleEditBody = NewArticleBody.omit({ code: true });
export type ArticleEditBody = z.infer<typeof ArticleEditBody>;
export type ArticleEditInput = z.input<typeof ArticleEditBody>;

export const ArticleParam = z.object({ code: ArticleCode });
