/**
 * A TCP proxy for partition tests: stations talk to the server through it, and the test makes it pass traffic,
 * delay it, black-hole it (connections hang), cut it (every connection reset, new ones refused) or duplicate it (each
 * connection passes, and once it closes everything the client sent on it is delivered to the server again on a new
 * connection, whose answers nobody reads: a network that re-delivers requests after a reconnect). Loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'blackhole' } | { kind: 'cut' } | { kind: 'duplicate' };

/** How long a replayed connection stays open for its answers (a replayed live stream never ends by itself). */
const REPLAY_MS = 3_000;

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  setTarget(port: number): void;
  /** Connections reset so far (cut), for assertions that a partition really happened. */
  readonly resets: number;
  /** Connections whose client bytes were delivered a second time (duplicate). */
  readonly replays: number;
  close(): Promise<void>;
}

export async function createTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let current: ProxyMode = { kind: 'pass' };
  let resets = 0;
  let replays = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const replaying = new Set<Socket>();
  /** Delivers `bytes` to the server again on a connection of its own; its answers are read and dropped. */
  const replay = (bytes: Buffer) => {
    replays++;
    const again = connect(target, '127.0.0.1', () => again.write(bytes));
    replaying.add(again);
    const done = () => {
      replaying.delete(again);
      again.destroy();
    };
    again.on('data', () => undefined);
    again.on('error', done);
    again.on('close', done);
    setTimeout(done, REPLAY_MS).unref();
  };

  const server: Server = createServer((client) => {
    if (current.kind === 'cut') {
      resets++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    // Duplicate mode: what the client sent on this connection, to deliver again once it closes.
    const sent: Buffer[] | null = current.kind === 'duplicate' ? [] : null;
    if (sent) client.on('data', (chunk: Buffer) => sent.push(chunk));
    const relay = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        const m = current;
        if (m.kind === 'blackhole' || m.kind === 'cut') return; // swallowed: the peer waits for nothing
        if (m.kind === 'delay') {
          from.pause();
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          }, m.ms);
        } else if (!to.destroyed) to.write(chunk);
      });
    };
    relay(client, upstream);
    relay(upstream, client);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
      if (sent?.length) replay(Buffer.concat(sent));
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get resets() {
      return resets;
    },
    get replays() {
      return replays;
    },
    mode: () => current,
    setMode(mode) {
      current = mode;
      if (mode.kind === 'cut') {
        for (const p of pairs) {
          resets++;
          p.client.resetAndDestroy();
          p.upstream.destroy();
        }
        pairs.clear();
      }
    },
    setTarget(port) {
      target = port;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const p of pairs) {
          p.client.destroy();
          p.upstream.destroy();
        }
        for (const s of replaying) s.destroy();
        server.close(() => r());
      }),
  };
}
