/**
 * The kiosk WebSocket's handshake, shared by the server (electron/kiosk) and its clients (renderer/transport):
 * a screen gets a session token from `POST /api/session` and offers it, beside the kiosk protocol, as a
 * WebSocket subprotocol (the one handshake header a browser lets a page set). Pure: runs in the browser too.
 */
import { z } from 'zod';

/** The kiosk's WebSocket subprotocol: the server selects it; the token protocol is never echoed back. */
export const KIOSK_PROTOCOL = 'qsf.v1';
export const TOKEN_PROTOCOL_PREFIX = 'qsf.token.';
/** Where a screen gets its token (same origin as the socket, `POST`, with an allowed Origin). */
export const SESSION_PATH = '/api/session';
export const SOCKET_PATH = '/api';
/**
 * The Electron shell's origin: it serves the screen from a standard, secure custom scheme (`protocol.handle('app')`
 * with `registerSchemesAsPrivileged`), so its pages send `Origin: app://station`. Not `file://`: every HTML file on
 * the PC shares that origin (or sends `null`), so trusting it would trust any downloaded page.
 */
export const ELECTRON_APP_ORIGIN = 'app://station';

/** 32 random bytes, base64url: only characters a subprotocol token may hold. */
export const SessionToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'session token: 43 base64url characters');
export const SessionResponse = z.object({ token: SessionToken });

export function kioskProtocols(token: string): string[] {
  return [KIOSK_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The token a WebSocket upgrade offers in Sec-WebSocket-Protocol, if it offers the kiosk protocol and exactly one. */
export function tokenFromProtocols(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const offered = header.split(',').map((p) => p.trim());
  if (!offered.includes(KIOSK_PROTOCOL)) return undefined;
  const tokens = offered.filter((p) => p.startsWith(TOKEN_PROTOCOL_PREFIX)).map((p) => p.slice(TOKEN_PROTOCOL_PREFIX.length));
  return tokens.length === 1 && SessionToken.safeParse(tokens[0]).success ? tokens[0] : undefined;
}

/** The http(s) origin of a kiosk ws(s) URL: what a page served by that kiosk sends as its Origin. */
export function kioskOriginOf(socketUrl: string): string {
  const u = new URL(socketUrl);
  const scheme = u.protocol === 'wss:' || u.protocol === 'https:' ? 'https:' : 'http:';
  return `${scheme}//${u.host}`;
}
