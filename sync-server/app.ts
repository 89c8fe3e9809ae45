/**
 * The sync server's app factory. Tests call `buildApp({ db })` and use `app.inject` (no port); main.ts listens.
 * The app does not own the Db: whoever opened it closes it after `app.close()`.
 *
 * Seams for the domain's routes (push, dashboard API), all decorated on the instance:
 *   app.db                   the database (use writeTx(app.db, ...) for anything that writes documents or events)
 *   app.metrics              counters/gauges (pushes, eventsApplied, eventsRefused, ...)
 *   app.authenticateStation  preHandler: Bearer station token -> request.station {id, department}, 401 otherwise
 *   app.requireAdmin         preHandler for admin routes (ADMIN_TOKEN until dashboard login exists)
 *   app.onStationRevoked     (stationId, cb) => unsubscribe; fires here and on every instance sharing the database
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { registerFloorRoutes } from './floor/routes';
import { headVersion } from './changes';
import { migrate as runMigrations } from './db/migrate';
import type { Db } from './db/types';
import { adminAuthenticator, stationAuthenticator } from './enrollment/auth';
import { StationRevocations } from './enrollment/revocation';
import { registerEnrollmentRoutes } from './enrollment/routes';
import { installErrorHandler, route } from './http/route';
import { Metrics } from './metrics';
import { registerPullRoute } from './replication/pull';
import { registerStreamRoute, StreamHub } from './replication/stream';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    metrics: Metrics;
    revocations: StationRevocations;
    authenticateStation: preHandlerAsyncHookHandler;
    /** Drop this instance's cached credentials of a station (its token was replaced by a re-enrollment). */
    forgetStationCredentials(stationId: string): void;
    requireAdmin: preHandlerAsyncHookHandler;
    onStationRevoked(stationId: string, cb: () => void): () => void;
  }
}

export interface BuildAppOptions {
  db: Db;
  /** Fastify/pino logger options (false = silent, the default for tests). */
  logger?: FastifyServerOptions['logger'];
  /** An existing pino logger instead of `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Shared secret for admin routes; null/undefined disables them. */
  adminToken?: string | null;
  metrics?: Metrics;
  /** Apply pending migrations before serving (default true). */
  migrate?: boolean;
  /** SSE heartbeat interval (default 25 s). */
  heartbeatMs?: number;
  /** Largest accepted request body (push batches): default 5 MiB. */
  bodyLimit?: number;
}

function packageVersion(): string {
  try {
    const pkg = z
      .object({ version: z.string() })
      .parse(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')));
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const { db } = opts;
  const app: FastifyInstance = opts.loggerInstance
    ? Fastify({ loggerInstance: opts.loggerInstance, bodyLimit: opts.bodyLimit ?? 5 * 1024 * 1024 })
    : Fastify({ logger: opts.logger ?? false, bodyLimit: opts.bodyLimit ?? 5 * 1024 * 1024 });

  if (opts.migrate ?? true) {
    const { applied } = await runMigrations(db);
    if (applied.length) app.log.info({ applied }, 'migrations applied');
  }

  const metrics = opts.metrics ?? new Metrics();
  const revocations = new StationRevocations(db);
  app.decorate('db', db);
  app.decorate('metrics', metrics);
  app.decorate('revocations', revocations);
  const stationAuth = stationAuthenticator(db, revocations);
  app.decorate('authenticateStation', stationAuth);
  app.decorate('forgetStationCredentials', (stationId: string) => stationAuth.forgetStation(stationId));
  app.decorate('requireAdmin', adminAuthenticator(opts.adminToken));
  app.decorate('onStationRevoked', (stationId: string, cb: () => void) => revocations.onStationRevoked(stationId, cb));
  app.decorateRequest('station', null);
  installErrorHandler(app);

  const hub = new StreamHub(db, revocations, metrics, opts.heartbeatMs ?? 25_000);
  await revocations.start();
  await hub.start();
  // preClose, not onClose: open SSE responses would keep server.close() waiting forever.
  app.addHook('preClose', async () => {
    await hub.stop();
    await revocations.stop();
  });

  const version = packageVersion();
  route(app, {
    method: 'GET',
    url: '/health',
    response: z.object({
      status: z.enum(['ok', 'error']),
      version: z.string(),
      db: z.object({ kind: z.string(), reachable: z.boolean(), schema: z.number().nullable(), head: z.number().nullable() }),
    }),
    async handler({ reply, request }) {
      try {
        const [row] = await db.query<{ schema: number | null }>('SELECT max(id) AS schema FROM schema_migrations');
        return {
          status: 'ok' as const,
          version,
          db: { kind: db.kind, reachable: true, schema: row?.schema ?? null, head: await headVersion(db) },
        };
      } catch (err) {
        request.log.error({ err }, 'health check: database unreachable');
        reply.code(503);
        return { status: 'error' as const, version, db: { kind: db.kind, reachable: false, schema: null, head: null } };
      }
    },
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  );

  registerEnrollmentRoutes(app);
  registerPullRoute(app);
  registerFloorRoutes(app);
  registerStreamRoute(app, hub);
  return app;
}
