/**
 * Routes declare zod schemas for params, querystring, body and response. Requests are parsed here (400 naming the
 * field on failure, handler never runs, nothing changes); responses are parsed too, so a handler bug that would leak
 * a wrong shape to a station becomes a logged 500 instead. Plain zod in the handler path: no type-provider package.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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
    /** Sent with the error answer, e.g. `retry-after` on a 503, `www-authenticate` on a 401. */
    readonly headers?: Readonly<Record<string, string>>,
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

/**
 * A response checked against its route's schema and serialised once, sent as is: a read model computed once and
 * served to every open dashboard (a floor view of 10,000 work orders is a megabyte of JSON; checking and serialising
 * it per request cost more than computing it).
 */
export class CheckedJson<R extends Schema> {
  /** The schema it was checked against (types only: a route sends only what its own schema checked). */
  declare readonly checkedBy?: R;

  /** What is sent: JSON text, or its UTF-8 bytes (one Buffer written to every dashboard asking the same: no copy each). */
  private constructor(readonly body: string | Buffer) {}

  /** The JSON text. */
  get json(): string {
    return typeof this.body === 'string' ? this.body : this.body.toString('utf8');
  }

  /** Checks `value` against `schema` (throws naming the first issue) and serialises what the check returns. */
  static of<R extends Schema>(schema: R, value: z.input<R>): CheckedJson<R> {
    return new CheckedJson<R>(JSON.stringify(checkedValue(schema, value)));
  }

  /**
   * JSON joined from parts that were each checked when they were made (a view checked once per computation and kept
   * row by row: dashboard/view-revisions.ts), in the shape `schema` describes; the route sends it as is. Its test
   * parses such answers with the schema (dashboard/views.test.ts).
   */
  static joined<R extends Schema>(_schema: R, json: string | Buffer): CheckedJson<R> {
    return new CheckedJson<R>(json);
  }
}

/** `value` as `schema` parses it; throws naming the first issue (a server-made value that fails is a bug: a 500). */
export function checkedValue<S extends Schema>(schema: S, value: z.input<S>): z.output<S> {
  const checked = schema.safeParse(value);
  if (!checked.success) throw new Error(`response failed its schema: ${checked.error.issues[0]?.path.join('.') ?? ''} ${checked.error.issues[0]?.message ?? ''}`);
  return checked.data;
}

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
  }) => Promise<z.input<R> | CheckedJson<R>>;
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
      // A status the handler set itself (e.g. /health's 503) wins over the route's success status.
      const status = reply.statusCode !== 200 ? reply.statusCode : (def.status ?? 200);
      if (result instanceof CheckedJson) return reply.code(status).type('application/json; charset=utf-8').send(result.body);
      const checked = def.response.safeParse(result);
      if (!checked.success) {
        request.log.error({ issues: checked.error.issues, url: def.url }, 'response failed its schema');
        throw new HttpError(500, 'internal', 'internal error');
      }
      return reply.code(status).send(checked.data);
    },
  });
}

/**
 * Fastify's own 4xx errors under plain codes a station (or a person reading a log) can act on; anything else 4xx
 * from Fastify is a `bad_request`.
 */
const FASTIFY_ERROR_CODES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_content_length',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'bad_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'bad_json',
  FST_ERR_BAD_URL: 'bad_url',
  FST_ERR_MAX_PARAM_LENGTH: 'url_too_long',
};

function clientErrorCode(err: FastifyError): string {
  if (err.code && FASTIFY_ERROR_CODES[err.code]) return FASTIFY_ERROR_CODES[err.code]!;
  // Fastify's JSON parser rethrows JSON.parse's (and secure-json-parse's) SyntaxError with status 400.
  if (err instanceof SyntaxError) return 'bad_json';
  return 'bad_request';
}

/** One error shape for every failure, including Fastify's own (malformed JSON, too large, unsupported type). */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, request, reply) => {
    if (err instanceof HttpError) {
      const body: ErrorBody = { error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) };
      if (err.statusCode >= 500) request.log.error({ err }, 'request failed');
      if (err.headers) void reply.headers(err.headers);
      return reply.code(err.statusCode).send(body);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error' } satisfies ErrorBody);
    }
    return reply.code(status).send({ error: clientErrorCode(err), message: err.message } satisfies ErrorBody);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `${request.method} ${request.url.slice(0, 200)} not found` } satisfies ErrorBody),
  );
}

/**
 * Fastify's `frameworkErrors`: a URL that does not decode (`/api/stations/%FF/revoke`) or a parameter over the
 * router's length limit, answered in the same shape as every other error.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
  void reply.code(status).send({ error: clientErrorCode(err), message: err.message.slice(0, 300) } satisfies ErrorBody);
}

const RAW_CLIENT_ERRORS: Readonly<Record<string, { status: number; code: string; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request took too long to arrive' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'request headers too large' },
};

/**
 * Node's `clientError` (bytes that are not HTTP, a broken chunked body, headers too large, too slow): answered in
 * the error shape, then the socket is dropped. Nothing here can reach a route, so nothing was changed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const e = (err.code && RAW_CLIENT_ERRORS[err.code]) || { status: 400, code: 'bad_http', message: 'malformed HTTP request' };
  const body = JSON.stringify({ error: e.code, message: e.message } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Bad Request'}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
