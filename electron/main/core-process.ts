/**
 * The station core inside the Electron shell: the entry main starts with `utilityProcess.fork` (built to
 * dist/electron/core-process.js). The same core the kiosk runs (electron/kiosk/run.ts `openStation`: config, store,
 * sync, hardware), but its screens reach it over the parent port instead of a WebSocket; each screen's messages go
 * through the kiosk's own conversation (screen-conversation.ts), parsed with the shared schemas. No Electron import:
 * the parent port is the only thing Electron gives it, and a test passes a fake one.
 */
import { z } from 'zod';
import { DirInUseError } from '../../shared/node/dir-lock';
import { ConfigError } from '../core/config';
import type { StationCore } from '../core/station-core';
import { openStation, stationParts } from '../kiosk/run';
import { openScreenConversation, type ScreenConversation } from '../kiosk/screen-conversation';
import { KIOSK_MAX_IN_FLIGHT } from '../kiosk/server';
import { CORE_EXIT, type FromCore } from './core-wire';

/** Electron's `process.parentPort`, as far as the core uses it. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const FromMain = z.discriminatedUnion('t', [
  z.object({ t: z.literal('screen'), screen: z.string().min(1).max(64), msg: z.unknown() }),
  z.object({ t: z.literal('screen-gone'), screen: z.string() }),
  z.object({ t: z.literal('stop') }),
]);

export interface OpenedStation {
  core: StationCore;
  stop(): Promise<void>;
}

const log = (msg: string, extra?: Record<string, unknown>) => console.error(JSON.stringify({ level: 'error', msg, ...extra }));

export async function serveStationCore(port: ParentPortLike, open: () => Promise<OpenedStation>, exit: (code: number) => void): Promise<void> {
  const post = (msg: FromCore) => port.postMessage(msg);
  let station: OpenedStation;
  try {
    station = await open();
  } catch (err) {
    post({ t: 'fatal', message: err instanceof Error ? err.message : String(err) });
    exit(err instanceof ConfigError ? CORE_EXIT.config : err instanceof DirInUseError ? CORE_EXIT.dirInUse : CORE_EXIT.failed);
    return;
  }
  const screens = new Map<string, ScreenConversation>();
  let stopping = false;
  port.on('message', ({ data }) => {
    const parsed = FromMain.safeParse(data);
    if (!parsed.success) {
      log('core process: unreadable message from main', { issue: parsed.error.issues[0]?.message });
      return;
    }
    const m = parsed.data;
    if (m.t === 'screen') {
      let conversation = screens.get(m.screen);
      if (!conversation) {
        conversation = openScreenConversation(station.core, { connection: m.screen, send: (msg) => post({ t: 'reply', screen: m.screen, msg }), maxInFlight: KIOSK_MAX_IN_FLIGHT, log });
        screens.set(m.screen, conversation);
      }
      conversation.receive(m.msg);
    } else if (m.t === 'screen-gone') {
      screens.get(m.screen)?.close();
      screens.delete(m.screen);
    } else if (!stopping) {
      stopping = true;
      for (const c of screens.values()) c.close();
      station.stop().then(
        () => exit(CORE_EXIT.stopped),
        (err: unknown) => {
          log('core process: stop failed', { err: String(err) });
          exit(CORE_EXIT.failed);
        },
      );
    }
  });
  post({ t: 'ready', station: station.core.station.id, lastSeq: station.core.lastSequence });
}

const parentPort = (process as { parentPort?: ParentPortLike }).parentPort;
if (parentPort) {
  void serveStationCore(parentPort, async () => openStation(process.env, await stationParts()), (code) => process.exit(code));
}
