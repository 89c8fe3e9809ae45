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
 *
 * Bounded by construction: request bodies (size: `bodyLimit`; nesting: http/body.ts, before anything walks them),
 * live streams (per station and in total: replication/stream.ts), metric label sets (metrics.ts). `/health` says only
 * up or down unless asked with the admin token; `/metrics` needs the metrics token, or comes from this machine.
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions, type preHandlerAsyncHookHandler } from 'fastify';
import { z } from 'zod';
import { registerFloorRoutes } from './floor/routes';
import { registerSsccLeaseRoute, type SsccLeaseSettings } from './floor/sscc-leases';
import { registerDashboard, type DashboardOptions } from './dashboard/routes';
import { installRouteRegistry } from './dashboard/route-registry';
import { headVersion } from './changes';
import { migrate as runMigrations } from './db/migrate';
import type { Db } from './db/types';
import { adminAuthenticator, adminOrAnonymous, metricsAuthenticator, stationAuthenticator } from './enrollment/auth';
import { StationRevocations } from './enrollment/revocation';
import { registerEnrollmentRoutes } from './enrollment/routes';
import { installJsonBodyParser, MAX_JSON_DEPTH } from './http/body';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler, route } from './http/route';
import { Metrics } from './metrics';
import { registerPullRoute } from './replication/pull';
import { registerStreamRoute, StreamHub, type StreamLimits } from './replication/stream';

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
    /** This instance's live streams (counts and limits; tests and /health details). */
    streams: StreamHub;
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
  /** Live streams: per station (default 2, one more closes the oldest) and in total (default 1000, then 503). */
  streams?: Partial<Omit<StreamLimits, 'heartbeatMs'>>;
  /** Largest accepted request body (push batches): default 5 MiB. */
  bodyLimit?: number;
  /** Deepest nesting of a JSON request body (default MAX_JSON_DEPTH = 64); deeper is a 400 `too_deep`. */
  maxJsonDepth?: number;
  /**
   * Bearer token for `GET /metrics` (the admin token works too). Unset: /metrics answers only loopback clients.
   */
  metricsToken?: string | null;
  /** The supervisors' dashboard (sync-server/dashboard/routes.ts): screen folder, cookie, login limits, live channel. */
  dashboard?: DashboardOptions;
  /** Carton numbers leased to packing stations (floor/sscc-leases.ts); unset = the lease route answers 503. */
  sscc?: SsccLeaseSettings | null;
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
  const serverOptions = {
    bodyLimit: opts.bodyLimit ?? 5 * 1024 * 1024,
    // A request (headers and body) must arrive within this; Fastify's default is no limit at all. Live streams are
    // unaffected (it bounds receiving the request, not the response).
    requestTimeout: 120_000,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  } satisfies FastifyServerOptions;
  const app: FastifyInstance = opts.loggerInstance
    ? Fastify({ loggerInstance: opts.loggerInstance, ...serverOptions })
    : Fastify({ logger: opts.logger ?? false, ...serverOptions });
  installRouteRegistry(app);

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
  installJsonBodyParser(app, opts.maxJsonDepth ?? MAX_JSON_DEPTH);

  const hub = new StreamHub(db, revocations, metrics, { ...opts.streams, ...(opts.heartbeatMs ? { heartbeatMs: opts.heartbeatMs } : {}) });
  app.decorate('streams', hub);
  await revocations.start();
  await hub.start();
  // preClose, not onClose: open SSE responses would keep server.close() waiting forever.
  app.addHook('preClose', async () => {
    await hub.stop();
    await revocations.stop();
  });

  const version = packageVersion();
  const healthAccess = adminOrAnonymous(opts.adminToken);
  route(app, {
    method: 'GET',
    url: '/health',
    // Up or down for anyone (load balancers, uptime checks); the details only for the office (admin token).
    response: z.object({
      ok: z.boolean(),
      status: z.enum(['ok', 'error']).optional(),
      version: z.string().optional(),
      db: z.object({ kind: z.string(), reachable: z.boolean(), schema: z.number().nullable(), head: z.number().nullable() }).optional(),
      streams: z.object({ open: z.number(), max: z.number(), stations: z.number() }).optional(),
    }),
    async handler({ reply, request }) {
      const access = healthAccess(request);
      try {
        const [row] = await db.query<{ schema: number | null }>('SELECT max(id) AS schema FROM schema_migrations');
        if (access === 'anonymous') return { ok: true };
        return {
          ok: true,
          status: 'ok' as const,
          version,
          db: { kind: db.kind, reachable: true, schema: row?.schema ?? null, head: await headVersion(db) },
          streams: { open: hub.size, max: hub.maxTotal, stations: metrics.connectedStations.get() },
        };
      } catch (err) {
        request.log.error({ err }, 'health check: database unreachable');
        reply.code(503);
        if (access === 'anonymous') return { ok: false };
        return { ok: false, status: 'error' as const, version, db: { kind: db.kind, reachable: false, schema: null, head: null } };
      }
    },
  });
  app.get('/metrics', { preHandler: metricsAuthenticator(opts.metricsToken, opts.adminToken) }, async (_request, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
  );

  registerEnrollmentRoutes(app);
  registerPullRoute(app);
  registerFloorRoutes(app);
  registerSsccLeaseRoute(app, opts.sscc ?? null);
  registerStreamRoute(app, hub);
  await registerDashboard(app, opts.dashboard);
  return app;
}
