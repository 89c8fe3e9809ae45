/**
 * `npm start` brings up a working floor: the sync server on PGlite, five enrolled stations that sync, and the
 * finishing station's simulated metal detector verified at start-up. Driven through the stations' own APIs.
 * While it runs, a second `npm start` on the same folder, and one on a busy port, stop with one line and change
 * nothing; the floor's folders and files are owner-only.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { KioskClient } from '../../renderer/transport/ws-client';
import { tempDir } from '../../electron/core/testing';
import { ARTICLE_BOMS } from '../../shared/testing/fixtures';
import { ROOT, connectStations, eventually, startDemoFloor } from './demo-floor';

const t = tempDir('qsf-floor-');
const cleanups: (() => unknown)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  t.cleanup();
});

function startFloor(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/floor.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', QSF_FLOOR_PASS_MS: '500', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  /** Its exit code, or 'started' if it came up (and is left running for the cleanup to kill). */
  const outcome = new Promise<number | null | 'started'>((r) => {
    void exited.then(r);
    const timer = setInterval(() => stdout.some((l) => l.includes('is running')) && r('started'), 100);
    void exited.finally(() => clearInterval(timer));
    cleanups.push(() => clearInterval(timer));
  });
  return { child, stdout, stderr, exited, outcome };
}

/** A process's parent pid (Linux: /proc/<pid>/stat, the field after the state). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The floor folder's own files (not the busy PGlite and station folders): inode, size, mtime, mode. */
function topLevel(dir: string): string[] {
  return [
    `. ${statSync(dir).mtimeMs}`,
    ...readdirSync(dir).map((n) => {
      const st = statSync(join(dir, n));
      return st.isDirectory() ? `${n}/ ${st.ino}` : `${n} ${st.ino} ${st.size} ${st.mtimeMs} ${st.mode.toString(8)}`;
    }),
  ].sort();
}

/**
 * Every mode under `dir` that is not owner-only (directories 0700, files 0600). Inside PGlite's folder only the
 * folder itself is checked: PGlite makes the files it adds while running 0666 (its folder, 0700, keeps others out).
 */
function notPrivate(dir: string): string[] {
  const bad: string[] = [];
  const walk = (d: string) => {
    if ((statSync(d).mode & 0o777) !== 0o700) bad.push(`${d} ${(statSync(d).mode & 0o777).toString(8)}`);
    if (d.endsWith('/pglite')) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && (statSync(p).mode & 0o777) !== 0o600) bad.push(`${p} ${(statSync(p).mode & 0o777).toString(8)}`);
    }
  };
  walk(dir);
  return bad;
}

