import { describe, expect, it } from 'vitest';
import type { CommandName, CommandParams, CommandResult, StationView, Topic, TopicData } from '../../shared/api';
import { REFUSAL_TEXT } from '../../shared/messages/refusals';
import { STATION_TEXT } from '../../shared/messages/station';
import { DEFAULT_IDLE_SECONDS, createStationScreen, type CoreProcessStatus, type StationTransport } from './store';

/** A transport whose calls the test answers by hand (unit test of the store alone). */
function fakeTransport() {
  const calls: { name: string; params: unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const listeners = new Map<Topic, (d: unknown) => void>();
  const transport: StationTransport = {
    call<C extends CommandName>(name: C, params: CommandParams<C>): Promise<CommandResult<C>> {
      return new Promise((resolve, reject) => calls.push({ name, params, resolve: resolve as (v: unknown) => void, reject }));
    },
    subscribe<T extends Topic>(topic: T, listener: (data: TopicData[T]) => void) {
      listeners.set(topic, listener as (d: unknown) => void);
      return () => listeners.delete(topic);
    },
    onConnection: () => () => undefined,
  };
  return { transport, calls, push: <T extends Topic>(topic: T, data: TopicData[T]) => listeners.get(topic)?.(data) };
}

const memoryStorage = () => {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
};

describe('station screen store', () => {
  it('a second tap while a command runs sends nothing (no double record)', async () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const first = screen.run('session.logout', {});
    const second = await screen.run('session.logout', {});
    expect(second).toBeUndefined();
    expect(f.calls).toHaveLength(1);
    f.calls[0]!.resolve({ ok: true, ack: null });
    expect(await first).toEqual({ ok: true, ack: null });
    expect(screen.store.getState().busy).toBe(false);
    void screen.run('session.logout', {});
    expect(f.calls).toHaveLength(2);
  });

  it("a refusal becomes the refusal's sentence in both languages, the core's words kept as the detail, next to its field", async () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const p = screen.run('session.logout', {}, { field: 'form-output' });
    f.calls[0]!.reject({ error: { code: 'refused', message: 'LN-SEW-1 is halted since …', refusal: 'line_halted' } });
    expect(await p).toBeUndefined();
    expect(screen.store.getState().notice).toEqual({ tone: 'error', text: REFUSAL_TEXT.line_halted, detail: 'LN-SEW-1 is halted since …', field: 'form-output' });
  });

  it('the language is kept per station (storage) and Indonesian by default', () => {
    const storage = memoryStorage();
    const f = fakeTransport();
    expect(createStationScreen(f.transport, storage).store.getState().lang).toBe('id');
    createStationScreen(f.transport, storage).setLang('en');
    expect(createStationScreen(f.transport, storage).store.getState().lang).toBe('en');
  });

  it('a scanned SPK opens only when it is at this station; an unknown code says so', async () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const scan = screen.submitScan('SPK:MO-2026-0001-SEW');
    f.calls[0]!.resolve({ kind: 'spk', workOrderId: 'MO-2026-0001-SEW', known: true });
    await scan;
    // Known to the core but not in this screen's view (not at this station): not opened.
    expect(screen.store.getState().openWorkOrderId).toBeNull();
    expect(screen.store.getState().notice?.field).toBe('scan');
    expect(screen.store.getState().notice?.tone).toBe('error');
  });

  it("a station refusal (no carton numbers left) shows the station's own sentence in both languages", async () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const p = screen.run('carton.nextSscc', {}, { field: 'form-carton' });
    f.calls[0]!.reject({ error: { code: 'refused', message: 'no SSCC lease left on this station', text: STATION_TEXT.sscc_no_lease } });
    expect(await p).toBeUndefined();
    expect(screen.store.getState().notice).toEqual({ tone: 'error', text: STATION_TEXT.sscc_no_lease, detail: 'no SSCC lease left on this station', field: 'form-carton' });
  });

  it('a scanned carton label is kept for the open SPK’s carton form, and not kept when no SPK is open', async () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const sscc = '089912345670000006';
    const scan = async () => {
      const done = screen.submitScan(`]C100${sscc}`);
      f.calls[f.calls.length - 1]!.resolve({ kind: 'carton', sscc });
      await done;
    };
    await scan();
    expect(screen.store.getState().scannedCarton).toBeNull();
    screen.store.setState({ openWorkOrderId: 'MO-2026-0001-PCK' });
    await scan();
    expect(screen.store.getState().scannedCarton).toBe(sscc);
  });

  it("another operator's login clears what the last one had open, as a logout does; the same operator's next view keeps it", () => {
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, null);
    const view = (operatorId: string | null): StationView => ({
      station: { id: 'ST-PCK-1', department: 'packing', lineId: 'LN-PCK-1', name: 'Packing 1' },
      operator: operatorId ? { operatorId, name: operatorId, roles: ['operator'] } : null,
      workOrders: [], incoming: [], outgoing: [], line: null, verification: null, alerts: [], holds: [], refused: [],
      conflicts: [], pendingEvents: 0, lastSeq: 0,
    });
    const open = () => screen.store.setState({ openWorkOrderId: 'MO-2026-0001-PCK', scannedCarton: '089912345670000006' });
    f.push('view', view('OP-0001'));
    open();
    f.push('view', view('OP-0001'));
    expect(screen.store.getState().openWorkOrderId).toBe('MO-2026-0001-PCK');
    f.push('view', view('OP-0002'));
    expect(screen.store.getState().openWorkOrderId).toBeNull();
    expect(screen.store.getState().scannedCarton).toBeNull();
    open();
    f.push('view', view(null));
    expect(screen.store.getState().openWorkOrderId).toBeNull();
  });

  it('while the shell restarts the core it says restarting with the next try, and clears once the core runs', () => {
    const f = fakeTransport();
    let report: (s: CoreProcessStatus) => void = () => undefined;
    const transport: StationTransport = {
      ...f.transport,
      onCoreStatus: (listener) => {
        report = listener;
        return () => undefined;
      },
    };
    let now = 1_000_000;
    const screen = createStationScreen(transport, null, () => now);
    expect(screen.store.getState().coreRestart).toBeNull();
    report({ state: 'restarting', retryInMs: 4_000 });
    expect(screen.store.getState().coreRestart).toEqual({ retryAt: 1_004_000 });
    now += 4_000;
    // Starting again after the wait is still the same restart (the banner says "starting it now").
    report({ state: 'starting', retryInMs: null });
    expect(screen.store.getState().coreRestart).toEqual({ retryAt: 1_004_000 });
    report({ state: 'running', retryInMs: null });
    expect(screen.store.getState().coreRestart).toBeNull();
  });

  it('a transport without core status (the kiosk WebSocket) never says restarting', () => {
    const f = fakeTransport();
    expect(f.transport.onCoreStatus).toBeUndefined();
    expect(createStationScreen(f.transport, null).store.getState().coreRestart).toBeNull();
  });

  it('the idle logout time is a station setting: 10 minutes by default, kept per station, nonsense ignored', () => {
    const storage = memoryStorage();
    const f = fakeTransport();
    const screen = createStationScreen(f.transport, storage);
    expect(screen.store.getState().idleSeconds).toBe(DEFAULT_IDLE_SECONDS);
    expect(DEFAULT_IDLE_SECONDS).toBe(600);
    screen.setIdleSeconds(300);
    screen.setIdleSeconds(-5);
    expect(createStationScreen(f.transport, storage).store.getState().idleSeconds).toBe(300);
  });

  it('refused records shown to the operator are kept per station; nonsense in the storage counts as none shown', () => {
    const storage = memoryStorage();
    const f = fakeTransport();
    expect(createStationScreen(f.transport, storage).store.getState().refusalsSeen).toEqual([]);
    createStationScreen(f.transport, storage).markRefusalsSeen(['e1', 'e2']);
    expect(createStationScreen(f.transport, storage).store.getState().refusalsSeen).toEqual(['e1', 'e2']);
    createStationScreen(f.transport, storage).markRefusalsSeen(['e2']);
    expect(createStationScreen(f.transport, storage).store.getState().refusalsSeen).toEqual(['e2']);
    for (const junk of ['{', '{"a":1}', '[1,2]', 'null']) {
      storage.setItem('qsf.station.refusalsSeen', junk);
      expect(createStationScreen(f.transport, storage).store.getState().refusalsSeen, junk).toEqual([]);
    }
  });
});
