/**
 * Enrollment: a station trades the one-time code from the dashboard (config.enrollmentCode) for a revocable token,
 * once. The token lives in `<dataDir>/sync-token.json`, written atomically (temp file, fsync, rename), so a power cut
 * leaves either no token or a whole one, never half; 0600, because it lets its holder push events as this station.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { makePrivateFile, writePrivateFileAtomic } from '../../shared/node/private-files';
import type { StationSyncPort } from '../core/ports';
import { joinUrl, requestJson, SyncHttpError, type Fetch } from './http';

export const TOKEN_FILE = 'sync-token.json';
export const REVOKED_TOKEN_FILE = 'sync-token.revoked.json';

const TokenFile = z.object({
  stationId: z.string().min(1),
  token: z.string().min(1),
  serverUrl: z.string(),
  department: z.string(),
  enrolledAt: z.string(),
});
export type TokenFile = z.infer<typeof TokenFile>;

const EnrollResponse = z.object({ stationId: z.string(), department: z.string(), token: z.string().min(1) });

export class EnrollmentError extends Error {
  constructor(
    message: string,
    /** false: retrying cannot help (no code, refused code, wrong station); true: the server was not reachable. */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EnrollmentError';
  }
}

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

/** The stored token, or null when this station has not enrolled yet. Throws if the file is damaged. */
export function readToken(dataDir: string, stationId: string): TokenFile | null {
  const file = tokenPath(dataDir);
  if (!existsSync(file)) return null;
  makePrivateFile(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new EnrollmentError(`${file} is damaged (not JSON): delete it and enroll again with a new code`, false);
  }
  const parsed = TokenFile.safeParse(json);
  if (!parsed.success) throw new EnrollmentError(`${file} is damaged: delete it and enroll again with a new code`, false);
  if (parsed.data.stationId !== stationId) {
    throw new EnrollmentError(`${file} belongs to station ${parsed.data.stationId}, not ${stationId}`, false);
  }
  return parsed.data;
}

/** Writes `data` to `file` atomically (temp file, fsync, rename, directory fsync) and owner-only (0600). */
export function writeFileAtomic(file: string, data: string): void {
  writePrivateFileAtomic(file, data);
}

/** A revoked token will never work again (re-enrolling issues a new one): move it aside so a new code can enroll. */
export function retireToken(dataDir: string): void {
  const file = tokenPath(dataDir);
  if (existsSync(file)) renameSync(file, join(dataDir, REVOKED_TOKEN_FILE));
}

export interface EnrollOptions {
  serverUrl?: string;
  fetch?: Fetch;
  signal?: AbortSignal;
}

/**
 * The station's token: from the data dir, or by enrolling with `config.enrollmentCode` (POST /api/enroll with the
 * station id and the station's public key, which the server hands to every station to verify transfer slips).
 */
export async function ensureEnrolled(core: Pick<StationSyncPort, 'config' | 'keys'>, opts: EnrollOptions = {}): Promise<string> {
  const { dataDir, stationId } = core.config;
  const existing = readToken(dataDir, stationId);
  if (existing) return existing.token;
  const serverUrl = opts.serverUrl ?? core.config.serverUrl;
  if (!serverUrl) throw new EnrollmentError('no sync server configured (serverUrl / QSF_SERVER_URL)', false);
  const code = core.config.enrollmentCode;
  if (!code) {
    throw new EnrollmentError(
      `station ${stationId} is not enrolled: issue an enrollment code for it on the dashboard and set enrollmentCode (QSF_ENROLLMENT_CODE)`,
      false,
    );
  }
  let res: z.infer<typeof EnrollResponse>;
  try {
    res = await requestJson(opts.fetch ?? globalThis.fetch, joinUrl(serverUrl, '/api/enroll'), EnrollResponse, {
      method: 'POST',
      body: { code, stationId, publicKey: core.keys.publicKeyRaw },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (err instanceof SyncHttpError && !err.isNetwork && err.status < 500) {
      throw new EnrollmentError(`enrollment of ${stationId} refused: ${err.message} (issue a new code on the dashboard)`, false);
    }
    throw new EnrollmentError(`enrollment of ${stationId}: ${(err as Error).message}`, true);
  }
  if (res.stationId !== stationId) throw new EnrollmentError(`server enrolled ${res.stationId}, expected ${stationId}`, false);
  const file: TokenFile = { stationId, token: res.token, serverUrl, department: res.department, enrolledAt: new Date().toISOString() };
  writeFileAtomic(tokenPath(dataDir), JSON.stringify(file));
  return res.token;
}
