/**
 * Station configuration: from a JSON file (QSF_CONFIG) and/or environment variables, parsed with zod so a bad
 * config stops the core at start with a message naming the field.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeIssues, TestMetal } from '../../shared/events';
import { Department, LineId, StationId } from '../../shared/master';

export const DeviceConfig = z.discriminatedUnion('driver', [
  z.object({
    driver: z.enum(['line-detector', 'framed-detector', 'scanner']),
    deviceId: z.string().min(1).max(40),
    /** Path (e.g. /dev/ttyUSB0) or USB identity; the bridge finds the port by identity first. */
    path: z.string().optional(),
    vendorId: z.string().optional(),
    productId: z.string().optional(),
    serialNumber: z.string().optional(),
    baudRate: z.number().int().positive().default(9600),
    /** Driver options, parsed by the driver family's own schema (e.g. `LineDetectorConfigSchema`) at bridge start. */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Detectors: the certified test-piece run (DOMAIN.md, "Verification"). Ignored for scanners. */
    verification: z
      .object({
        /** Every one of these must be tested and detected for the run to pass. */
        requiredMetals: z.array(TestMetal).min(1).default(['fe', 'nonfe', 'stainless']),
        /** A run not complete this long after its first test piece is recorded as failed. */
        timeoutMs: z.number().int().positive().default(60_000),
        /** A run started at the station with no test piece this long after is cancelled (nothing recorded). */
        startWindowMs: z.number().int().positive().default(300_000),
        /** Certified pieces, used when the detector does not send a piece's size or id. */
        testPieces: z.array(z.object({ metal: TestMetal, sizeMm: z.number().positive().max(20), pieceId: z.string().min(1).max(40) })).default([]),
      })
      .prefault({}),
  }),
]);
export type DeviceConfig = z.infer<typeof DeviceConfig>;
export type DeviceConfigInput = z.input<typeof DeviceConfig>;

export const StationConfig = z.object({
  stationId: StationId,
  department: Department,
  lineId: LineId,
  name: z.string().min(1).max(80).default('Station'),
  dataDir: z.string().min(1),
  /** Sync server base URL; absent = stand-alone (offline) station. */
  serverUrl: z.string().url().optional(),
  /** Enrollment: a one-time code issued on the dashboard (used once; the token is then kept in the data dir). */
  enrollmentCode: z.string().optional(),
  /** Kiosk server (station API over WebSocket + the station screen) on localhost. */
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().default('127.0.0.1'),
  devices: z.array(DeviceConfig).default([]),
  /** Seed documents (work orders, roster, stations) for a stand-alone demo or a test, as if pulled. */
  seedFile: z.string().optional(),
  /** Operator session ends after this long without a command (ms). */
  sessionIdleMs: z.number().int().positive().default(15 * 60 * 1000),
  /** How often the hardware bridge checks whether the line's hourly detector verification is overdue (ms). */
  verificationCheckMs: z.number().int().positive().default(60_000),
});
export type StationConfig = z.infer<typeof StationConfig>;

export class ConfigError extends Error {}

/** Env vars win over the file: QSF_STATION_ID, QSF_DEPARTMENT, QSF_LINE_ID, QSF_STATION_NAME, QSF_DATA_DIR, QSF_SERVER_URL, QSF_ENROLLMENT_CODE, QSF_PORT, QSF_HOST, QSF_SEED_FILE. */
export function loadStationConfig(env: NodeJS.ProcessEnv = process.env, file = env.QSF_CONFIG): StationConfig {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      fromFile = parsed as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  const map: [string, string, (v: string) => unknown][] = [
    ['QSF_STATION_ID', 'stationId', String],
    ['QSF_DEPARTMENT', 'department', String],
    ['QSF_LINE_ID', 'lineId', String],
    ['QSF_STATION_NAME', 'name', String],
    ['QSF_DATA_DIR', 'dataDir', String],
    ['QSF_SERVER_URL', 'serverUrl', String],
    ['QSF_ENROLLMENT_CODE', 'enrollmentCode', String],
    ['QSF_PORT', 'port', Number],
    ['QSF_HOST', 'host', String],
    ['QSF_SEED_FILE', 'seedFile', String],
  ];
  for (const [envName, key, conv] of map) {
    const v = env[envName];
    if (v !== undefined && v !== '') fromEnv[key] = conv(v);
  }
  const r = StationConfig.safeParse({ ...fromFile, ...fromEnv });
  if (!r.success) throw new ConfigError(`station config: ${describeIssues(r.error)}`);
  return r.data;
}
