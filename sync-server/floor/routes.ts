/**
 * Floor routes: station push (events up) and the office's master data (roster, manufacturing orders) on the admin
 * token. The office's writes have one writer each, shared with the dashboard: an operator document is built by
 * `rosterDocument` (dashboard/roster.ts, as the CSV import and the Roster view), an MO is fanned out and released by
 * `releaseOrder` (dashboard/orders.ts, as PPIC's approval); enrollment codes and revocation are
 * enrollment/station-admin.ts's (enrollment/routes.ts, dashboard/fleet.ts).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Department, ManufacturingOrder, OperatorId, Role, checkRosterPin } from '../../shared/master';
import { Heartbeat, PushRequest, PushResponse, storableText } from '../../shared/sync';
import { writeDocuments, writeTx } from '../changes';
import { releaseOrder } from '../dashboard/orders';
import { rosterDocument } from '../dashboard/roster';
import { HttpError, route } from '../http/route';
import { isUnparsed, parseBatch } from './parse-batch';
import { PushError } from './push-error';
import { checkSlips } from './slips';
import { IngestQueue } from './ingest-queue';
import { MasterCache } from './master';

export function registerFloorRoutes(app: FastifyInstance): void {
  const master = new MasterCache();
  // Group commit of pushes: one queue per server process (ingest-queue.ts).
  const ingest = new IngestQueue(app.db, master);
  // In-flight pushes finish (and answer) before the database goes away.
  app.addHook('onClose', () => ingest.idle());

  route(app, {
    method: 'POST',
    url: '/api/push',
    preHandler: app.authenticateStation,
    body: PushRequest,
    response: PushResponse,
    async handler({ body, request }) {
      const station = request.station;
      if (!station) throw new HttpError(401, 'unauthorized', 'station token required');
      app.metrics.pushes.inc();
      try {
        const receivedAtMs = Date.now();
        const events = parseBatch(station.id, body.events);
        // Shown on the dashboard and in metrics; never used for ordering (the server orders by its own sequence).
        // Recorded on the station row (with last_push_at) in the same transaction as the push.
        const clockSkewMs = body.stationTime === undefined ? undefined : body.stationTime - receivedAtMs;
        const untrustedSlips = await checkSlips(app.db, events.flatMap((e) => (isUnparsed(e) ? [] : [e])));
        const r = await ingest.submit({ stationId: station.id, events, clockSkewMs, untrustedSlips, receivedAtMs });
        if (clockSkewMs !== undefined) app.metrics.clockSkew.set(Math.round(clockSkewMs / 1000), { station: station.id });
        app.metrics.eventsApplied.inc(r.applied);
        app.metrics.eventsRefused.inc(r.refused);
        app.metrics.eventsFlagged.inc(r.flagged);
        return { results: r.results, lastAppliedSeq: r.lastAppliedSeq };
      } catch (err) {
        if (err instanceof PushError) throw new HttpError(err.status, err.code, err.message);
        throw err;
      }
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/heartbeat',
    preHandler: app.authenticateStation,
    body: Heartbeat,
    response: z.object({ serverTime: z.number() }),
    async handler({ body, request }) {
      const station = request.station;
      if (!station) throw new HttpError(401, 'unauthorized', 'station token required');
      const now = Date.now();
      const skewMs = body.stationTime - now;
      await app.db.query(
        // An older station sends no version: the one it last reported stays (it is not known to have changed).
        'UPDATE stations SET last_seen_at = now(), clock_skew_ms = $2, backlog = $3, devices = $4::jsonb, app_version = coalesce($5, app_version) WHERE id = $1',
        [station.id, skewMs, body.backlog, JSON.stringify(body.devices), body.appVersion ?? null],
      );
      // Metrics only after the row is written: a failed heartbeat must not show numbers the office never stored.
      app.metrics.clockSkew.set(Math.round(skewMs / 1000), { station: station.id });
      app.metrics.stationBacklog.set(body.backlog, { station: station.id });
      // The heartbeat lists all the station's devices: series of devices it no longer lists go (unplugged for good,
      // renamed), so a station holds at most the 32 series its last heartbeat named.
      const listed = new Set(body.devices.map((d) => d.deviceId));
      app.metrics.deviceConnected.deleteWhere((l) => l.station === station.id && !listed.has(l.device ?? ''));
      for (const d of body.devices) app.metrics.deviceConnected.set(d.connected ? 1 : 0, { station: station.id, device: d.deviceId });
      return { serverTime: now };
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/operators',
    preHandler: app.requireAdmin,
    status: 201,
    body: z.object({
      id: OperatorId,
      name: storableText(80).min(1),
      roles: z.array(Role).min(1).max(Role.options.length),
      departments: z.array(Department).max(Department.options.length),
      // 4-8 digits; 6-8 for a supervisor or admin (checkRosterPin, shared/security/pin-rules.ts).
      pin: z.string().max(64),
      active: z.boolean().default(true),
    }).superRefine(checkRosterPin),
    response: z.object({ id: z.string() }),
    async handler({ body }) {
      // The roster (with PIN hashes) goes to every station so login and supervisor release work offline.
      const doc = await rosterDocument(body);
      await writeTx(app.db, (q) => writeDocuments(q, [doc]));
      return { id: doc.id };
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/manufacturing-orders',
    preHandler: app.requireAdmin,
    status: 201,
    body: ManufacturingOrder,
    response: z.object({ id: z.string(), workOrders: z.array(z.string()) }),
    async handler({ body }) {
      const { result } = await writeTx(app.db, (q) => releaseOrder(q, body));
      if (!result) throw new HttpError(409, 'exists', `manufacturing order ${body.id} already exists`);
      return { id: body.id, workOrders: result };
    },
  });
}
