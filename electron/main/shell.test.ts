/** The shell end to end against a fake Electron: single instance, config, hardening, the core's start and the relay. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '../../renderer/transport/ipc-wire';
import { tempDir } from '../core/testing';
import { SCREEN_CSP } from './hardening';
import { CONFIG_ERROR_TITLE, startShell, type ShellPaths } from './shell';
import { FakeGuardedContents, fakeElectron, frame, type FakeElectron } from './testing';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups) c();
  cleanups = [];
});

function setUp(config: unknown = { stationId: 'ST-SEW-1', department: 'sewing', lineId: 'LN-SEW-1', name: 'Sewing 1' }, o: { lock?: boolean } = {}) {
  const { dir, cleanup } = tempDir('qsf-shell-');
  cleanups.push(cleanup);
  const app = join(dir, 'app');
  const screen = join(dir, 'screen');
  mkdirSync(app);
  mkdirSync(join(screen, 'assets'), { recursive: true });
  writeFileSync(join(screen, 'index.html'), '<!doctype html><div id="root"></div>');
  writeFileSync(join(screen, 'assets', 'main.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'not for the screen');
  if (config !== undefined) writeFileSync(join(app, 'station.json'), JSON.stringify(config));
  const electron = fakeElectron({ exePath: join(app, 'quty-shop-floor'), userData: join(dir, 'user-data'), version: '1.2.3', ...o });
  const paths: ShellPaths = { preload: '/app/preload.cjs', coreEntry: '/app/core-process.js', screenDir: screen, sqliteBinding: join(dir, 'no-such.node') };
  return { electron, paths, dir, start: () => startShell(electron.ports, paths, { env: { PATH: '/usr/bin' }, log: () => undefined }) };
}

const windowOf = (e: FakeElectron) => {
  const w = e.windows[0];
  if (!w) throw new Error('no window');
  return w;
};

describe('single instance', () => {
  it('a second copy of the app quits at once: no window, no second core on the same data', async () => {
    const { electron, start } = setUp(undefined, { lock: false });
    expect(await start()).toBeNull();
    expect(electron.quits).toBe(1);
    expect(electron.windows).toEqual([]);
    expect(electron.forks).toEqual([]);
  });

  it('the first copy comes to the front when a second is started', async () => {
    const { electron, start } = setUp();
    await start();
    windowOf(electron).minimized = true;
    electron.secondInstance();
    expect(windowOf(electron).minimized).toBe(false);
    expect(windowOf(electron).focused).toBe(1);
  });
});

describe('station config', () => {
  it('a bad file stops the app with a message naming the field: no window, no core', async () => {
    const { electron, start } = setUp({ stationId: 'ST-SEW-1', department: 'painting', lineId: 'LN-SEW-1' });
    expect(await start()).toBeNull();
    expect(electron.errors).toHaveLength(1);
    expect(electron.errors[0]?.title).toBe(CONFIG_ERROR_TITLE);
    expect(electron.errors[0]?.message).toMatch(/department/);
    expect(electron.exits).toEqual([2]);
    expect(electron.windows).toEqual([]);
    expect(electron.forks).toEqual([]);
  });

  it('the core process gets the same config file, its data folder and the app version', async () => {
    const { electron, start, dir } = setUp();
    await start();
    const fork = electron.forks[0];
    expect(fork?.modulePath).toBe('/app/core-process.js');
    expect(fork?.env).toMatchObject({ PATH: '/usr/bin', QSF_CONFIG: join(dir, 'app', 'station.json'), QSF_DATA_DIR: join(dir, 'user-data', 'station-data'), QSF_APP_VERSION: '1.2.3' });
    expect(fork?.env.QSF_SQLITE_BINDING).toBeUndefined(); // no Electron build of better-sqlite3 staged
  });

  it('full-screen kiosk when the file asks for it', async () => {
    const { electron, start } = setUp({ stationId: 'ST-SEW-1', department: 'sewing', lineId: 'LN-SEW-1', fullScreenKiosk: true });
    await start();
    expect(windowOf(electron).options).toMatchObject({ kiosk: true, fullscreen: true });
  });
});

describe('hardening (each setting, through the interface)', () => {
  it('the screen window is sandboxed and context-isolated, with no Node and no webviews', async () => {
    const { electron, start } = setUp();
    await start();
    const w = windowOf(electron);
    expect(w.options.kiosk).toBe(false);
    expect(w.options.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
    });
    expect(w.loaded).toEqual(['app://station/index.html']);
  });

  it('app:// is a standard, secure scheme registered before ready', async () => {
    const { electron, start } = setUp();
    await start();
    expect(electron.schemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
  });

  it('every page the app creates: navigation, redirects, new windows and webviews are denied', async () => {
    const { electron, start } = setUp();
    await start();
    const page = new FakeGuardedContents();
    electron.webContentsCreated(page);
    expect(page.tryNavigate('https://evil.example/')).toBe(true);
    expect(page.tryNavigate('app://station/other.html')).toBe(true);
    expect(page.tryRedirect('https://evil.example/')).toBe(true);
    expect(page.tryAttachWebview()).toBe(true);
    expect(page.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('every permission request and check is denied', async () => {
    const { electron, start } = setUp();
    await start();
    for (const permission of ['media', 'geolocation', 'notifications', 'serial', 'usb', 'hid', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      electron.permissionRequest?.(permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
      expect(electron.permissionCheck?.(permission), permission).toBe(false);
    }
  });

  it('the screen is served with the strict CSP; nothing outside its folder is', async () => {
    const { electron, start } = setUp();
    await start();
    const serve = electron.protocolHandlers.get('app');
    if (!serve) throw new Error('app:// not handled');
    const index = await serve(new Request('app://station/index.html'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toBe(SCREEN_CSP);
    expect(SCREEN_CSP).toContain("default-src 'none'");
    expect(SCREEN_CSP).toContain("script-src 'self'");
    expect(SCREEN_CSP).toContain("connect-src 'none'");
    expect(SCREEN_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    const js = await serve(new Request('app://station/assets/main.js'));
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toBe('console.log(1)');
    // One page: an unknown path is the screen itself, never a file beside it.
    expect(await (await serve(new Request('app://station/work-orders/WO-1'))).text()).toContain('id="root"');
    expect(await (await serve(new Request('app://station/..%2Fsecret.txt'))).text()).not.toContain('not for the screen');
    expect((await serve(new Request('app://other/index.html'))).status).toBe(404);
  });

  it('IPC from anything but the screen main frame is refused', async () => {
    const { electron, start } = setUp();
    await start();
    const w = windowOf(electron);
    const call = electron.handlers.get(IPC_CHANNELS.call);
    const status = electron.handlers.get(IPC_CHANNELS.status);
    const iframe = w.contents.event(frame('app://station/index.html', w.contents.mainFrame));
    expect(await call?.(iframe, { name: 'view.get', params: {} })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(status?.(iframe)).toBeNull();
    expect(status?.(w.contents.event())).toMatchObject({ state: 'starting' });
  });
});

describe('the core behind the screen', () => {
  it('relays a command from the screen to the core and back; restarts a dead core; stops it on quit', async () => {
    const { electron, start } = setUp();
    const shell = await start();
    const w = windowOf(electron);
    const first = electron.forks[0]?.child;
    first?.say({ t: 'ready', station: 'ST-SEW-1', lastSeq: 0 });
    expect(w.contents.sent).toContainEqual({ channel: IPC_CHANNELS.status, args: [{ state: 'running', attempt: 0, retryInMs: null, message: null }] });
    const reply = electron.handlers.get(IPC_CHANNELS.call)?.(w.contents.event(), { name: 'view.get', params: {} }) as Promise<unknown>;
    const sent = first?.posted[0] as { screen: string; msg: { id: number } };
    first?.say({ t: 'reply', screen: sent.screen, msg: { t: 'result', id: sent.msg.id, ok: true, result: { lastSeq: 0 } } });
    expect(await reply).toEqual({ ok: true, result: { lastSeq: 0 } });

    first?.exit(1);
    expect(shell?.supervisor.status.state).toBe('restarting');
    expect(w.contents.sent.at(-1)).toMatchObject({ channel: IPC_CHANNELS.status, args: [{ state: 'restarting' }] });

    expect(electron.beforeQuit()).toBe(true); // quit waits for the core to close its store
    expect(shell?.supervisor.status.state).toBe('stopped');
    expect(electron.beforeQuit()).toBe(false);
  });
});
