/**
 * The article master's routes (articles.ts): everyone on the dashboard reads it (the Orders form picks from it); PPIC
 * and admins add an article with its bill and edit an article's name and bill on the form, as they import the master
 * from CSV. Each is a `dashboardRoute` (access.ts: session, role, CSRF), so the authorization test walks them.
 */
import type { FastifyInstance } from 'fastify';
import { dashboardRoute, sessionOf } from './access';
import { createArticle, listArticles, updateArticle } from './articles';
import { ArticleEditBody, ArticleParam, NewArticleBody } from './articles-contract';
import { ArticleList, ArticleRow, DASHBOARD_ROLES, type DashboardRole } from './contract';

/** Who keeps the master (as they do manufacturing orders and the CSV imports). */
const ARTICLE_KEEPERS: readonly DashboardRole[] = ['ppic', 'admin'];

export function registerArticleRoutes(app: FastifyInstance): void {
  dashboardRoute(app, DASHBOARD_ROLES, {
    method: 'GET',
    url: '/api/dashboard/articles',
    response: ArticleList,
    handler: async () => ({ articles: await listArticles(app.db) }),
  });

  dashboardRoute(app, ARTICLE_KEEPERS, {
    method: 'POST',
    url: '/api/dashboard/articles',
    status: 201,
    body: NewArticleBody,
    response: ArticleRow,
    handler: ({ body, request }) => createArticle(app.db, body, sessionOf(request).account),
  });

  dashboardRoute(app, ARTICLE_KEEPERS, {
    method: 'PUT',
    url: '/api/dashboard/articles/:code',
    params: ArticleParam,
    body: ArticleEditBody,
    response: ArticleRow,
    handler: ({ params, body, request }) => updateArticle(app.db, params.code, body, sessionOf(request).account),
  });
}