describe('npm start', () => {
  it('runs a floor whose stations sync through the server and whose detector is verified', async () => {
    const floor = await startDemoFloor({ QSF_FLOOR_DIR: t.dir, QSF_FLOOR_PASS_MS: '500' }, cleanups);
    const { child, server, credentials } = floor;
    const urls = floor.apis;
    const screens = floor.screens;
    expect([...urls.keys()].sort()).toEqual(['ST-CUT-1', 'ST-EMB-1', 'ST-FIN-1', 'ST-PCK-1', 'ST-SEW-1']);
    expect((await fetch(`${server}/health`)).ok).toBe(true);
    // Each station serves its built screen on the printed URL.
    const page = await fetch(`${screens.get('ST-SEW-1') as string}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<div id="root">');
    expect(credentials).toContain('supervisors B:OP-CUTSV … B:OP-PCKSV, PIN 246802');

    // A second `npm start` on the same folder (issue 10: it used to run a second core on every station, both writing
    // seq 12 at cutting): one line naming this floor's process, a non-zero exit, nothing changed in the folder.
    const before = topLevel(t.dir);
    const port = new URL(server).port;
    const fresh = `${t.dir}-busy-port`;
    cleanups.push(() => rmSync(fresh, { recursive: true, force: true }));
    // Both start now (they share the start-up time); the busy port one is checked below.
    const second = startFloor({ QSF_FLOOR_DIR: t.dir });
    const busy = startFloor({ QSF_FLOOR_DIR: fresh, PORT: port });
    const secondEnded = await second.outcome;
    expect(secondEnded, 'a second floor on the same folder').not.toBe('started');
    expect(secondEnded).not.toBe(0);
    expect(second.stderr).toHaveLength(1);
    expect(second.stderr[0]).toContain(`${t.dir} is in use by npm start (floor) (pid ${child.pid as number} on host ${hostname()} since `);
    expect(topLevel(t.dir)).toEqual(before);
    // Separate processes, as on a real floor: each station's folder and PGlite's are held by a child of this floor.
    const holders = new Set<number>();
    for (const st of ['st-cut-1', 'st-emb-1', 'st-sew-1', 'st-fin-1', 'st-pck-1', 'pglite']) {
      const { pid } = JSON.parse(readFileSync(join(t.dir, st, 'writer.lock'), 'utf8')) as { pid: number };
      expect(parentOf(pid), `${st} is held by a process of this floor`).toBe(child.pid);
      holders.add(pid);
    }
    expect(holders.size, 'six processes: the server and five stations').toBe(6);

    // A start on a port in use: one line, a non-zero exit, and no folder made.
    const busyEnded = await busy.outcome;
    expect(busyEnded, 'a floor on a busy port').not.toBe('started');
    expect(busyEnded).not.toBe(0);
    expect(busy.stderr).toEqual([`port ${port} is in use: stop the other floor (or whatever listens there) or set PORT= (PORT=0 takes any free port)`]);
    expect(existsSync(fresh)).toBe(false);

    // Secrets at rest: every folder 0700 and every file 0600 (PIN hashes, keys, tokens, the admin token).
    expect(notPrivate(t.dir)).toEqual([]);

    const clients = await connectStations(floor, cleanups);
    const cut = clients.get('ST-CUT-1') as KioskClient;
    const emb = clients.get('ST-EMB-1') as KioskClient;
    const fin = clients.get('ST-FIN-1') as KioskClient;

    // The roster and orders arrive from the server, then the cutting operator logs in and hands goods over.
    const woId = await eventually(async () => (await cut.call('view.get', {})).workOrders.find((w) => w.route === 'R1')?.id, 'cutting work orders');
    await eventually(async () => cut.call('session.login', { badge: 'B:OP-CUT1', pin: '1357' }).then((s) => s, () => undefined), 'cutting login (roster pulled)');
    // Cutting records parts: the demo bear's bill needs every part for a set (12 bodies alone are no bear).
    const bom = (await cut.call('view.get', {})).workOrders.find((w) => w.id === woId)?.cutParts ?? [];
    expect(bom.map((p) => p.part)).toEqual(ARTICLE_BOMS['BEAR-30'].map((p) => p.part));
    for (const { part, qtyPerSet } of bom) {
      await cut.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: woId, lineId: 'LN-CUT-1', size: 'M', part, goodQty: 12 * qtyPerSet } } });
    }
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

    // The printed supervisor PIN is the roster's.
    const pck = clients.get('ST-PCK-1') as KioskClient;
    const supervisorPin = floor.supervisorPin;
    await eventually(async () => pck.call('session.login', { badge: 'B:OP-PCKSV', pin: supervisorPin }).then((s) => s, () => undefined), 'supervisor login with the printed PIN');

    const metrics = await (await fetch(`${server}/metrics`)).text();
    expect(Number(/qsf_events_applied_total (\d+)/.exec(metrics)?.[1] ?? 0)).toBeGreaterThan(3);

    // The server stopped alone (a separate process, as on a real floor): every station goes offline and keeps
    // recording, its backlog grows; the floor starts the server again on the same port and the backlog returns to 0.
    let sync: { state: string; backlog: number } | null = null;
    const offSync = cut.subscribe('sync', (st) => (sync = st));
    cleanups.push(offSync);
    const serverPid = (JSON.parse(readFileSync(join(t.dir, 'pglite', 'writer.lock'), 'utf8')) as { pid: number }).pid;
    process.kill(serverPid, 'SIGKILL');
    await eventually(() => ((sync as { state: string } | null)?.state === 'offline' ? true : undefined), 'cutting offline with the server gone');
    const part = bom[0]?.part ?? 'body';
    await cut.call('action.record', { action: { type: 'cutting.output', payload: { workOrderId: woId, lineId: 'LN-CUT-1', size: 'M', part, goodQty: 1 } } });
    expect((await cut.call('view.get', {})).pendingEvents).toBeGreaterThan(0);
    await eventually(async () => ((await fetch(`${server}/health`).then((r) => r.ok, () => false)) ? true : undefined), 'the server started again on its port', 30_000);
    await eventually(async () => ((await cut.call('view.get', {})).pendingEvents === 0 ? true : undefined), 'the backlog sent after the restart', 30_000);
    expect(parentOf((JSON.parse(readFileSync(join(t.dir, 'pglite', 'writer.lock'), 'utf8')) as { pid: number }).pid)).toBe(child.pid);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(0);
    // A clean stop releases every folder it held.
    for (const held of ['.', 'st-cut-1', 'st-emb-1', 'st-sew-1', 'st-fin-1', 'st-pck-1', 'pglite']) {
      expect(existsSync(join(t.dir, held, 'writer.lock')), held).toBe(false);
    }
  }, 180_000);
});
