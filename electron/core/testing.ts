/** Test helpers: a station core on a temp directory, seeded with a roster (real scrypt PIN hashes) and orders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newWorkOrderDoc } from '../../shared/docs';
import { PLACE_CODE, fanOut, type Department, type ManufacturingOrder } from '../../shared/master';
import { hashPin } from '../../shared/security/pin';
import { fixtureOperators, fixtureStations } from '../../shared/testing/fixtures';
import { StationConfig } from './config';
import { CommandFailure, StationCore, type StationCoreOptions } from './station-core';

/** Every test operator's and supervisor's PIN: 6 digits, as a supervisor's must be (shared/security/pin-rules.ts). */
export const TEST_PIN = '246802';
/** Short department codes in ids (ST-CUT-1, OP-SEW1): master data's own. */
const CODE: Readonly<Record<Department, string>> = PLACE_CODE;

let rosterCache: Promise<{ kind: string; id: string; body: Record<string, unknown> }[]> | undefined;

/** Roster and stations as documents; PINs hashed with cheap scrypt parameters (tests only). */
export function rosterDocuments(): Promise<{ kind: string; id: string; body: Record<string, unknown> }[]> {
  rosterCache ??= (async () => {
    const pinHash = await hashPin(TEST_PIN, { N: 2 ** 10, r: 8, p: 1 });
    return [
      ...fixtureOperators().map((o) => ({ kind: 'operator', id: o.id, body: { ...o, pinHash } })),
      ...fixtureStations().map((s) => ({ kind: 'station', id: s.id, body: { ...s } })),
    ];
  })();
  return rosterCache;
}

export function orderDocuments(mos: readonly ManufacturingOrder[]): { kind: string; id: string; body: Record<string, unknown> }[] {
  return mos.flatMap((m) => fanOut(m).map((wo) => ({ kind: 'workOrder', id: wo.id, body: { ...newWorkOrderDoc(wo) } })));
}

export function tempDir(prefix = 'qsf-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function stationConfig(department: Department, dataDir: string, over: Partial<StationConfig> = {}): StationConfig {
  return StationConfig.parse({
    stationId: `ST-${CODE[department]}-1`,
    department,
    lineId: `LN-${CODE[department]}-1`,
    name: `${department} 1`,
    dataDir,
    ...over,
  });
}

export async function openTestStation(
  department: Department,
  dataDir: string,
  mos: readonly ManufacturingOrder[] = [],
  options: StationCoreOptions = {},
): Promise<StationCore> {
  const core = await StationCore.open(stationConfig(department, dataDir), { devMode: true, ...options });
  if (core.view().workOrders.length === 0 && mos.length) {
    await core.seedDocuments([...(await rosterDocuments()), ...orderDocuments(mos)]);
  }
  return core;
}

/** A wall clock the test moves (from 2026-12-05 07:00 UTC): hand `now` to the core, whose HLC reads it. */
export function testClock(startMs = Date.parse('2026-12-05T07:00:00Z')): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export const badgeOf = (d: Department, supervisor = false): string => `B:OP-${CODE[d]}${supervisor ? 'SV' : '1'}`;

/** The error of a command that must fail (nothing recorded); throws if it succeeded or failed otherwise. */
export async function failure(p: Promise<unknown>): Promise<CommandFailure['error']> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CommandFailure) return e.error;
    throw e;
  }
  throw new Error('expected the command to fail');
}
