import type { FastifyInstance } from 'fastify';
import { PullQuery, PullResponse, scopeTokensFor } from '../../shared/sync';
import { pullDocumentsText, serverHead } from '../changes';
import { route } from '../http/route';
import { pullAnswer } from './pull-answer';

export function registerPullRoute(app: FastifyInstance): void {
  route(app, {
    method: 'GET',
    url: '/api/pull',
    preHandler: app.authenticateStation,
    querystring: PullQuery,
    response: PullResponse,
    async handler({ query, request }) {
      const station = request.station!;
      const result = await pullDocumentsText(app.db, {
        scopeTokens: scopeTokensFor(station),
        checkpoint: query.checkpoint === undefined ? null : { version: query.checkpoint },
        limit: query.limit,
      });
      app.metrics.pulls.inc();
      // Read after the documents: a head below the station's checkpoint can then only mean the database went back;
      // an epoch other than the checkpoint's, that the database is another one (restored, failed over).
      const { head, epoch } = await serverHead(app.db);
      // A short batch means the station has caught up (its checkpoint may stay far behind the head when nothing in
      // its scope changes). A full batch: the distance to the head, counting all changes, is an upper bound.
      const lag = result.documents.length < query.limit ? 0 : Math.max(0, head - result.checkpoint.version);
      app.metrics.pullLag.set(lag, { station: station.id });
      // Bodies go out as the database's JSON text, checked but not parsed (pull-answer.ts).
      return pullAnswer(result.documents, { ...result.checkpoint, epoch }, head);
    },
  });
}
