/**
 * The dashboard's one typed client of the sync server: each call's answer is parsed with the server's own contract
 * (sync-server/dashboard/contract.ts), so a screen never reads a shape the server did not promise. Writes send the
 * session's CSRF token; the session itself is the httpOnly cookie (same origin), never seen by this code.
 */
import type { z } from 'zod';
import { Account, AccountList, AlertsView, ConflictsView, CSRF_HEADER, FloorView, LiveMessage, Ok, SessionInfo, type AlertAction, type NewAccountInput } from '../../sync-server/dashboard/contract';

/** A refused request: the server's status, error code and message (and Retry-After, in seconds, on a 429). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

async function call<S extends z.ZodType>(schema: S, method: string, path: string, opts: { body?: unknown; csrf?: string } = {}): Promise<z.output<S>> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.csrf) headers[CSRF_HEADER] = opts.csrf;
  let res: Response;
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch {
    throw new ApiError(0, 'unreachable', 'the server is not reachable');
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (json ?? {}) as { error?: unknown; message?: unknown };
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(res.status, typeof e.error === 'string' ? e.error : 'error', typeof e.message === 'string' ? e.message : res.statusText, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return schema.parse(json);
}

export const api = {
  session: () => call(SessionInfo, 'GET', '/api/dashboard/session'),
  login: (username: string, password: string) => call(SessionInfo, 'POST', '/api/dashboard/login', { body: { username, password } }),
  logout: (csrf: string) => call(Ok, 'POST', '/api/dashboard/logout', { csrf }),
  floor: () => call(FloorView, 'GET', '/api/dashboard/floor'),
  alerts: () => call(AlertsView, 'GET', '/api/dashboard/alerts'),
  conflicts: () => call(ConflictsView, 'GET', '/api/dashboard/conflicts'),
  accounts: () => call(AccountList, 'GET', '/api/dashboard/accounts'),
  createAccount: (csrf: string, body: NewAccountInput) => call(Account, 'POST', '/api/dashboard/accounts', { body, csrf }),
  alertAction: (csrf: string, alertId: string, action: AlertAction, note: string) =>
    call(Ok, 'POST', `/api/dashboard/alerts/${encodeURIComponent(alertId)}/${action}`, { body: { note }, csrf }),
};

/** The live channel: `onChange` on every change the server hears of (any instance), `onState` as it connects/drops. */
export function openLive(onChange: () => void, onState: (state: 'live' | 'connecting' | 'down') => void): () => void {
  const source = new EventSource('/api/dashboard/live');
  source.onopen = () => onState('live');
  source.onerror = () => onState(source.readyState === EventSource.CLOSED ? 'down' : 'connecting');
  source.onmessage = (ev: MessageEvent<string>) => {
    const msg = LiveMessage.safeParse(JSON.parse(ev.data));
    if (!msg.success) return;
    onState('live');
    // 'hello' too: whatever happened while the channel was down is read again.
    onChange();
  };
  return () => source.close();
}
