/**
 * Routes declare zod schemas for params, querystring, body and response. Requests are parsed here (400 naming the
 * field on failure, handler never runs, nothing changes); responses are parsed too, so a handler bug that would leak
 * a wrong shape to a station becomes a logged 500 instead. Plain zod in the handler path: no type-provider package.
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { z } from 'zod';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export interface Issue {
  path: string;
  message: string;
}

export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  throw new HttpError(400, 'bad_request', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteDef<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Schema> {
  method: HTTPMethods;
  url: string;
  params?: P;
  querystring?: Q;
  body?: B;
  response: R;
  /** Success status (default 200). */
  status?: number;
  preHandler?: preHandlerAsyncHookHandler | preHandlerAsyncHookHandler[];
  handler: (ctx: {
    params: Out<P>;
    query: Out<Q>;
    body: Out<B>;
    request: FastifyRequest;
    reply: FastifyReply;
  }) => Promise<z.input<R>>;
}

export function route<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined, R extends Schema>(
  app: FastifyInstance,
  def: RouteDef<P, Q, B, R>,
): void {
  app.route({
    method: def.method,
    url: def.url,
    preHandler: def.preHandler,
    handler: async (request, reply) => {
      const ctx = {
        params: (def.params ? parseOr400(def.params, request.params, 'params') : undefined) as Out<P>,
        query: (def.querystring ? parseOr400(def.querystring, request.query, 'query') : undefined) as Out<Q>,
        body: (def.body ? parseOr400(def.body, request.body, 'body') : undefined) as Out<B>,
        request,
        reply,
      };
      const result = await def.handler(ctx);
      const checked = def.response.safeParse(result);
      if (!checked.success) {
        request.log.error({ issues: checked.error.issues, url: def.url }, 'response failed its schema');
        throw new HttpError(500, 'internal', 'internal error');
      }
      return reply.code(def.status ?? 200).send(checked.data);
    },
  });
}

/** One error shape for every failure, including Fastify's own (malformed JSON, too large, unsupported type). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      const body: ErrorBody = { error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
      if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
      return reply.code(err.statusCode).send(body);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error' } satisfies ErrorBody);
    }
    return reply.code(status).send({ error: err.code ?? 'bad_request', message: err.message } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `${request.method} ${request.url} not found` } satisfies ErrorBody),
  );
}
