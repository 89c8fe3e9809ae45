/**
 * HTTP plumbing of the sync client: one typed error for every way a request can fail, so the replication can tell
 * "the network is down" (retry, show offline) from "the server said no" (401 revoked, 409 seq_gap, 400 bad event).
 */
import { z } from 'zod';
import { STATION_TOKEN_REJECTED } from '../../shared/sync';

export type Fetch = typeof globalThis.fetch;

/** The server's error body (sync-server/http/route.ts): `{error, message, issues?}`. */
const ErrorBody = z.object({ error: z.string(), message: z.string() });

/** The server's error code in an error body, if the text is one. */
export function errorCodeOf(text: string): string | undefined {
  try {
    const r = ErrorBody.safeParse(JSON.parse(text));
    return r.success ? r.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** The request failed. `status` 0 = no answer at all (network down, timeout, aborted). */
export class SyncHttpError extends Error {
  constructor(
    readonly status: number,
    /** The server's error code (`seq_gap`, `unauthorized`, …), or `network` / `bad_response`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SyncHttpError';
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** The server says the station's token is unknown or revoked: stop, do not retry. Other 401s are retried. */
  get isRevoked(): boolean {
    return this.status === 401 && this.code === STATION_TOKEN_REJECTED;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  token?: string | null;
  body?: unknown;
  /** Aborts with the client (stop()). */
  signal?: AbortSignal;
  timeoutMs?: number;
}

export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** Fetch JSON and parse the answer with `schema`; every failure becomes a SyncHttpError. */
export async function requestJson<T>(fetchFn: Fetch, url: string, schema: z.ZodType<T>, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  // One controller per request, tied to the client's stop signal and a timeout, both released afterwards (a
  // long-lived signal must not collect a listener per request).
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, opts.timeoutMs ?? 30_000);
  const onStop = () => ctl.abort();
  opts.signal?.addEventListener('abort', onStop, { once: true });
  if (opts.signal?.aborted) ctl.abort();
  let res: Response;
  let text: string;
  try {
    res = await fetchFn(url, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? null : JSON.stringify(opts.body),
      signal: ctl.signal,
    });
    text = await res.text();
  } catch (err) {
    throw new SyncHttpError(0, 'network', `${url}: ${timedOut ? 'timed out' : describeNetworkError(err)}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onStop);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new SyncHttpError(res.status, 'bad_response', `${url}: answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = ErrorBody.safeParse(json);
    throw new SyncHttpError(res.status, e.success ? e.data.error : 'http_error', e.success ? e.data.message : `${url}: HTTP ${res.status}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new SyncHttpError(res.status, 'bad_response', `${url}: unexpected answer (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return parsed.data;
}

export function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return 'timed out';
    if (err.name === 'AbortError') return 'aborted';
    const cause = (err as Error & { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message) return `${err.message} (${cause.message})`;
    return err.message;
  }
  return String(err);
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Capped exponential backoff with jitter: attempt 0 → ~initial, doubling up to max. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  // ±20 % jitter so a floor full of stations does not reconnect in lockstep after a server restart.
  return Math.round(base * (0.8 + 0.4 * random()));
}
