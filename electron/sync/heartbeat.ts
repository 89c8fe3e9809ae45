/**
 * The station heartbeat: every few seconds, and soon after its devices' health changes, the station tells the
 * office its backlog, its clock and its devices (connected, faults): the dashboard shows them, metrics expose them.
 * A failed beat is not reported here (the sync status already says when the server is unreachable) but retried with
 * backoff, not a whole interval later: the office should not miss a dropped device for a minute because one request
 * failed while the server was busy.
 */
import { z } from 'zod';
import type { Heartbeat } from '../../shared/sync';
import type { StationSyncPort } from '../core/ports';
import { backoffDelay, joinUrl, requestJson, type Fetch } from './http';

export interface HeartbeatOptions {
  core: Pick<StationSyncPort, 'wallClockMs' | 'pendingCount' | 'hardwareHealth' | 'subscribe'>;
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  intervalMs: number;
  requestTimeoutMs: number;
  /** Sent in every beat when known (electron/core/app-version.ts). */
  appVersion?: string | null;
}

/** First retry of a failed beat (then doubling, capped at the interval). */
const RETRY_INITIAL_MS = 500;

export function startHeartbeat(o: HeartbeatOptions): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let sending = false;
  let again = false;
  let failures = 0;
  /** Sends one beat; false if it failed. */
  const send = async (): Promise<boolean> => {
    if (o.signal.aborted) return true;
    if (sending) {
      again = true;
      return true;
    }
    sending = true;
    const body: Heartbeat = {
      stationTime: o.core.wallClockMs(),
      backlog: o.core.pendingCount,
      devices: o.core.hardwareHealth(),
      ...(o.appVersion ? { appVersion: o.appVersion } : {}),
    };
    try {
      await requestJson(o.fetch, joinUrl(o.serverUrl, '/api/heartbeat'), z.object({ serverTime: z.number() }), {
        method: 'POST',
        token: o.token,
        body,
        signal: o.signal,
        timeoutMs: o.requestTimeoutMs,
      });
      failures = 0;
    } catch {
      failures++;
    } finally {
      sending = false;
    }
    if (again) {
      again = false;
      return send();
    }
    return failures === 0;
  };
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void send().then((ok) => {
        if (o.signal.aborted) return;
        schedule(ok ? o.intervalMs : Math.min(o.intervalMs, backoffDelay(failures - 1, RETRY_INITIAL_MS, o.intervalMs)));
      });
    }, ms);
  };
  schedule(0);
  // A device connecting or dropping is worth telling the office within a second, not at the next beat.
  const off = o.core.subscribe('hardware', () => schedule(1_000));
  return () => {
    off();
    if (timer) clearTimeout(timer);
  };
}
