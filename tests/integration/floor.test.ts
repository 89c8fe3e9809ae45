/**
 * `npm start` brings up a working floor: the sync server on PGlite, five enrolled stations that sync, and the
 * finishing station's simulated metal detector verified at start-up. Driven through the stations' own APIs.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectKiosk, whenConnected, type KioskClient, type WsConstructor } from '../../renderer/transport/ws-client';
import { tempDir } from '../../electron/core/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const t = tempDir('qsf-floor-');
const cleanups: (() => unknown)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  t.cleanup();
});

async function eventually<T>(get: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start', () => {
  it('runs a floor whose stations sync through the server and whose detector is verified', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/floor.ts'], {
      cwd: ROOT,
      env: { ...process.env, QSF_FLOOR_DIR: t.dir, PORT: '0', QSF_FLOOR_PASS_MS: '500', LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const stderr: string[] = [];
    child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
    const urls = new Map<string, string>();
    let server = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`floor did not start: ${stderr.join('')}`)), 60_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const st = /^\s+(ST-[A-Z]+-\d)\s+station API (ws:\S+)/.exec(line);
        if (st) urls.set(st[1] as string, st[2] as string);
        const sv = /sync server\s+(http:\S+)/.exec(line);
        if (sv) server = sv[1] as string;
        if (line.includes('operators')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`floor exited ${code}: ${stderr.join('')}`)));
    });
    expect([...urls.keys()].sort()).toEqual(['ST-CUT-1', 'ST-EMB-1', 'ST-FIN-1', 'ST-PCK-1', 'ST-SEW-1']);
    expect((await fetch(`${server}/health`)).ok).toBe(true);

    const clients = new Map<string, KioskClient>();
    for (const [id, url] of urls) {
      const c = connectKiosk(url, WebSocket as unknown as WsConstructor);
      cleanups.push(() => c.close());
      await whenConnected(c);
      clients.set(id, c);
    }
    const cut = clients.get('ST-CUT-1') as KioskClient;
    const emb = clients.get('ST-EMB-1') as KioskClient;
    const fin = clients.get('ST-FIN-1') as KioskClient;

    // The roster and orders arrive from the server, then the cutting operator logs in and hands goods over.
    const woId = await eventually(async () => (await cut.call('view.get', {})).workOrders.find((w) => w.route === 'R1')?.id, 'cutting work orders');
    await eventually(async () => cut.call('session.login', { badge: 'B:OP-CUT1', pin: '1357' }).then((s) => s, () => undefined), 'cutting login (roster pulled)');
    await cut.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: woId, lineId: 'LN-CUT-1', size: 'M', part: 'body', goodQty: 12 } } });
    const { transferId } = await cut.call('transfer.create', { workOrderId: woId, quantity: 12 });

    await eventually(async () => cut.call('view.get', {}).then(() => emb.call('session.login', { badge: 'B:OP-EMB1', pin: '1357' })).then((s) => s, () => undefined), 'embroidery login');
    await eventually(async () => ((await emb.call('view.get', {})).incoming.some((x) => x.id === transferId) ? true : undefined), 'the transfer at embroidery');
    await emb.call('transfer.accept', { transferId, countedQty: 12 });
    await eventually(async () => ((await cut.call('view.get', {})).outgoing.find((x) => x.id === transferId)?.status === 'accepted' ? true : undefined), 'acceptance back at cutting');

    // Finishing's simulated detector: connected, and verified by its start-up run with the certified pieces.
    await eventually(async () => {
      let health: { deviceId: string; connected: boolean }[] = [];
      const off = fin.subscribe('hardware', (h) => (health = h));
      await new Promise((r) => setTimeout(r, 50));
      off();
      return health.some((h) => h.deviceId === 'MD01' && h.connected) ? true : undefined;
    }, 'the detector connected');
    await eventually(async () => ((await fin.call('view.get', {})).line?.verification.status === 'ok' ? true : undefined), 'start-up verification');

    const metrics = await (await fetch(`${server}/metrics`)).text();
    expect(Number(/qsf_events_applied_total (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(3);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(0);
  }, 120_000);
});
