/**
 * Electron's own modules behind ports.ts: the one main-process file that imports 'electron'. Each method forwards
 * to one Electron call, so there is no logic here to test under Node; the Playwright `_electron` test
 * (tests/electron/app.e2e.test.ts) covers it wherever the Electron binary exists.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess, type IpcMainEvent, type IpcMainInvokeEvent, type WebContents, type WebFrameMain } from 'electron';
import type { FramePort, GuardedContents, IpcEventPort, ScreenContents, ShellPorts } from './ports';

function framePort(frame: WebFrameMain | null): FramePort | null {
  if (!frame) return null;
  return {
    get url() {
      return frame.url;
    },
    get parent() {
      return framePort(frame.parent);
    },
  };
}

function screenContents(wc: WebContents): ScreenContents {
  return {
    id: wc.id,
    get mainFrame() {
      return framePort(wc.mainFrame) as FramePort;
    },
    send: (channel, ...args) => wc.send(channel, ...args),
    isDestroyed: () => wc.isDestroyed(),
    onDestroyed: (listener) => void wc.once('destroyed', listener),
  };
}

function guarded(wc: WebContents): GuardedContents {
  return {
    onWillNavigate: (listener) => void wc.on('will-navigate', (details) => listener(details, details.url)),
    onWillRedirect: (listener) => void wc.on('will-redirect', (details) => listener(details, details.url)),
    onWillAttachWebview: (listener) => void wc.on('will-attach-webview', (event) => listener(event)),
    setWindowOpenHandler: (handler) => wc.setWindowOpenHandler((details) => handler(details)),
  };
}

function ipcEvent(event: IpcMainEvent | IpcMainInvokeEvent): IpcEventPort {
  return { sender: screenContents(event.sender), senderFrame: framePort(event.senderFrame) };
}

export function electronPorts(): ShellPorts {
  return {
    app: {
      getVersion: () => app.getVersion(),
      getPath: (name) => app.getPath(name),
      requestSingleInstanceLock: () => app.requestSingleInstanceLock(),
      onSecondInstance: (listener) => void app.on('second-instance', () => listener()),
      whenReady: () => app.whenReady(),
      onWebContentsCreated: (listener) => void app.on('web-contents-created', (_event, wc) => listener(guarded(wc))),
      onWindowAllClosed: (listener) => void app.on('window-all-closed', listener),
      onBeforeQuit: (listener) => void app.on('before-quit', (event) => listener(event)),
      quit: () => app.quit(),
      exit: (code) => app.exit(code),
    },
    protocol: {
      registerSchemesAsPrivileged: (schemes) => protocol.registerSchemesAsPrivileged(schemes),
      handle: (scheme, handler) => protocol.handle(scheme, handler),
    },
    session: {
      setPermissionRequestHandler: (handler) => session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) => handler(permission, callback)),
      setPermissionCheckHandler: (handler) => session.defaultSession.setPermissionCheckHandler((_wc, permission) => handler(permission)),
    },
    ipcMain: {
      handle: (channel, handler) => ipcMain.handle(channel, (event, ...args) => handler(ipcEvent(event), ...args)),
      on: (channel, listener) => void ipcMain.on(channel, (event, ...args) => listener(ipcEvent(event), ...args)),
    },
    createWindow: (options) => {
      const win = new BrowserWindow(options);
      return {
        contents: screenContents(win.webContents),
        loadURL: (url) => win.loadURL(url),
        isMinimized: () => win.isMinimized(),
        restore: () => win.restore(),
        focus: () => win.focus(),
      };
    },
    forkCore: (modulePath, env) => {
      const child = utilityProcess.fork(modulePath, [], { env, serviceName: 'Quty station core', stdio: 'inherit' });
      return {
        get pid() {
          return child.pid;
        },
        postMessage: (message) => child.postMessage(message),
        kill: () => child.kill(),
        onMessage: (listener) => void child.on('message', listener),
        onExit: (listener) => void child.on('exit', listener),
      };
    },
    showError: (title, message) => dialog.showErrorBox(title, message),
  };
}
