/**
 * The dashboard's one typed client of the sync server: each call's answer is parsed with the server's own contract
 * (sync-server/dashboard/contract.ts), so a screen never reads a shape the server did not promise. Writes send the
 * session's CSRF token; the session itself is the httpOnly cookie (same origin), never seen by this code.
 */
import { z } from 'zod';
import { takeEarlyRead } from './early-reads';
import { ChartsView, ComplianceView, RosterBadges, type ChartRange } from '../../sync-server/dashboard/reports-contract';
import { AccountCreated, AccountState, PasswordReset, type OwnPasswordInput, type PasswordResetInput } from '../../sync-server/dashboard/accounts-contract';
import type { ArticleEditInput, NewArticleInput } from '../../sync-server/dashboard/articles-contract';
import { OperatorAdded, OperatorState, PinReset, RosterView, type NewRosterOperatorInput, type PinResetInput } from '../../sync-server/dashboard/roster-contract';
import { livePath, viewsPath, type HeldRevisions, type ViewName } from '../../sync-server/dashboard/views-sync';
import { AccountList, AlertsView, ApprovedOrder, ArticleList, ArticleRow, ConflictsView, FleetView, ImportResult, IssuedCode, RevokedStation, CSRF_HEADER, FloorOrders, FloorView, LiveMessage, Ok, OrdersView, SessionInfo, ViewsUpdate, type AlertAction, type ConflictReviewBody, type ConflictsShow, type NewAccountInput, type NewOrderInput, type NewStationCodeInput } from '../../sync-server/dashboard/contract';

/** The server's error answer (sync-server/http/route.ts), read leniently: a proxy's error page is no JSON at all. */
const ErrorAnswer = z.object({
  error: z.string().catch('error'),
  message: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).catch([]).default([]),
});

/** A refused request: the server's status, error code and message (and Retry-After, in seconds, on a 429). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
    /** A 400's fields, as the server named them (`body.quantity`), with its (English) reason. */
    readonly issues: readonly { path: string; message: string }[] = [],
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
    const early = method === 'GET' && opts.body === undefined && opts.csrf === undefined ? takeEarlyRead(path) : undefined;
    res = await (early ?? fetch(path, { method, headers, credentials: 'same-origin', body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }));
  } catch {
    throw new ApiError(0, 'unreachable', 'the server is not reachable');
  }
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const e = ErrorAnswer.safeParse(json);
    const retry = Number(res.headers.get('retry-after'));
    throw new ApiError(
      res.status,
      e.success ? e.data.error : 'error',
      (e.success ? e.data.message : undefined) ?? res.statusText,
      Number.isFinite(retry) && retry > 0 ? retry : null,
      e.success ? e.data.issues : [],
    );
  }
  return schema.parse(json);
}

