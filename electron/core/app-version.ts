/**
 * The station app's version, sent to the office in the heartbeat (the dashboard's fleet view shows it; the sync
 * protocol's own version check is separate: shared/sync.ts). The Electron shell hands its `app.getVersion()` to the
 * core process as QSF_APP_VERSION; a kiosk run from the repository reads package.json's (the same number).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** A semver-like version: digits, dots, and a pre-release or build suffix; 40 characters at most. */
export const AppVersion = z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/).max(40);

const PackageJson = z.looseObject({ version: AppVersion });

/** QSF_APP_VERSION if it is a version, else package.json's beside the code (repo root or the packaged app); null if neither. */
export function appVersion(env: NodeJS.ProcessEnv = process.env, packageJson: URL = new URL('../../package.json', import.meta.url)): string | null {
  const fromEnv = AppVersion.safeParse(env.QSF_APP_VERSION);
  if (fromEnv.success) return fromEnv.data;
  try {
    const parsed = PackageJson.safeParse(JSON.parse(readFileSync(packageJson, 'utf8')));
    return parsed.success ? parsed.data.version : null;
  } catch {
    return null;
  }
}
