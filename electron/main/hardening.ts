/**
 * The station window's locks (Electron's security checklist): the page runs sandboxed and context-isolated with no
 * Node, may load only its own files (CSP), cannot navigate away or open windows, gets no permission (camera,
 * geolocation, serial, notifications…: the scanner and detectors are the core's, never the page's), and its IPC is
 * checked in screen-origin.ts. Each setting is a value here so a test reads it.
 */
import type { BrowserWindowConstructorOptions, CustomScheme, WebPreferences } from 'electron';
import { APP_SCHEME } from './screen-origin';
import type { GuardedContents, SessionPort } from './ports';

/**
 * The screen's CSP: its own scripts and styles only (React sets inline style properties through the DOM, which CSP
 * allows; 'unsafe-inline' for style-src covers style attributes in markup), no network at all (the station API is
 * IPC), no plugins, no frames, no forms posting anywhere.
 */
export const SCREEN_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `app://` as a standard, secure scheme (a real origin, `self` in the CSP), registered before the app is ready.
 * corsEnabled + supportFetchAPI: Vite marks the screen's module scripts `crossorigin`, so Chromium fetches them in
 * CORS mode (what electron-serve registers for the same reason). The CSP still allows nothing but the screen's own
 * files, and connect-src 'none' keeps the page's own fetch() off even app://.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } };

export function screenWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export interface ScreenWindowSettings {
  preload: string;
  /** Full screen with no way out but the app's own (Electron's kiosk mode): a station PC on the floor. */
  fullScreenKiosk: boolean;
  title: string;
}

export function screenWindowOptions(s: ScreenWindowSettings): BrowserWindowConstructorOptions {
  return {
    title: s.title,
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 600,
    backgroundColor: '#101418',
    autoHideMenuBar: true,
    kiosk: s.fullScreenKiosk,
    fullscreen: s.fullScreenKiosk,
    show: true,
    webPreferences: screenWebPreferences(s.preload),
  };
}

/** On every webContents the app creates: no navigation, no redirects, no new windows, no webviews. */
export function guardContents(contents: GuardedContents, log: (msg: string, extra?: Record<string, unknown>) => void = () => undefined): void {
  contents.onWillNavigate((event, url) => {
    event.preventDefault();
    log('navigation denied', { url });
  });
  contents.onWillRedirect((event, url) => {
    event.preventDefault();
    log('redirect denied', { url });
  });
  contents.onWillAttachWebview((event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log('new window denied', { url });
    return { action: 'deny' };
  });
}

/** Every permission request and check answers no. */
export function denyPermissions(session: SessionPort, log: (msg: string, extra?: Record<string, unknown>) => void = () => undefined): void {
  session.setPermissionRequestHandler((permission, grant) => {
    log('permission denied', { permission });
    grant(false);
  });
  session.setPermissionCheckHandler(() => false);
}
