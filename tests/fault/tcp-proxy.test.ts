import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTcpProxy, type TcpProxy } from './tcp-proxy';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function setup(): Promise<TcpProxy> {
  const http = createServer((_req, res) => res.end('pong'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const proxy = await createTcpProxy((http.address() as AddressInfo).port);
  closers.push(() => proxy.close(), () => new Promise((r) => http.close(() => r())));
  return proxy;
}

const get = (url: string, ms = 500) => fetch(url, { signal: AbortSignal.timeout(ms) }).then((r) => r.text());

describe('tcp proxy (fault injection)', () => {
  it('passes, delays, black-holes and cuts traffic', async () => {
    const proxy = await setup();
    expect(await get(proxy.url)).toBe('pong');
    proxy.setMode({ kind: 'delay', ms: 150 });
    const t0 = Date.now();
    expect(await get(proxy.url, 2000)).toBe('pong');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    proxy.setMode({ kind: 'blackhole' });
    await expect(get(proxy.url, 300)).rejects.toThrow();
    proxy.setMode({ kind: 'cut' });
    await expect(get(proxy.url, 1000)).rejects.toThrow();
    expect(proxy.resets).toBeGreaterThan(0);
    proxy.setMode({ kind: 'pass' });
    expect(await get(proxy.url)).toBe('pong');
  });
});