export const api = {
  session: () => call(SessionInfo, 'GET', '/api/dashboard/session'),
  login: (username: string, password: string) => call(SessionInfo, 'POST', '/api/dashboard/login', { body: { username, password } }),
  logout: (csrf: string) => call(Ok, 'POST', '/api/dashboard/logout', { csrf }),
  /** The views `live` (of Floor, Alerts, Conflicts, Orders, Fleet, articles, (admins) accounts) in one answer: what changed since the revisions held (views-sync.ts). */
  views: (held: HeldRevisions, show: ConflictsShow, live: readonly ViewName[]) => call(ViewsUpdate, 'GET', viewsPath(held, show, live)),
  floor: () => call(FloorView, 'GET', '/api/dashboard/floor'),
  /** The Floor's open orders whose MO, article or destination holds `find`, the first `limit` (the live Floor lists the first few only). */
  floorOrders: (find: string, limit: number) => call(FloorOrders, 'GET', `/api/dashboard/floor/orders?${new URLSearchParams({ find, limit: String(limit) }).toString()}`),
  alerts: () => call(AlertsView, 'GET', '/api/dashboard/alerts'),
  conflicts: (show: ConflictsShow = 'open') => call(ConflictsView, 'GET', `/api/dashboard/conflicts?show=${show}`),
  reviewConflict: (csrf: string, eventId: string, body: ConflictReviewBody) =>
    call(Ok, 'POST', `/api/dashboard/conflicts/${encodeURIComponent(eventId)}/review`, { body, csrf }),
  accounts: () => call(AccountList, 'GET', '/api/dashboard/accounts'),
  createAccount: (csrf: string, body: NewAccountInput) => call(AccountCreated, 'POST', '/api/dashboard/accounts', { body, csrf }),
  setAccountDisabled: (csrf: string, id: string, disabled: boolean) => call(AccountState, 'POST', `/api/dashboard/accounts/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`, { csrf }),
  resetPassword: (csrf: string, id: string, body: PasswordResetInput) => call(PasswordReset, 'POST', `/api/dashboard/accounts/${encodeURIComponent(id)}/password`, { body, csrf }),
  changeOwnPassword: (csrf: string, body: OwnPasswordInput) => call(Ok, 'POST', '/api/dashboard/session/password', { body, csrf }),
  roster: () => call(RosterView, 'GET', '/api/dashboard/roster'),
  addOperator: (csrf: string, body: NewRosterOperatorInput) => call(OperatorAdded, 'POST', '/api/dashboard/roster', { body, csrf }),
  setOperatorActive: (csrf: string, id: string, active: boolean) => call(OperatorState, 'POST', `/api/dashboard/roster/${encodeURIComponent(id)}/${active ? 'reactivate' : 'deactivate'}`, { csrf }),
  resetPin: (csrf: string, id: string, body: PinResetInput) => call(PinReset, 'POST', `/api/dashboard/roster/${encodeURIComponent(id)}/pin`, { body, csrf }),
  orders: () => call(OrdersView, 'GET', '/api/dashboard/orders'),
  createOrder: (csrf: string, body: NewOrderInput) => call(Ok, 'POST', '/api/dashboard/orders', { body, csrf }),
  approveOrder: (csrf: string, id: string) => call(ApprovedOrder, 'POST', `/api/dashboard/orders/${encodeURIComponent(id)}/approve`, { csrf }),
  articles: () => call(ArticleList, 'GET', '/api/dashboard/articles'),
  createArticle: (csrf: string, body: NewArticleInput) => call(ArticleRow, 'POST', '/api/dashboard/articles', { body, csrf }),
  editArticle: (csrf: string, code: string, body: ArticleEditInput) => call(ArticleRow, 'PUT', `/api/dashboard/articles/${encodeURIComponent(code)}`, { body, csrf }),
  importCsv: (csrf: string, what: 'operators' | 'articles', csv: string) => call(ImportResult, 'POST', `/api/dashboard/import/${what}`, { body: { csv }, csrf }),
  fleet: () => call(FleetView, 'GET', '/api/dashboard/fleet'),
  issueCode: (csrf: string, body: NewStationCodeInput) => call(IssuedCode, 'POST', '/api/dashboard/fleet/enrollment-codes', { body, csrf }),
  revokeStation: (csrf: string, id: string) => call(RevokedStation, 'POST', `/api/dashboard/fleet/stations/${encodeURIComponent(id)}/revoke`, { csrf }),
  charts: (range: ChartRange) => call(ChartsView, 'GET', `/api/dashboard/reports/charts?range=${range}`),
  compliance: (moId: string) => call(ComplianceView, 'GET', `/api/dashboard/reports/compliance/${encodeURIComponent(moId)}`),
  /** The CSV download's address: a plain link (a read: the session cookie goes with it, no CSRF token needed). */
  complianceCsvUrl: (moId: string) => `/api/dashboard/reports/compliance/${encodeURIComponent(moId)}/csv`,
  rosterBadges: () => call(RosterBadges, 'GET', '/api/dashboard/roster/badges'),
  alertAction: (csrf: string, alertId: string, action: AlertAction, note: string) =>
    call(Ok, 'POST', `/api/dashboard/alerts/${encodeURIComponent(alertId)}/${action}`, { body: { note }, csrf }),
};

export interface LiveHandlers {
  /** What changed since what the screen held (the first after what it opened with). */
  views(update: ViewsUpdate): void;
  state(state: 'live' | 'connecting' | 'down'): void;
  /** The channel dropped: it is closed here (the browser would reopen it with the revisions it opened with, now stale). */
  lost(): void;
  /** The server says this session ended (account disabled, password reset): the screen logs out. */
  ended(): void;
}

/** The live channel (sync-server/dashboard/live.ts), opened from the revisions `held`: every change of the views `live` sent as it comes. */
export function openLive(held: HeldRevisions, show: ConflictsShow, live: readonly ViewName[], on: LiveHandlers): () => void {
  const source = new EventSource(livePath(held, show, live));
  source.onopen = () => on.state('live');
  source.onerror = () => {
    source.close();
    on.lost();
  };
  source.onmessage = (ev: MessageEvent<string>) => {
    let raw: unknown;
    try {
      raw = JSON.parse(ev.data);
    } catch {
      return;
    }
    const msg = LiveMessage.safeParse(raw);
    if (!msg.success) return;
    switch (msg.data.type) {
      case 'ended':
        source.close();
        on.ended();
        return;
      case 'failed':
        on.state('down');
        return;
      case 'views':
        on.views(msg.data.update);
        return;
      case 'hello':
        on.state('live');
    }
  };
  return () => source.close();
}
