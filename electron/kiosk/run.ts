/**
 * Headless station runner: one command starts a station core from a config file or env vars and serves the
 * station API (and screen) on localhost. Prints one line `READY {"url":…,"station":…}` when it is serving.
 *   QSF_CONFIG=station.json npx tsx electron/kiosk/run.ts
 *   QSF_STATION_ID=ST-SEW-1 QSF_DEPARTMENT=sewing QSF_LINE_ID=LN-SEW-1 QSF_DATA_DIR=.data/st-sew-1 npx tsx electron/kiosk/run.ts
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DirInUseError } from '../../shared/node/dir-lock';
import { ConfigError, loadStationConfig } from '../core/config';
import { StationCore } from '../core/station-core';
import { startKioskServer } from './server';

/** The built station screen (`npm run build:screens`), served when QSF_SCREEN_DIR does not name another. */
const BUILT_SCREEN = fileURLToPath(new URL('../../dist/renderer/station', import.meta.url));

function screenDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.QSF_SCREEN_DIR) return env.QSF_SCREEN_DIR;
  return existsSync(BUILT_SCREEN) ? BUILT_SCREEN : undefined;
}

export interface StationRuntime {
  core: StationCore;
  url: string;
  stop(): Promise<void>;
}

/** Optional parts (sync, hardware) plug in here; each returns its own stop(). */
export type RuntimePart = (core: StationCore) => Promise<{ stop(): Promise<void> | void }>;

/** A station core opened from config (file and/or env) with its parts started: the kiosk and the Electron shell's core process share this. */
export async function openStation(env: NodeJS.ProcessEnv = process.env, parts: RuntimePart[] = []): Promise<{ core: StationCore; stop(): Promise<void> }> {
  const config = loadStationConfig(env);
  const core = await StationCore.open(config);
  const started: { stop(): Promise<void> | void }[] = [];
  for (const part of parts) started.push(await part(core));
  return {
    core,
    stop: async () => {
      for (const p of started.reverse()) await p.stop();
      await core.close();
    },
  };
}

export async function runStation(env: NodeJS.ProcessEnv = process.env, parts: RuntimePart[] = []): Promise<StationRuntime> {
  const station = await openStation(env, parts);
  const { core } = station;
  const config = core.config;
  const staticDir = screenDir(env);
  const kiosk = await startKioskServer(core, {
    host: config.host,
    port: config.port,
    ...(staticDir ? { staticDir } : {}),
    // Names a kiosk terminal elsewhere reaches this PC by (with QSF_HOST set to listen beyond 127.0.0.1): the
    // kiosk refuses any Host it does not know (DNS rebinding), so they must be listed. Comma-separated.
    ...(env.QSF_KIOSK_HOSTS ? { allowedHosts: env.QSF_KIOSK_HOSTS.split(',').map((h) => h.trim()).filter(Boolean) } : {}),
    log: (msg, extra) => console.error(JSON.stringify({ level: 'error', msg, ...extra })),
  });
  return {
    core,
    url: kiosk.url,
    stop: async () => {
      await kiosk.close();
      await station.stop();
    },
  };
}

/**
 * A station process: opens the station with `parts`, stops cleanly on SIGTERM / SIGINT, prints READY; a bad config
 * (exit 2) or a data directory another process holds (exit 3) is one line on stderr. The headless runner and the demo
 * floor's station processes (scripts/floor-station.ts) are this.
 */
export async function serveStation(parts: () => Promise<RuntimePart[]>): Promise<void> {
  try {
    const rt = await runStation(process.env, await parts());
    // Handlers before READY: whoever starts us may stop us the moment it reads that line.
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      rt.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Started with an IPC channel (the demo floor): its parent gone without stopping us, we stop too.
    process.on('disconnect', stop);
    process.stdout.write(`READY ${JSON.stringify({ url: rt.url, station: rt.core.station.id, lastSeq: rt.core.lastSequence })}\n`);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof DirInUseError) {
      console.error(err.message); // one line naming the holder; nothing was touched
      process.exit(3);
    }
    throw err;
  }
}

/** Sync and hardware parts, when their modules exist and the config asks for them. */
export async function stationParts(): Promise<RuntimePart[]> {
  const hardware: RuntimePart = async (core) => {
    if (core.config.devices.length === 0) return { stop: () => undefined };
    const { startHardwareBridge } = await import('../hardware/bridge');
    const bridge = startHardwareBridge(core, core.config.devices, {
      log: (msg, extra) => console.error(JSON.stringify({ level: 'warn', msg, ...extra })),
    });
    return { stop: () => bridge.stop() };
  };
  const sync: RuntimePart = async (core) => {
    if (!core.config.serverUrl) return { stop: () => undefined }; // a stand-alone station
    const { startSync } = await import('../sync');
    const client = startSync(core);
    return { stop: () => client.stop() };
  };
  return [sync, hardware];
}

// Not in the Electron shell's core process (a utility process: it has process.parentPort), where this file is
// bundled into core-process.js and argv[1] may name that file: the shell's core must not start a kiosk beside it.
if (import.meta.url === `file://${process.argv[1]}` && !('parentPort' in process)) {
  void serveStation(stationParts);
}
