/**
 * StationApi over the Electron shell's IPC: the second transport behind the screen's one interface (the kiosk
 * WebSocket, ws-client.ts, is the first). The preload (electron/preload) has already parsed every reply with the
 * shared schemas (ipc-wire.ts); this adapter only gives the screen the same shapes the kiosk client gives it: a
 * refused command throws `StationCallError`, `connected` is "the core process is running", and `onCoreStatus`
 * passes on the shell's restarts.
 */
import type { CommandName, CommandParams, CommandResult, Topic, TopicData } from '../../shared/api';
import type { StationTransport } from '../station/store';
import type { QutyBridge } from './ipc-wire';
import { StationCallError } from './ws-client';

export function connectIpc(bridge: QutyBridge): StationTransport {
  return {
    async call<C extends CommandName>(name: C, params: CommandParams<C>): Promise<CommandResult<C>> {
      const reply = await bridge.call(name, params);
      if (!reply.ok) throw new StationCallError(reply.error);
      return reply.result as CommandResult<C>;
    },
    subscribe<T extends Topic>(topic: T, listener: (data: TopicData[T]) => void): () => void {
      return bridge.subscribe(topic, (data) => listener(data as TopicData[T]));
    },
    onConnection(listener) {
      return bridge.onStatus((status) => listener(status.state === 'running'));
    },
    // The shell restarts a core process that died: the screen says "restarting, retrying in N s", not "not reachable".
    onCoreStatus(listener) {
      return bridge.onStatus((status) => listener({ state: status.state, retryInMs: status.retryInMs }));
    },
  };
}
