/**
 * Which station this PC is: `station.json`, looked for in order
 *   1. QSF_CONFIG, when set (commissioning, tests);
 *   2. beside the app: the installer's folder (Windows: the NSIS page copies the file chosen there; Linux deb:
 *      /opt/…), or beside the AppImage file itself (its own folder is a read-only mount);
 *   3. the user-data folder (`%APPDATA%\Quty Shop Floor`, `~/.config/Quty Shop Floor`).
 * Parsed with the core's own schema (electron/core/config.ts): a bad file stops the app with a message naming the
 * file and the field, before any core starts. QSF_* variables still win over the file, as for the kiosk.
 * The file may also hold the shell's own setting, `"fullScreenKiosk": true`. A file without `dataDir` keeps the
 * station's data in the user-data folder; a relative `dataDir` is relative to the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../shared/events';
import { ConfigError, loadStationConfig, type StationConfig } from '../core/config';

export const CONFIG_FILE_NAME = 'station.json';
export const DEFAULT_DATA_FOLDER = 'station-data';

const ShellSettingsSchema = z.object({ fullScreenKiosk: z.boolean().default(false) });

export interface ConfigPlaces {
  env: NodeJS.ProcessEnv;
  /** The app's executable (app.getPath('exe')). */
  exePath: string;
  userData: string;
}

export interface ShellConfig {
  file: string;
  station: StationConfig;
  fullScreenKiosk: boolean;
  /** What the core process needs to load the same config (its own loadStationConfig reads the same file). */
  coreEnv: Record<string, string>;
}

/** The places looked at, in order. */
export function configCandidates(p: ConfigPlaces): string[] {
  const beside = p.env.APPIMAGE ? dirname(p.env.APPIMAGE) : dirname(p.exePath);
  return [...(p.env.QSF_CONFIG ? [resolve(p.env.QSF_CONFIG)] : []), join(beside, CONFIG_FILE_NAME), join(p.userData, CONFIG_FILE_NAME)];
}

export function loadShellConfig(p: ConfigPlaces): ShellConfig {
  const candidates = configCandidates(p);
  const file = p.env.QSF_CONFIG ? candidates[0] : candidates.find((c) => existsSync(c));
  if (!file) throw new ConfigError(`no station config: put ${CONFIG_FILE_NAME} beside the app or in the user-data folder (looked at ${candidates.join(', ')})`);
  const raw = readJsonObject(file);
  const fromEnv = (name: string) => (p.env[name] !== undefined && p.env[name] !== '' ? p.env[name] : undefined);
  const named = fromEnv('QSF_DATA_DIR') ?? (typeof raw.dataDir === 'string' && raw.dataDir !== '' ? raw.dataDir : undefined);
  const dataDir = named === undefined ? join(p.userData, DEFAULT_DATA_FOLDER) : isAbsolute(named) ? named : resolve(dirname(file), named);
  const coreEnv = { QSF_CONFIG: file, QSF_DATA_DIR: dataDir };
  const station = loadStationConfig({ ...p.env, ...coreEnv }, file);
  const shell = ShellSettingsSchema.safeParse(raw);
  if (!shell.success) throw new ConfigError(`station config ${file}: ${describeIssues(shell.error)}`);
  return { file, station, fullScreenKiosk: shell.data.fullScreenKiosk, coreEnv };
}

/** The file as an object, or {} when it is not one: loadStationConfig then says what is wrong with it. */
function readJsonObject(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
