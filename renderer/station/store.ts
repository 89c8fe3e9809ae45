/**
 * The station screen's state (zustand): what the core pushes (view, sync, devices, scans) and what this screen
 * adds (language, the open SPK, the last message, a printed slip). Every command goes through `run`, which marks the
 * screen busy (a double tap does not record twice: the second is ignored while the first runs) and turns a failure
 * into a message in the operator's language.
 */
import { z } from 'zod';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Bilingual, CommandName, CommandParams, CommandResult, DeviceHealthView, StationApi, StationView, SyncStatus } from '../../shared/api';
import { refusalText } from '../../shared/messages/refusals';
import type { CoreStatus } from '../transport/ipc-wire';
import { UI, format, type Lang, type UiKey } from './messages';

/** What the screen needs of the core process's state: is it restarting, and when is the next try. */
export type CoreProcessStatus = Pick<CoreStatus, 'state' | 'retryInMs'>;

/** The one interface the screen speaks: the kiosk WebSocket today, Electron IPC (preload) later. */
export interface StationTransport extends StationApi {
  onConnection(listener: (connected: boolean) => void): () => void;
  /** Only where the screen runs the core's process itself (the Electron shell): its state, restarts included. */
  onCoreStatus?(listener: (status: CoreProcessStatus) => void): () => void;
}

/** The core process is being started again (Electron shell): the next try is due at `retryAt` (ms since epoch). */
export interface CoreRestart {
  retryAt: number;
}

export interface Notice {
  tone: 'ok' | 'error' | 'info';
  text: Bilingual;
  /** The core's own words (English, with the numbers), shown small under the sentence. */
  detail?: string;
  /** Which part of the screen it concerns, so it is shown next to that field. */
  field?: string;
}

export interface PrintedSlip {
  transferId: string;
  slip: string;
  workOrderId: string;
  articleCode: string;
  quantity: number;
  from: string;
  to: string;
  at: string;
}

/** A packed carton whose label is on screen to print (CartonLabel). */
export interface PrintedCarton {
  sscc: string;
  workOrderId: string;
  articleCode: string;
  quantity: number;
  destination: string;
  shipWeek: string;
}

/** A packing SPK whose packing list (carton manifest) is on screen to print (PackingList). */
export interface PrintedPackingList {
  workOrderId: string;
}

export interface StationScreenState {
  connected: boolean;
  view: StationView | null;
  sync: SyncStatus | null;
  /** When the sync state last changed (the header says "offline since …"). */
  syncSince: string | null;
  hardware: DeviceHealthView[];
  lang: Lang;
  openWorkOrderId: string | null;
  busy: boolean;
  notice: Notice | null;
  printedSlip: PrintedSlip | null;
  printedCarton: PrintedCarton | null;
  printedPackingList: PrintedPackingList | null;
  /** A carton label scanned here: the carton form packs into that SSCC instead of a new number. */
  scannedCarton: string | null;
  /** A verified slip scanned here, waiting for its count. */
  scannedSlip: { slip: string; transferId: string; workOrderId: string; quantity: number } | null;
  scannedBadge: string | null;
  /** Set while the shell restarts the core process (the banner says so instead of "not reachable"). */
  coreRestart: CoreRestart | null;
  /** Idle logout: seconds without a touch, key or scan before the operator is logged out (a station setting). */
  idleSeconds: number;
  /** Refused records the operator has already been shown (the banner counts the others); kept per station. */
  refusalsSeen: string[];
}

const LANG_KEY = 'qsf.station.lang';
const IDLE_KEY = 'qsf.station.idleSeconds';
const REFUSALS_SEEN_KEY = 'qsf.station.refusalsSeen';
const RefusalsSeen = z.array(z.string()).max(10_000);
/** Ten minutes unless the station is set otherwise. */
export const DEFAULT_IDLE_SECONDS = 600;

/** Restarting: the next try is due in `retryInMs`; starting again after it: still a restart; running or stopped: none. */
function coreRestartOf(status: CoreProcessStatus, before: CoreRestart | null, nowMs: number): CoreRestart | null {
  if (status.state === 'restarting') return { retryAt: nowMs + (status.retryInMs ?? 0) };
  if (status.state === 'starting') return before;
  return null;
}

