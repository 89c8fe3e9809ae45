import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { LineId } from '../../shared/master';
import { scopeToken, storableText } from '../../shared/sync';
import { writeDocuments, writeTx } from '../changes';
import { HttpError, route } from '../http/route';
import { hashCode, isEd25519PublicKey, newStationToken, sha256Hex } from './secrets';
import { defaultLineId, issueEnrollmentCode, revokeStation, stationKeyDoc } from './station-admin';

/** Station and department ids travel in scope tokens, URLs and barcodes: keep them plain. */
export const stationIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, _ . - (max 64)');
export const departmentSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ - (max 64)');
const publicKeySchema = z.string().refine(isEd25519PublicKey, 'must be a base64url raw Ed25519 public key (32 bytes)');

const DAY_MINUTES = 24 * 60;

export function registerEnrollmentRoutes(app: FastifyInstance): void {
  const { db } = app;

  route(app, {
    method: 'POST',
    url: '/api/enrollment-codes',
    preHandler: app.requireAdmin,
    status: 201,
    body: z.object({
      stationId: stationIdSchema,
      department: departmentSchema,
      name: storableText(120).min(1).optional(),
      /** The line this station runs; defaults to LN-<station id without ST->. */
      lineId: LineId.optional(),
      ttlMinutes: z.number().int().min(1).max(7 * DAY_MINUTES).default(DAY_MINUTES),
    }),
    response: z.object({ code: z.string(), stationId: z.string(), department: z.string(), expiresAt: z.string() }),
    async handler({ body, request }) {
      const { code, expiresAt } = await issueEnrollmentCode(db, body);
      request.log.info({ stationId: body.stationId, department: body.department }, 'enrollment code issued');
      return { code, stationId: body.stationId, department: body.department, expiresAt };
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/enroll',
    body: z.object({ code: z.string().min(1).max(64), stationId: stationIdSchema, publicKey: publicKeySchema }),
    response: z.object({ stationId: z.string(), department: z.string(), token: z.string() }),
    async handler({ body, request }) {
      const token = newStationToken();
      const { result } = await writeTx(db, async (q) => {
        // Consuming the code is one conditional UPDATE: of two concurrent enrollments with one code, one wins.
        const [code] = await q.query<{ department: string; name: string | null; line_id: string | null }>(
          `UPDATE enrollment_codes SET used_at = now()
           WHERE code_hash = $1 AND station_id = $2 AND used_at IS NULL AND expires_at > now()
           RETURNING department, name, line_id`,
          [hashCode(body.code), body.stationId],
        );
        if (!code) return null;
        // Re-enrolling (replaced PC, or after a revocation) replaces key and token and lifts the revocation: an admin
        // issued a fresh code for exactly this station. first_enrolled_at (default now()) stays the first one's: the
        // push path flags events stamped before it (floor/clock-bounds.ts).
        await q.query(
          `INSERT INTO stations (id, department, name, token_hash, public_key, enrolled_at, revoked_at, line_id)
           VALUES ($1, $2, $3, $4, $5, now(), NULL, $6)
           ON CONFLICT (id) DO UPDATE SET department = EXCLUDED.department, name = EXCLUDED.name,
             token_hash = EXCLUDED.token_hash, public_key = EXCLUDED.public_key, enrolled_at = now(), revoked_at = NULL,
             line_id = EXCLUDED.line_id`,
          [body.stationId, code.department, code.name ?? body.stationId, sha256Hex(token), body.publicKey, code.line_id ?? defaultLineId(body.stationId)],
        );
        const lineId = code.line_id ?? defaultLineId(body.stationId);
        await writeDocuments(q, [
          stationKeyDoc({ stationId: body.stationId, department: code.department, publicKey: body.publicKey, revokedAt: null }),
          // The station as master data: the shared rules check who works where (scope 'all': every station and server).
          { kind: 'station', id: body.stationId, body: { id: body.stationId, department: code.department, name: code.name ?? body.stationId, lineId }, scope: [scopeToken.all] },
        ]);
        return code;
      });
      // One answer for unknown, expired, used and wrong-station codes: no oracle for guessing.
      if (!result) throw new HttpError(403, 'enrollment_refused', 'enrollment code is invalid, expired or already used');
      app.forgetStationCredentials(body.stationId);
      request.log.info({ stationId: body.stationId, department: result.department }, 'station enrolled');
      return { stationId: body.stationId, department: result.department, token };
    },
  });

  route(app, {
    method: 'POST',
    url: '/api/stations/:id/revoke',
    preHandler: app.requireAdmin,
    params: z.object({ id: stationIdSchema }),
    response: z.object({ stationId: z.string(), revokedAt: z.string() }),
    async handler({ params, request }) {
      const revokedAt = await revokeStation(app, params.id);
      if (revokedAt === null) throw new HttpError(404, 'not_found', `station ${params.id} not found`);
      request.log.warn({ stationId: params.id }, 'station revoked');
      return { stationId: params.id, revokedAt };
    },
  });

  route(app, {
    method: 'GET',
    url: '/api/stations/:id/public-key',
    preHandler: app.authenticateStation,
    params: z.object({ id: stationIdSchema }),
    response: z.object({
      stationId: z.string(),
      department: z.string(),
      publicKey: z.string(),
      revokedAt: z.string().nullable(),
    }),
    async handler({ params }) {
      const [row] = await db.query<{ department: string; public_key: string; revoked_at: Date | null }>(
        'SELECT department, public_key, revoked_at FROM stations WHERE id = $1',
        [params.id],
      );
      if (!row) throw new HttpError(404, 'not_found', `station ${params.id} not found`);
      return {
        stationId: params.id,
        department: row.department,
        publicKey: row.public_key,
        revokedAt: row.revoked_at?.toISOString() ?? null,
      };
    },
  });
}
