/**
 * A TCP proxy for partition tests: stations talk to the server through it, and the test makes it pass traffic,
 * delay it, black-hole it (connections hang) or cut it (every connection reset, new ones refused). Loopback only.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export type ProxyMode = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'blackhole' } | { kind: 'cut' };

export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  mode(): ProxyMode;
  setMode(mode: ProxyMode): void;
  setTarget(port: number): void;
  /** Connections reset so far (cut), for assertions that a partition really happened. */
  readonly resets: number;
  close(): Promise<void>;
}

export async function createTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let current: ProxyMode = { kind: 'pass' };
  let resets = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const server: Server = createServer((client) => {
    if (current.kind === 'cut') {
      resets++;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
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
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
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
        server.close(() => r());
      }),
  };
}
