/**
 * The Electron the shell uses, as small interfaces: the shell's logic (shell.ts and what it calls) is written against
 * these, so it runs under plain Node with fakes (tests) and with Electron's modules (electron-adapter.ts, the only
 * main-process file that imports 'electron'). Each names only what the shell calls.
 */
import type { BrowserWindowConstructorOptions, CustomScheme } from 'electron';

/** A frame of a page (Electron's WebFrameMain): where an IPC message came from. */
export interface FramePort {
  readonly url: string;
  /** null for a page's main frame. */
  readonly parent: FramePort | null;
}

/** An event a listener may cancel (a navigation, a webview). */
export interface Preventable {
  preventDefault(): void;
}

/** What the hardening puts guards on: every page's webContents. */
export interface GuardedContents {
  onWillNavigate(listener: (event: Preventable, url: string) => void): void;
  onWillRedirect(listener: (event: Preventable, url: string) => void): void;
  onWillAttachWebview(listener: (event: Preventable) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** A screen's webContents, as the IPC relay knows it. */
export interface ScreenContents {
  readonly id: number;
  readonly mainFrame: FramePort;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  onDestroyed(listener: () => void): void;
}

export interface IpcEventPort {
  readonly sender: ScreenContents;
  /** null when the frame has navigated away or been destroyed since it sent. */
  readonly senderFrame: FramePort | null;
}

export interface IpcMainPort {
  handle(channel: string, handler: (event: IpcEventPort, ...args: unknown[]) => unknown): void;
  on(channel: string, listener: (event: IpcEventPort, ...args: unknown[]) => void): void;
}

export interface WindowPort {
  readonly contents: ScreenContents;
  loadURL(url: string): Promise<void>;
  isMinimized(): boolean;
  restore(): void;
  focus(): void;
}

export interface AppPort {
  getVersion(): string;
  getPath(name: 'userData' | 'exe'): string;
  requestSingleInstanceLock(): boolean;
  onSecondInstance(listener: () => void): void;
  whenReady(): Promise<void>;
  onWebContentsCreated(listener: (contents: GuardedContents) => void): void;
  onWindowAllClosed(listener: () => void): void;
  onBeforeQuit(listener: (event: Preventable) => void): void;
  quit(): void;
  exit(code: number): void;
}

export type PermissionRequestHandler = (permission: string, grant: (granted: boolean) => void) => void;

export interface SessionPort {
  setPermissionRequestHandler(handler: PermissionRequestHandler): void;
  setPermissionCheckHandler(handler: (permission: string) => boolean): void;
}

export interface ProtocolPort {
  registerSchemesAsPrivileged(schemes: CustomScheme[]): void;
  handle(scheme: string, handler: (request: Request) => Promise<Response>): void;
}

/** The station core running in a utility process. */
export interface CoreProcessPort {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
}

export interface ShellPorts {
  app: AppPort;
  protocol: ProtocolPort;
  /** The default session: the station screen's. */
  session: SessionPort;
  ipcMain: IpcMainPort;
  createWindow(options: BrowserWindowConstructorOptions): WindowPort;
  forkCore(modulePath: string, env: Record<string, string>): CoreProcessPort;
  showError(title: string, message: string): void;
}
