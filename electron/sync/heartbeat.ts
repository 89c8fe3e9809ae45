/**
 * The station heartbeat: every few seconds, and soon after its devices' health changes, the station tells the
 * office its backlog, its clock and its devices (connected, faults): the dashboard shows them, metrics expose them.
 * Failures are ignored here: the sync status already says when the server is unreachable.
 */
import { z } from 'zod';
import type { Heartbeat } from '../../shared/sync';
import type { StationCore } from '../core/station-core';
import { joinUrl, requestJson, type Fetch } from './http';

export interface HeartbeatOptions {
  core: StationCore;
  serverUrl: string;
  token: string;
  fetch: Fetch;
  signal: AbortSignal;
  intervalMs: number;
  requestTimeoutMs: number;
}

export function startHeartbeat(o: HeartbeatOptions): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let sending = false;
  let again = false;
  const send = async (): Promise<void> => {
    if (o.signal.aborted) return;
    if (sending) {
      again = true;
      return;
    }
    sending = true;
    const body: Heartbeat = { stationTime: o.core.wallClockMs(), backlog: o.core.pendingCount, devices: o.core.hardwareHealth() };
    try {
      await requestJson(o.fetch, joinUrl(o.serverUrl, '/api/heartbeat'), z.object({ serverTime: z.number() }), {
        method: 'POST',
        token: o.token,
        body,
        signal: o.signal,
        timeoutMs: o.requestTimeoutMs,
      });
    } catch {
      // reported by the sync status, not here
    } finally {
      sending = false;
    }
    if (again) {
      again = false;
      void send();
    }
  };
  const schedule = (ms: number) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void send().then(() => !o.signal.aborted && schedule(o.intervalMs));
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
