/**
 * The office's two station writes, shared by the admin-token routes (enrollment/routes.ts) and the dashboard's Fleet
 * view (dashboard/fleet.ts): issuing a one-time enrollment code and revoking a station. Each takes the caller's
 * transaction work (`inTx`) so the dashboard records its audit in the same transaction.
 */
import type { FastifyInstance } from 'fastify';
import type { StationKeyDoc } from '../../shared/docs';
import { scopeToken, STATION_KEY_KIND } from '../../shared/sync';
import { writeDocuments, writeTx, type DocumentWrite } from '../changes';
import type { Queryable } from '../db/types';
import { REVOKED_CHANNEL } from './revocation';
import { hashCode, newEnrollmentCode } from './secrets';

/** ST-SEW-1 runs LN-SEW-1 unless the code says otherwise. */
export function defaultLineId(stationId: string): string {
  return `LN-${stationId.replace(/^ST-/, '').toUpperCase()}`;
}

/** The server writes every field of shared's StationKeyDoc (department and revokedAt included). */
export function stationKeyDoc(body: Required<StationKeyDoc>): DocumentWrite {
  // Every station needs every key to verify transfer slips offline, hence scope 'all'.
  return { kind: STATION_KEY_KIND, id: body.stationId, body, scope: [scopeToken.all] };
}

export interface CodeRequest {
  stationId: string;
  department: string;
  name?: string | undefined;
  lineId?: string | undefined;
  ttlMinutes: number;
}

/** A new one-time code for the station (only its hash is stored): the code, to be shown once, and when it expires. */
export async function issueEnrollmentCode(q: Queryable, r: CodeRequest): Promise<{ code: string; expiresAt: string }> {
  const code = newEnrollmentCode();
  const [row] = await q.query<{ expires_at: Date }>(
    `INSERT INTO enrollment_codes (code_hash, station_id, department, name, expires_at, line_id)
     VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5::int), $6) RETURNING expires_at`,
    [hashCode(code), r.stationId, r.department, r.name ?? null, r.ttlMinutes, r.lineId ?? defaultLineId(r.stationId)],
  );
  return { code, expiresAt: new Date(row!.expires_at).toISOString() };
}

/**
 * Revokes the station at once (its token refused, its key marked revoked for every station's slip checks, its live
 * streams closed on every instance); revoking again keeps the first time. Null when there is no such station.
 */
export async function revokeStation(app: FastifyInstance, stationId: string, inTx: (q: Queryable) => Promise<void> = async () => undefined): Promise<string | null> {
  const { result } = await writeTx(app.db, async (q) => {
    const [row] = await q.query<{ department: string; public_key: string; revoked_at: Date }>(
      `UPDATE stations SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
       RETURNING department, public_key, revoked_at`,
      [stationId],
    );
    if (!row) return null;
    const revokedAt = new Date(row.revoked_at).toISOString();
    await writeDocuments(q, [stationKeyDoc({ stationId, department: row.department, publicKey: row.public_key, revokedAt })]);
    // Delivered at commit to every instance on this database, which then closes the station's live streams.
    await q.query('SELECT pg_notify($1, $2)', [REVOKED_CHANNEL, stationId]);
    await inTx(q);
    return revokedAt;
  });
  if (result !== null) app.revocations.emit(stationId);
  return result;
}