/** What the storage holds, or nothing when it holds nonsense (it is a browser's, anyone may have written it). */
function savedRefusalsSeen(storage: StorageLike | null): string[] {
  try {
    const parsed = RefusalsSeen.safeParse(JSON.parse(storage?.getItem(REFUSALS_SEEN_KEY) ?? '[]'));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

function savedIdleSeconds(storage: StorageLike | null): number {
  const saved = Number(storage?.getItem(IDLE_KEY) ?? '');
  return Number.isInteger(saved) && saved > 0 ? saved : DEFAULT_IDLE_SECONDS;
}

export function text(key: UiKey, vars?: Record<string, string | number>): Bilingual {
  const t = UI[key];
  return vars ? { en: format(t.en, vars), id: format(t.id, vars) } : t;
}

export interface StationScreen {
  store: StoreApi<StationScreenState>;
  /** Runs one command; resolves with its result, or undefined when it failed (the notice says why) or was a double tap. */
  run<C extends CommandName>(name: C, params: CommandParams<C>, opts?: { field?: string; ok?: Bilingual }): Promise<CommandResult<C> | undefined>;
  setLang(lang: Lang): void;
  /** The station's idle logout setting, kept per station like the language. */
  setIdleSeconds(seconds: number): void;
  /** The refused records now listed have been shown (replaces what was kept: settled ones drop out). */
  markRefusalsSeen(eventIds: readonly string[]): void;
  submitScan(data: string, symbology?: string | null): Promise<void>;
  dispose(): void;
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function errorNotice(err: unknown, field?: string): Notice {
  const e = err as { error?: { code?: string; message?: string; refusal?: string; text?: Bilingual } };
  const code = e.error?.refusal;
  const message = e.error?.message ?? (err instanceof Error ? err.message : String(err));
  // A rule's refusal reads from the catalogue; the station's own refusals bring their sentence (shared/messages/station.ts).
  const en = code ? refusalText(code, 'en') : e.error?.text?.en;
  const id = code ? refusalText(code, 'id') : e.error?.text?.id;
  const base: Notice = en && id ? { tone: 'error', text: { en, id }, detail: message } : { tone: 'error', text: { en: message, id: message } };
  return field ? { ...base, field } : base;
}

export function createStationScreen(transport: StationTransport, storage: StorageLike | null, now: () => number = Date.now): StationScreen {
  const saved = storage?.getItem(LANG_KEY);
  const store = createStore<StationScreenState>(() => ({
    connected: false,
    view: null,
    sync: null,
    syncSince: null,
    hardware: [],
    lang: saved === 'en' || saved === 'id' ? saved : 'id',
    openWorkOrderId: null,
    busy: false,
    notice: null,
    printedSlip: null,
    printedCarton: null,
    printedPackingList: null,
    scannedCarton: null,
    scannedSlip: null,
    scannedBadge: null,
    coreRestart: null,
    idleSeconds: savedIdleSeconds(storage),
    refusalsSeen: savedRefusalsSeen(storage),
  }));
  const set = store.setState;
  const unsubs = [
    transport.onConnection((connected) => set({ connected })),
    transport.onCoreStatus?.((status) => set({ coreRestart: coreRestartOf(status, store.getState().coreRestart, now()) })) ?? (() => undefined),
    transport.subscribe('view', (view) => {
      // Logged out (idle or by hand) or replaced by another operator's login: nothing of the last operator's work
      // stays on screen.
      const before = store.getState().view?.operator ?? null;
      const loggedOut = before !== null && before.operatorId !== view.operator?.operatorId;
      set(loggedOut ? { view, openWorkOrderId: null, printedSlip: null, printedCarton: null, printedPackingList: null, scannedCarton: null, scannedSlip: null } : { view });
    }),
    transport.subscribe('sync', (sync) => {
      const before = store.getState().sync?.state;
      // The core says since when (a screen opened later shows when the station went offline, not when it opened).
      const since = sync.since ?? (before === sync.state ? store.getState().syncSince : new Date().toISOString());
      set({ sync, syncSince: since });
    }),
    transport.subscribe('hardware', (hardware) => set({ hardware })),
    transport.subscribe('scan', (scan) => {
      if (scan) void applyScan(scan.outcome);
    }),
  ];

  async function run<C extends CommandName>(name: C, params: CommandParams<C>, opts: { field?: string; ok?: Bilingual } = {}): Promise<CommandResult<C> | undefined> {
    if (store.getState().busy) return undefined;
    set({ busy: true });
    try {
      const result = await transport.call(name, params);
      set({ notice: opts.ok ? { tone: 'ok', text: opts.ok, ...(opts.field ? { field: opts.field } : {}) } : null });
      return result;
    } catch (err) {
      set({ notice: errorNotice(err, opts.field) });
      return undefined;
    } finally {
      set({ busy: false });
    }
  }

  async function applyScan(outcome: CommandResult<'scan.submit'>): Promise<void> {
    switch (outcome.kind) {
      case 'badge':
        set({ scannedBadge: outcome.operatorId, notice: { tone: 'info', text: text('badgeScanned'), field: 'login' } });
        return;
      case 'spk':
        if (outcome.known && store.getState().view?.workOrders.some((w) => w.id === outcome.workOrderId)) set({ openWorkOrderId: outcome.workOrderId, notice: null });
        else set({ notice: { tone: 'error', text: text('unknownSpk', { wo: outcome.workOrderId }), field: 'scan' } });
        return;
      case 'transferSlip':
        if (!outcome.verified) {
          set({ scannedSlip: null, notice: { tone: 'error', text: outcome.message, field: 'incoming' } });
          return;
        }
        set({
          scannedSlip: { slip: outcome.slip, transferId: outcome.transferId, workOrderId: outcome.workOrderId, quantity: outcome.quantity },
          notice: { tone: 'info', text: text('slipRead', { qty: outcome.quantity, wo: outcome.workOrderId }), field: 'incoming' },
        });
        return;
      case 'carton':
        // Kept for the carton form of the SPK open now; with none open it would surprise the next one opened.
        set({ scannedCarton: store.getState().openWorkOrderId ? outcome.sscc : null, notice: { tone: 'info', text: text('cartonScanned', { sscc: outcome.sscc }), field: 'scan' } });
        return;
      case 'unknown':
        set({ notice: { tone: 'error', text: outcome.message, field: 'scan' } });
        return;
    }
  }

  async function submitScan(data: string, symbology?: string | null): Promise<void> {
    const outcome = await run('scan.submit', symbology ? { data, symbology } : { data }, { field: 'scan' });
    if (outcome) await applyScan(outcome);
  }

  return {
    store,
    run,
    submitScan,
    setLang(lang) {
      storage?.setItem(LANG_KEY, lang);
      set({ lang });
    },
    setIdleSeconds(seconds) {
      if (!Number.isInteger(seconds) || seconds <= 0) return;
      storage?.setItem(IDLE_KEY, String(seconds));
      set({ idleSeconds: seconds });
    },
    markRefusalsSeen(eventIds) {
      const seen = [...eventIds];
      storage?.setItem(REFUSALS_SEEN_KEY, JSON.stringify(seen));
      set({ refusalsSeen: seen });
    },
    dispose() {
      for (const u of unsubs) u();
    },
  };
}
