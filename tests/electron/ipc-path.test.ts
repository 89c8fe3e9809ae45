/**
 * The whole Electron path without Electron: the station screen's own store (renderer/station/store.ts) on the IPC
 * transport, through the preload's bridge, main's shell (fake Electron ports) and supervisor, to a real station core
 * served by the core process's code. Every hop passes structured clones, as Electron's IPC does. What the operator
 * sees: the screen shows the station, a login works, and after the core process dies the screen says the core is
 * down, the core comes back by itself, and what was confirmed before is still there.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_PIN, badgeOf, rosterDocuments, tempDir } from '../../electron/core/testing';
import { openStation } from '../../electron/kiosk/run';
import { serveStationCore, type OpenedStation, type ParentPortLike } from '../../electron/main/core-process';
import type { CoreProcessPort } from '../../electron/main/ports';
import { startShell } from '../../electron/main/shell';
import { fakeElectron, type FakeContents } from '../../electron/main/testing';
import { createStationBridge, type IpcRendererLike } from '../../electron/preload/station-bridge';
import { connectIpc } from '../../renderer/transport/ipc-client';
import { createStationScreen, type StationScreen } from '../../renderer/station/store';

/** The core process, in this process: the parent port is a pair of emitters passing structured clones. */
class InProcessCore implements CoreProcessPort {
  readonly pid = undefined;
  private readonly toCore = new EventEmitter();
  private readonly toMain = new EventEmitter();
  private station: OpenedStation | undefined;
  private gone = false;
  constructor(env: Record<string, string>) {
    const port: ParentPortLike = {
      on: (_event, listener) => void this.toCore.on('message', listener),
      postMessage: (message) => setImmediate(() => this.toMain.emit('message', structuredClone(message))),
    };
    void serveStationCore(
      port,
      async () => (this.station = await openStation(env)),
      (code) => this.exit(code),
    );
  }
  postMessage(message: unknown): void {
    setImmediate(() => this.toCore.emit('message', { data: structuredClone(message) }));
  }
  /** A crash: the store is closed as the OS would (its lock released), nothing else is done for it. */
  kill(): boolean {
    void this.station?.core.close().then(() => this.exit(1));
    return true;
  }
  onMessage(listener: (message: unknown) => void): void {
    this.toMain.on('message', listener);
  }
  onExit(listener: (code: number) => void): void {
    this.toMain.on('exit', listener);
  }
  private exit(code: number): void {
    if (this.gone) return;
    this.gone = true;
    this.toMain.emit('exit', code);
  }
}

/** The renderer's ipcRenderer, wired to the fake main's handlers as Electron would. */
function rendererIpc(electron: ReturnType<typeof fakeElectron>, contents: FakeContents): IpcRendererLike {
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  contents.deliver = (channel, args) => setImmediate(() => listeners.get(channel)?.forEach((l) => l({}, ...args)));
  return {
    invoke: async (channel, ...args) => structuredClone(await electron.handlers.get(channel)?.(contents.event(), ...structuredClone(args))),
    send: (channel, ...args) => setImmediate(() => electron.listeners.get(channel)?.(contents.event(), ...structuredClone(args))),
    on: (channel, listener) => listeners.set(channel, [...(listeners.get(channel) ?? []), listener]),
  };
}

async function until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('station screen over Electron IPC (no Electron)', () => {
  it('shows the station, logs in, survives a core crash with nothing confirmed lost', async () => {
    const { dir, cleanup } = tempDir('qsf-ipc-path-');
    cleanups.push(cleanup);
    const app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(dir, 'seed.json'), JSON.stringify({ documents: await rosterDocuments() }));
    writeFileSync(join(app, 'station.json'), JSON.stringify({ stationId: 'ST-SEW-1', department: 'sewing', lineId: 'LN-SEW-1', name: 'IPC 1', seedFile: join(dir, 'seed.json') }));
    const electron = fakeElectron({ exePath: join(app, 'quty-shop-floor'), userData: join(dir, 'user-data') });
    const cores: InProcessCore[] = [];
    electron.ports.forkCore = (_path, env) => {
      const core = new InProcessCore(env);
      cores.push(core);
      return core;
    };
    const shell = await startShell(electron.ports, { preload: 'p', coreEntry: 'c', screenDir: dir, sqliteBinding: join(dir, 'none') }, { env: {}, backoff: { initialMs: 50, maxMs: 200, steadyMs: 60_000 }, log: () => undefined });
    if (!shell) throw new Error('shell did not start');
    cleanups.push(() => shell.supervisor.stop());

    const screen: StationScreen = createStationScreen(connectIpc(createStationBridge(rendererIpc(electron, shell.window.contents as FakeContents))), null);
    cleanups.push(() => screen.dispose());
    const state = () => screen.store.getState();
    await until(() => state().connected && state().view?.station.name === 'IPC 1', 'the station view');

    const login = await screen.run('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    expect(login?.ack.seq).toBe(1);
    await until(() => state().view?.operator?.operatorId === login?.operatorId, 'the operator in the view');

    cores[0]?.kill();
    await until(() => !state().connected, 'the screen to see the core down');
    expect(await screen.run('view.get', {})).toBeUndefined(); // refused at once while it restarts
    expect(state().notice?.tone).toBe('error');

    await until(() => state().connected && cores.length === 2, 'the core to come back');
    await until(() => state().view?.lastSeq === 1, 'the view from the restarted core');
    // The login recorded before the crash is still on disk: the next event follows it (a new core starts with
    // nobody logged in, so the operator logs in again).
    const again = await screen.run('session.login', { badge: badgeOf('sewing'), pin: TEST_PIN });
    expect(again?.ack.seq).toBe(2);
  }, 60_000);
});
