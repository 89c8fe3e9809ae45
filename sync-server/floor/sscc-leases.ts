/**
 * Carton numbers for packing stations: `POST /api/sscc-leases` hands the calling packing station the next block of
 * SSCC serial references under the floor's GS1 company prefix, from a counter row in PostgreSQL (migration 0009). One
 * transaction: the counter's UPDATE takes its row lock, so concurrent requests queue and each gets its own block; the
 * lease is recorded with the station and the time. A retry with the same `requestId` answers the lease it already got.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CompanyPrefix, SSCC_LEASE_PATH, SsccLease, SsccLeaseRequest, maxSerial } from '../../shared/barcode/sscc';
import type { Queryable } from '../db/types';
import { HttpError, route } from '../http/route';

/** The floor's SSCC settings (env: SSCC_COMPANY_PREFIX, SSCC_EXTENSION_DIGIT, SSCC_BLOCK_SIZE; sync-server/main.ts). */
export const SsccLeaseConfig = z.object({
  companyPrefix: CompanyPrefix,
  extension: z.number().int().min(0).max(9).default(0),
  blockSize: z.number().int().min(1).max(100_000).default(500),
  /**
   * Leases one station may take in an hour: far above any real packing line (20 × 500 numbers an hour), low enough that
   * a station gone wrong, or a stolen token, cannot use up the floor's range.
   */
  maxLeasesPerHour: z.number().int().min(1).max(10_000).default(20),
});
export type SsccLeaseConfig = z.infer<typeof SsccLeaseConfig>;
/** The settings as given (defaults not applied yet): what `buildApp({ sscc })` takes. */
export type SsccLeaseSettings = z.input<typeof SsccLeaseConfig>;

interface LeaseRow extends Record<string, unknown> {
  id: number;
  company_prefix: string;
  extension: number;
  first_serial: number;
  last_serial: number;
  leased_at: Date | string;
}

const LEASE_COLUMNS = 'id, company_prefix, extension, first_serial, last_serial, leased_at';
const UNIQUE_VIOLATION = '23505';

function toLease(row: LeaseRow): SsccLease {
  return {
    leaseId: String(row.id),
    companyPrefix: row.company_prefix,
    extension: Number(row.extension),
    first: Number(row.first_serial),
    last: Number(row.last_serial),
    leasedAt: new Date(row.leased_at).toISOString(),
  };
}

async function leaseOf(q: Queryable, stationId: string, requestId: string): Promise<SsccLease | null> {
  const [row] = await q.query<LeaseRow>(`SELECT ${LEASE_COLUMNS} FROM sscc_leases WHERE station_id = $1 AND request_id = $2`, [stationId, requestId]);
  return row ? toLease(row) : null;
}

/** Takes the next block (or finds the one this request already got), in one transaction. */
async function takeBlock(q: Queryable, config: SsccLeaseConfig, stationId: string, requestId: string): Promise<SsccLease> {
  // The station's row lock: one lease request of a station at a time, so the hourly count below cannot be raced.
  await q.query('SELECT 1 FROM stations WHERE id = $1 FOR UPDATE', [stationId]);
  const earlier = await leaseOf(q, stationId, requestId);
  if (earlier) return earlier;
  const [recent] = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM sscc_leases WHERE station_id = $1 AND leased_at > now() - interval '1 hour'", [
    stationId,
  ]);
  if (Number(recent?.n ?? 0) >= config.maxLeasesPerHour) {
    throw new HttpError(429, 'too_many_leases', `${stationId} took ${config.maxLeasesPerHour} SSCC leases in the last hour: ask again later`, undefined, {
      'retry-after': '600',
    });
  }
  const [counter] = await q.query<{ next_serial: number }>(
    `INSERT INTO sscc_counters (company_prefix, extension, next_serial) VALUES ($1, $2, $3)
     ON CONFLICT (company_prefix, extension) DO UPDATE SET next_serial = sscc_counters.next_serial + EXCLUDED.next_serial
     RETURNING next_serial`,
    [config.companyPrefix, config.extension, config.blockSize],
  );
  if (!counter) throw new Error('sscc counter: no row returned');
  const last = Number(counter.next_serial) - 1;
  const first = last - config.blockSize + 1;
  if (last > maxSerial(config.companyPrefix)) {
    throw new HttpError(
      409,
      'sscc_range_exhausted',
      `no serial references left under company prefix ${config.companyPrefix} with extension digit ${config.extension}: set another SSCC_EXTENSION_DIGIT`,
    );
  }
  const [row] = await q.query<LeaseRow>(
    `INSERT INTO sscc_leases (station_id, request_id, company_prefix, extension, first_serial, last_serial)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${LEASE_COLUMNS}`,
    [stationId, requestId, config.companyPrefix, config.extension, first, last],
  );
  if (!row) throw new Error('sscc lease: no row returned');
  return toLease(row);
}

export function registerSsccLeaseRoute(app: FastifyInstance, settings: SsccLeaseSettings | null): void {
  // Checked when the server is built: a bad prefix stops the start, it does not wait for the first packing station.
  const config = settings ? SsccLeaseConfig.parse(settings) : null;
  route(app, {
    method: 'POST',
    url: SSCC_LEASE_PATH,
    preHandler: app.authenticateStation,
    body: SsccLeaseRequest,
    response: SsccLease,
    async handler({ body, request }) {
      const station = request.station;
      if (!station) throw new HttpError(401, 'unauthorized', 'station token required');
      if (station.department !== 'packing') {
        throw new HttpError(403, 'not_packing_station', `${station.id} is a ${station.department} station: carton numbers go to packing stations only`);
      }
      if (!config) throw new HttpError(503, 'sscc_not_configured', 'this server has no GS1 company prefix: set SSCC_COMPANY_PREFIX');
      try {
        return await app.db.tx((q) => takeBlock(q, config, station.id, body.requestId));
      } catch (err) {
        // The same request twice at once: the second waited on the first's row and rolled back; answer the first's lease.
        if ((err as { code?: unknown }).code !== UNIQUE_VIOLATION) throw err;
        const lease = await leaseOf(app.db, station.id, body.requestId);
        if (!lease) throw err;
        return lease;
      }
    },
  });
}
