/**
 * One screen's conversation with the station core, whatever carries it: the kiosk WebSocket (server.ts) or the
 * Electron shell's IPC (electron/main/core-process.ts). Every message is parsed here with the shared `ClientMessage`
 * schema, so both transports refuse the same bad input with the same answer, and a flood of commands queues no more
 * than `maxInFlight` in the core.
 */
import { ClientMessage, COMMANDS, type CommandError, type CommandName, type ServerMessage, type Topic } from '../../shared/api';
import { describeIssues } from '../../shared/events';
import { CommandFailure, type StationCore } from '../core/station-core';

export interface ScreenConversationOptions {
  /** Names the screen to the core (it slows PIN guessing per screen as well as per operator). */
  connection: string;
  send(msg: ServerMessage): void;
  maxInFlight: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface ScreenConversation {
  /** A message as text (a WebSocket text frame). */
  receiveText(text: string): void;
  /** A message already decoded (structured-cloned over IPC): parsed all the same. */
  receive(json: unknown): void;
  /** The screen is gone: its subscriptions end. */
  close(): void;
}

export function openScreenConversation(core: Pick<StationCore, 'call' | 'subscribe'>, o: ScreenConversationOptions): ScreenConversation {
  const log = o.log ?? (() => undefined);
  const subs = new Map<Topic, () => void>();
  let inFlight = 0;
  let closed = false;
  const send = (msg: ServerMessage) => {
    if (!closed) o.send(msg);
  };

  const receive = (json: unknown): void => {
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown } | null)?.id === 'number' ? (json as { id: number }).id : -1;
      send({ t: 'result', id, ok: false, error: { code: 'bad_request', message: describeIssues(parsed.error) } });
      return;
    }
    const m = parsed.data;
    if (m.t === 'sub') {
      if (!subs.has(m.topic)) subs.set(m.topic, core.subscribe(m.topic, (data) => send({ t: 'topic', topic: m.topic, data })));
      return;
    }
    if (m.t === 'unsub') {
      subs.get(m.topic)?.();
      subs.delete(m.topic);
      return;
    }
    if (!(m.name in COMMANDS)) {
      send({ t: 'result', id: m.id, ok: false, error: { code: 'not_found', message: `unknown command ${m.name}` } });
      return;
    }
    if (inFlight >= o.maxInFlight) {
      send({ t: 'result', id: m.id, ok: false, error: { code: 'internal', message: 'too many commands waiting on this screen: nothing was recorded, try again' } });
      return;
    }
    inFlight++;
    core
      .call(m.name as CommandName, m.params, { connection: o.connection })
      .then(
        (result) => send({ t: 'result', id: m.id, ok: true, result }),
        (err: unknown) => {
          let error: CommandError;
          if (err instanceof CommandFailure) error = err.error;
          else {
            log('command failed', { name: m.name, err: String(err) });
            error = { code: 'internal', message: 'the station could not complete this; nothing was recorded' };
          }
          send({ t: 'result', id: m.id, ok: false, error });
        },
      )
      .catch((err: unknown) => log('screen reply failed', { err: String(err) }))
      .finally(() => inFlight--);
  };

  return {
    receive,
    receiveText(text) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        send({ t: 'result', id: -1, ok: false, error: { code: 'bad_request', message: 'message is not JSON' } });
        return;
      }
      receive(json);
    },
    close() {
      closed = true;
      for (const off of subs.values()) off();
      subs.clear();
    },
  };
}
