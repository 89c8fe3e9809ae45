/**
 * The Fleet view (admins act, everyone reads): every station with online/offline, last sync, backlog, clock skew,
 * app version and device health as its last heartbeat reported them (floor/routes.ts stores them on `stations`), and
 * the enrollment codes still waiting to be used. An admin issues a station's one-time code (shown once: only its
 * hash is stored) and revokes a station, through the same writes as the admin-token routes
 * (enrollment/station-admin.ts), each audited in the same transaction; neither step records the code.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Heartbeat } from '../../shared/sync';
import { withTxRetry } from '../db/tx-retry';
import type { Queryable } from '../db/types';
import { issueEnrollmentCode, revokeStation } from '../enrollment/station-admin';
import { HttpError } from '../http/route';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import type { Account, FleetView, IssuedCode, NewStationCode } from './contract';
import { ONLINE_WITHIN_SECONDS } from './floor-view';
import { KeptRows, signature } from './kept-rows';

const Devices = Heartbeat.shape.devices;

/** Epoch milliseconds of a timestamp column (null stays null): a station row's signature (kept-rows.ts). */
const timeOf = (d: Date | null) => (d === null ? null : new Date(d).getTime());

interface StationRowDb extends Record<string, unknown> {
  id: string;
  name: string;
  department: string;
  line_id: string | null;
  revoked_at: Date | null;
  enrolled_at: Date | null;
  last_sync: Date | null;
  online: boolean;
  backlog: number | null;
  clock_skew_ms: number | null;
  app_version: string | null;
  /** The last heartbeat's devices as stored (JSON text: read, and checked, only when they changed). */
  devices: string | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

type FleetStation = FleetView['stations'][number];

function fleetStation(s: StationRowDb): FleetStation {
  const devices = Devices.safeParse(parseJson(s.devices) ?? []);
  return {
    id: s.id,
    name: s.name,
    department: s.department,
    lineId: s.line_id,
    online: s.online,
    revoked: s.revoked_at !== null,
    lastSyncAt: iso(s.last_sync),
    backlog: s.backlog,
    clockSkewMs: s.clock_skew_ms === null ? null : Number(s.clock_skew_ms),
    revokedAt: iso(s.revoked_at),
    enrolledAt: iso(s.enrolled_at),
    appVersion: s.app_version,
    devices: devices.success ? devices.data.map((d) => ({ deviceId: d.deviceId, kind: d.kind, connected: d.connected, faults: d.faults, errors: d.errors, message: d.message })) : [],
  };
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The Fleet view's station rows, kept between computations while a station's row is the same (kept-rows.ts). */
export const fleetRows = () =>
  new KeptRows<StationRowDb, FleetStation>(
    (s) => s.id,
    (s) => signature([s.name, s.department, s.line_id, timeOf(s.revoked_at), timeOf(s.last_sync), s.online, s.backlog, s.clock_skew_ms, timeOf(s.enrolled_at), s.app_version, s.devices]),
    fleetStation,
  );

/** The Fleet view now; `kept`: the last computation's rows (live-views.ts keeps one; a fresh one builds every row). */
export async function loadFleetView(q: Queryable, kept = fleetRows()): Promise<FleetView> {
  const [stations, codes] = await Promise.all([
    q.query<StationRowDb>(
      `SELECT id, name, department, line_id, revoked_at, enrolled_at, backlog, clock_skew_ms, app_version, devices::text AS devices,
              greatest(last_push_at, last_seen_at) AS last_sync,
              coalesce(greatest(last_push_at, last_seen_at) > now() - make_interval(secs => $1), false) AND revoked_at IS NULL AS online
         FROM stations ORDER BY department, id`,
      [ONLINE_WITHIN_SECONDS],
    ),
    q.query<{ station_id: string; department: string; expires_at: Date; created_at: Date }>(
      'SELECT station_id, department, expires_at, created_at FROM enrollment_codes WHERE used_at IS NULL AND expires_at > now() ORDER BY created_at DESC LIMIT 200',
    ),
  ]);
  return {
    stations: kept.rows(stations),
    pendingCodes: codes.map((c) => ({ stationId: c.station_id, department: c.department, issuedAt: iso(c.created_at) ?? '', expiresAt: iso(c.expires_at) ?? '' })),
  };
}

/** A one-time code for a station, audited (without the code) in the same transaction. */
export async function issueStationCode(app: FastifyInstance, body: NewStationCode, by: Account): Promise<IssuedCode> {
  const issued = await dashboardTx(app.db, async (q) => {
    const r = await issueEnrollmentCode(q, body);
    await audit(q, by, 'station.code_issued', body.stationId, { department: body.department, expiresAt: r.expiresAt }, true);
    return r;
  });
  return { stationId: body.stationId, department: body.department, ...issued };
}

export async function revokeFromDashboard(app: FastifyInstance, stationId: string, by: Account): Promise<string> {
  // One transaction, its notice to this instance's streams sent after the commit: run again whole on a deadlock.
  const revokedAt = await withTxRetry(() => revokeStation(app, stationId, (q) => audit(q, by, 'station.revoked', stationId, {}, true)));
  if (revokedAt === null) throw new HttpError(404, 'not_found', `station ${stationId} not found`);
  return revokedAt;
}

export const StationParam = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/) });
