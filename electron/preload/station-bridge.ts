/**
 * What the preload hands the screen as `window.quty` (contextBridge): the typed station API over IPC, and nothing
 * else: no ipcRenderer, no Node. Every answer and push from main is parsed here with the shared schemas
 * (renderer/transport/ipc-wire.ts) before the page sees it; what does not parse becomes a clear error or is dropped.
 * Written against a small `IpcRendererLike` so it runs in Node tests; preload.ts passes Electron's ipcRenderer.
 */
import { TOPICS, type Topic } from '../../shared/api';
import { CallReply, CoreStatus, IPC_CHANNELS, TopicPush, type QutyBridge } from '../../renderer/transport/ipc-wire';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const unreachable = (message: string): CallReply => ({ ok: false, error: { code: 'internal', message } });

export function createStationBridge(ipc: IpcRendererLike): QutyBridge {
  const topicListeners = new Map<Topic, Set<(data: unknown) => void>>();
  const statusListeners = new Set<(status: CoreStatus) => void>();

  ipc.on(IPC_CHANNELS.topic, (_event, push) => {
    const parsed = TopicPush.safeParse(push);
    if (!parsed.success) return; // not a push main sends: nothing to route it to
    for (const listener of topicListeners.get(parsed.data.topic) ?? []) listener(parsed.data.data);
  });
  ipc.on(IPC_CHANNELS.status, (_event, status) => {
    const parsed = CoreStatus.safeParse(status);
    if (parsed.success) for (const listener of statusListeners) listener(parsed.data);
  });

  return {
    async call(name, params) {
      if (typeof name !== 'string') return { ok: false, error: { code: 'bad_request', message: 'a command needs a name' } };
      let raw: unknown;
      try {
        raw = await ipc.invoke(IPC_CHANNELS.call, { name, params });
      } catch {
        return unreachable('station core not reachable');
      }
      const reply = CallReply.safeParse(raw);
      return reply.success ? reply.data : unreachable('the station sent an unreadable answer; check whether it was recorded');
    },
    subscribe(topic, listener) {
      if (!(TOPICS as readonly string[]).includes(topic)) throw new Error(`no such topic: ${String(topic)}`);
      let set = topicListeners.get(topic);
      if (!set) {
        set = new Set();
        topicListeners.set(topic, set);
        ipc.send(IPC_CHANNELS.subscribe, topic);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && topicListeners.get(topic) === set) {
          topicListeners.delete(topic);
          ipc.send(IPC_CHANNELS.unsubscribe, topic);
        }
      };
    },
    onStatus(listener) {
      statusListeners.add(listener);
      // The state now, so a screen that opens while the core restarts says so at once.
      ipc.invoke(IPC_CHANNELS.status).then(
        (status) => {
          const parsed = CoreStatus.safeParse(status);
          if (parsed.success && statusListeners.has(listener)) listener(parsed.data);
        },
        () => undefined,
      );
      return () => {
        statusListeners.delete(listener);
      };
    },
  };
}
