/** Fakes of ports.ts for the shell's tests: an Electron that records what the shell asked of it. */
import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';
import type {
  CoreProcessPort,
  FramePort,
  GuardedContents,
  IpcEventPort,
  PermissionRequestHandler,
  Preventable,
  ScreenContents,
  ShellPorts,
  WindowPort,
} from './ports';

export class FakeCoreProcess implements CoreProcessPort {
  static nextPid = 1000;
  readonly pid = FakeCoreProcess.nextPid++;
  readonly posted: unknown[] = [];
  killed = false;
  private messageListeners: ((m: unknown) => void)[] = [];
  private exitListeners: ((code: number) => void)[] = [];
  postMessage(message: unknown): void {
    this.posted.push(message);
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  onMessage(listener: (m: unknown) => void): void {
    this.messageListeners.push(listener);
  }
  onExit(listener: (code: number) => void): void {
    this.exitListeners.push(listener);
  }
  /** The core says something to main. */
  say(message: unknown): void {
    for (const l of this.messageListeners) l(message);
  }
  exit(code: number): void {
    for (const l of this.exitListeners) l(code);
  }
}

export function frame(url: string, parent: FramePort | null = null): FramePort {
  return { url, parent };
}

export class FakeContents implements ScreenContents {
  static nextId = 1;
  readonly id = FakeContents.nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;
  private destroyedListeners: (() => void)[] = [];
  constructor(public mainFrame: FramePort = frame('app://station/index.html')) {}
  /** Delivers what main sends to a page (a test's stand-in for the renderer's ipcRenderer). */
  deliver: ((channel: string, args: unknown[]) => void) | undefined;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
    this.deliver?.(channel, structuredClone(args));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  onDestroyed(listener: () => void): void {
    this.destroyedListeners.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const l of this.destroyedListeners) l();
  }
  /** An IPC event from this page's main frame (or from `from`, e.g. an iframe). */
  event(from: FramePort | null = this.mainFrame): IpcEventPort {
    return { sender: this, senderFrame: from };
  }
}

/** A page's guards as the hardening set them: fire an event and see whether it was cancelled. */
export class FakeGuardedContents implements GuardedContents {
  private navigate: ((e: Preventable, url: string) => void)[] = [];
  private redirect: ((e: Preventable, url: string) => void)[] = [];
  private webview: ((e: Preventable) => void)[] = [];
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined;
  onWillNavigate(l: (e: Preventable, url: string) => void): void {
    this.navigate.push(l);
  }
  onWillRedirect(l: (e: Preventable, url: string) => void): void {
    this.redirect.push(l);
  }
  onWillAttachWebview(l: (e: Preventable) => void): void {
    this.webview.push(l);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  private fire(ls: ((e: Preventable, url: string) => void)[], url: string): boolean {
    let prevented = false;
    for (const l of ls) l({ preventDefault: () => (prevented = true) }, url);
    return prevented;
  }
  /** true when the navigation was cancelled. */
  tryNavigate(url: string): boolean {
    return this.fire(this.navigate, url);
  }
  tryRedirect(url: string): boolean {
    return this.fire(this.redirect, url);
  }
  tryAttachWebview(): boolean {
    return this.fire(this.webview, '');
  }
}

export class FakeWindow implements WindowPort {
  readonly contents = new FakeContents();
  loaded: string[] = [];
  minimized = false;
  focused = 0;
  constructor(readonly options: BrowserWindowConstructorOptions) {}
  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused++;
  }
}

type Handler = (event: IpcEventPort, ...args: unknown[]) => unknown;

export interface FakeElectron {
  ports: ShellPorts;
  /** What the shell did. */
  lockHeld: boolean;
  quits: number;
  exits: number[];
  errors: { title: string; message: string }[];
  schemes: CustomScheme[];
  protocolHandlers: Map<string, (request: Request) => Promise<Response>>;
  permissionRequest: PermissionRequestHandler | undefined;
  permissionCheck: ((permission: string) => boolean) | undefined;
  handlers: Map<string, Handler>;
  listeners: Map<string, Handler>;
  windows: FakeWindow[];
  forks: { modulePath: string; env: Record<string, string>; child: FakeCoreProcess }[];
  /** Electron events the test fires. */
  secondInstance(): void;
  webContentsCreated(contents: GuardedContents): void;
  beforeQuit(): boolean;
}

export function fakeElectron(o: { lock?: boolean; exePath?: string; userData?: string; version?: string } = {}): FakeElectron {
  const secondInstance: (() => void)[] = [];
  const created: ((c: GuardedContents) => void)[] = [];
  const beforeQuit: ((e: Preventable) => void)[] = [];
  const f: FakeElectron = {
    lockHeld: o.lock ?? true,
    quits: 0,
    exits: [],
    errors: [],
    schemes: [],
    protocolHandlers: new Map(),
    permissionRequest: undefined,
    permissionCheck: undefined,
    handlers: new Map(),
    listeners: new Map(),
    windows: [],
    forks: [],
    secondInstance: () => secondInstance.forEach((l) => l()),
    webContentsCreated: (c) => created.forEach((l) => l(c)),
    beforeQuit: () => {
      let prevented = false;
      for (const l of beforeQuit) l({ preventDefault: () => (prevented = true) });
      return prevented;
    },
    ports: {
      app: {
        getVersion: () => o.version ?? '0.1.0',
        getPath: (name) => (name === 'exe' ? (o.exePath ?? '/opt/quty/quty-shop-floor') : (o.userData ?? '/nonexistent/user-data')),
        requestSingleInstanceLock: () => f.lockHeld,
        onSecondInstance: (l) => void secondInstance.push(l),
        whenReady: () => Promise.resolve(),
        onWebContentsCreated: (l) => void created.push(l),
        onWindowAllClosed: () => undefined,
        onBeforeQuit: (l) => void beforeQuit.push(l),
        quit: () => void f.quits++,
        exit: (code) => void f.exits.push(code),
      },
      protocol: {
        registerSchemesAsPrivileged: (schemes) => void f.schemes.push(...schemes),
        handle: (scheme, handler) => void f.protocolHandlers.set(scheme, handler),
      },
      session: {
        setPermissionRequestHandler: (h) => (f.permissionRequest = h),
        setPermissionCheckHandler: (h) => (f.permissionCheck = h),
      },
      ipcMain: {
        handle: (channel, h) => void f.handlers.set(channel, h),
        on: (channel, l) => void f.listeners.set(channel, l),
      },
      createWindow: (options) => {
        const w = new FakeWindow(options);
        f.windows.push(w);
        return w;
      },
      forkCore: (modulePath, env) => {
        const child = new FakeCoreProcess();
        f.forks.push({ modulePath, env, child });
        return child;
      },
      showError: (title, message) => void f.errors.push({ title, message }),
    },
  };
  return f;
}
