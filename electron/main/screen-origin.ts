/**
 * Where the station screen lives inside the shell, and the check that an IPC message really comes from it.
 * The screen is served from a standard, secure custom scheme (`app://station`, shared/security/kiosk-session.ts),
 * never `file://`, whose origin every HTML file on the PC shares.
 */
import { ELECTRON_APP_ORIGIN } from '../../shared/security/kiosk-session';
import type { IpcEventPort } from './ports';

const APP_URL = new URL(ELECTRON_APP_ORIGIN);
/** 'app' */
export const APP_SCHEME = APP_URL.protocol.slice(0, -1);
/** 'station' */
export const APP_HOST = APP_URL.host;
export const SCREEN_URL = `${ELECTRON_APP_ORIGIN}/index.html`;

/** Is this URL one of the app's own pages? (Node's URL gives a custom scheme the origin 'null': compare the parts.) */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === APP_URL.protocol && u.host === APP_HOST && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/**
 * An IPC message is from the app's own screen when it comes from the main frame (not an iframe) of a window the
 * shell opened, showing an `app://station` page. Anything else (a frame gone since it sent, a page navigated
 * elsewhere, an embedded frame, a window the shell did not open) is refused.
 */
export function isOwnScreen(event: IpcEventPort, screens: ReadonlySet<number>): boolean {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) return false;
  if (!screens.has(event.sender.id) || event.sender.isDestroyed()) return false;
  return isAppUrl(frame.url);
}
