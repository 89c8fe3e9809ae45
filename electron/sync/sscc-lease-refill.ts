/**
 * Keeps a packing station's carton numbers filled: while fewer than `threshold` remain, ask the server for the next
 * block (`POST /api/sscc-leases`) with the book's request id, and store what it answers. Checked at start, after every
 * number taken, and again with backoff after a failure (offline, server busy, no prefix configured yet): the station
 * keeps numbering from what it holds meanwhile.
 */
import { SSCC_LEASE_PATH, SsccLease } from '../../shared/barcode/sscc';
import { backoffDelay, errorMessage, joinUrl, requestJson, type Fetch } from './http';
import type { SsccLeaseBook } from './sscc-lease-book';

export interface SsccLeaseRefillOptions {
  book: SsccLeaseBook;
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  requestTimeoutMs: number;
  /** Ask for more while fewer than this remain (default 100). */
  threshold?: number;
  /** Retry after a failure: first wait and cap (ms; default 1 s doubling to 60 s). */
  retry?: { initialMs?: number; maxMs?: number };
  /** Told of each failed request (the sync client's log); the refill retries by itself. */
  onError?: (message: string) => void;
}

export const DEFAULT_SSCC_THRESHOLD = 100;

export function startSsccLeaseRefill(o: SsccLeaseRefillOptions): () => void {
  const threshold = o.threshold ?? DEFAULT_SSCC_THRESHOLD;
  const initialMs = o.retry?.initialMs ?? 1_000;
  const maxMs = o.retry?.maxMs ?? 60_000;
  let asking = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const check = (): void => {
    if (o.signal.aborted || asking || timer || o.book.remaining >= threshold) return;
    asking = true;
    void ask().finally(() => {
      asking = false;
      if (o.signal.aborted) return;
      if (failures > 0) {
        timer = setTimeout(() => {
          timer = null;
          check();
        }, backoffDelay(failures - 1, initialMs, maxMs));
      } else check();
    });
  };

  const ask = async (): Promise<void> => {
    try {
      const lease = await requestJson(o.fetch, joinUrl(o.serverUrl, SSCC_LEASE_PATH), SsccLease, {
        method: 'POST',
        token: o.token,
        body: { requestId: o.book.requestId() },
        signal: o.signal,
        timeoutMs: o.requestTimeoutMs,
      });
      o.book.add(lease);
      failures = 0;
    } catch (err) {
      failures++;
      if (!o.signal.aborted) o.onError?.(`carton numbers: ${errorMessage(err)}`);
    }
  };

  const off = o.book.onChange(check);
  check();
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
