/**
 * The Electron shell: one window showing the station screen, the station core in a utility process, and the IPC
 * relay between them. Holds no floor logic. Written against ports.ts, so every step (single instance, config,
 * hardening, supervision, relay) runs in Node tests with fakes; main.ts passes Electron's own modules.
 */
import { existsSync } from 'node:fs';
import { ConfigError } from '../core/config';
import { IPC_CHANNELS } from '../../renderer/transport/ipc-wire';
import { CoreSupervisor, type Backoff } from './core-supervisor';
import { APP_SCHEME_PRIVILEGES, denyPermissions, guardContents, screenWindowOptions } from './hardening';
import type { ShellPorts, WindowPort } from './ports';
import { serveScreen } from './screen-files';
import { APP_SCHEME, SCREEN_URL } from './screen-origin';
import { ScreenRelay } from './screen-relay';
import { loadShellConfig, type ShellConfig } from './station-config';

export interface ShellPaths {
  /** dist/electron/preload.cjs */
  preload: string;
  /** dist/electron/core-process.js */
  coreEntry: string;
  /** dist/renderer/station */
  screenDir: string;
  /** better-sqlite3 built for Electron's ABI (scripts/electron-native.ts); used when the file exists. */
  sqliteBinding: string;
}

export interface ShellOptions {
  env?: NodeJS.ProcessEnv;
  backoff?: Backoff;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface Shell {
  config: ShellConfig;
  window: WindowPort;
  supervisor: CoreSupervisor;
  relay: ScreenRelay;
}

export const CONFIG_ERROR_TITLE = 'Quty Shop Floor: station config';

/**
 * Starts the shell, or returns null: a second copy of the app (it hands over to the first, which comes to the
 * front) or a bad station config (a message box names the file and the field; nothing else starts).
 */
export async function startShell(ports: ShellPorts, paths: ShellPaths, opts: ShellOptions = {}): Promise<Shell | null> {
  const { app } = ports;
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((msg: string, extra?: Record<string, unknown>) => console.error(JSON.stringify({ level: 'warn', msg, ...extra })));
  // Two shells on one station would be two cores on one data directory: the second stops here.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }
  // Both before 'ready': the scheme's privileges, and the guards on every page the app will ever create.
  ports.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.onWebContentsCreated((contents) => guardContents(contents, log));
  let window: WindowPort | null = null;
  app.onSecondInstance(() => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  await app.whenReady();

  let config: ShellConfig;
  try {
    config = loadShellConfig({ env, exePath: app.getPath('exe'), userData: app.getPath('userData') });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ports.showError(CONFIG_ERROR_TITLE, err.message);
    app.exit(2);
    return null;
  }

  denyPermissions(ports.session, log);
  ports.protocol.handle(APP_SCHEME, serveScreen(paths.screenDir));

  const coreEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) coreEnv[k] = v;
  Object.assign(coreEnv, config.coreEnv, { QSF_APP_VERSION: app.getVersion() });
  if (!coreEnv.QSF_SQLITE_BINDING && existsSync(paths.sqliteBinding)) coreEnv.QSF_SQLITE_BINDING = paths.sqliteBinding;

  const relay = new ScreenRelay({ sendToCore: (msg) => supervisor.send(msg), log });
  const supervisor = new CoreSupervisor({
    fork: () => ports.forkCore(paths.coreEntry, coreEnv),
    onStatus: (status) => relay.coreStatus(status),
    onReply: (screen, msg) => relay.fromCore(screen, msg),
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    log,
  });
  ports.ipcMain.handle(IPC_CHANNELS.call, (event, request) => relay.call(event, request));
  ports.ipcMain.handle(IPC_CHANNELS.status, (event) => (relay.isOwnScreen(event) ? supervisor.status : null));
  ports.ipcMain.on(IPC_CHANNELS.subscribe, (event, topic) => relay.watch(event, topic, true));
  ports.ipcMain.on(IPC_CHANNELS.unsubscribe, (event, topic) => relay.watch(event, topic, false));
  supervisor.start();

  window = ports.createWindow(screenWindowOptions({ preload: paths.preload, fullScreenKiosk: config.fullScreenKiosk, title: `Quty Shop Floor — ${config.station.name}` }));
  relay.addScreen(window.contents);
  void window.loadURL(SCREEN_URL).catch((err: unknown) => log('station screen did not load', { err: String(err) }));

  app.onWindowAllClosed(() => app.quit());
  // The core closes its store before the app goes (it is durable anyway: this is tidiness, not safety).
  app.onBeforeQuit((event) => {
    if (supervisor.status.state === 'stopped') return;
    event.preventDefault();
    void supervisor.stop().then(() => app.quit());
  });
  return { config, window, supervisor, relay };
}
