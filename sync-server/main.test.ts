/**
 * The server process itself (sync-server/main.ts in a real Node process): a start that cannot work prints one line
 * and exits non-zero without leaving anything behind; a start that works wires the settings through (metrics token).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'qsf-main-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** `tsx sync-server/main.ts` as its own process (node --import tsx: one pid to stop, no npx wrapper in between). */
function startServer(env: Record<string, string>): Run {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'PGLITE_DIR', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'PORT', 'HOST'].includes(k)),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    cwd: ROOT,
    env: { ...clean, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => stdout.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout, stderr, exited };
}

function occupy(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen({ port: 0, host: '127.0.0.1' }, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no result in ${ms} ms`)), ms))]);

describe('sync-server/main.ts as a process', () => {
  it('a busy port: one clear line on stderr, exit 1, no stack, no PGlite folder made', async () => {
    const { server, port } = await occupy();
    try {
      const pgDir = join(dir, 'busy-port-pglite');
      const run = startServer({ PORT: String(port), HOST: '127.0.0.1', PGLITE_DIR: pgDir });
      const code = await withTimeout(run.exited, 60_000, 'server on a busy port');
      const said = [...run.stdout, ...run.stderr].join('\n');
      expect(code, said).toBe(1);
      expect(run.stderr.filter((l) => l.trim() !== ''), said).toEqual([
        `sync-server: port ${port} on 127.0.0.1 is already in use (another sync server?): stop it, or set PORT to a free port`,
      ]);
      expect(said).not.toMatch(/^\s+at /m);
      expect(run.stdout, said).toEqual([]);
      expect(existsSync(pgDir)).toBe(false);
    } finally {
      server.close();
    }
  }, 90_000);

  it('a bad setting: one line naming it, exit 1, nothing made', async () => {
    const pgDir = join(dir, 'bad-setting-pglite');
    const run = startServer({ PORT: '0', PGLITE_DIR: pgDir, METRICS_TOKEN: 'short' });
    const code = await withTimeout(run.exited, 60_000, 'server with a bad setting');
    expect(code).toBe(1);
    expect(run.stderr).toEqual(['sync-server: METRICS_TOKEN: METRICS_TOKEN must be at least 16 characters']);
    expect(existsSync(pgDir)).toBe(false);
  }, 90_000);

  it('starts with METRICS_TOKEN and stream limits, serves health and metrics as configured, stops on SIGTERM', async () => {
    const token = 'metrics-token-0123456789';
    const admin = 'admin-token-0123456789';
    const run = startServer({ PORT: '0', PGLITE_DIR: join(dir, 'ok-pglite'), METRICS_TOKEN: token, ADMIN_TOKEN: admin, STREAM_MAX_TOTAL: '5' });
    const listening = await withTimeout(
      (async () => {
        for (;;) {
          const line = run.stdout.find((l) => l.includes('Server listening at http://127.0.0.1:'));
          if (line) return line;
          if (run.child.exitCode !== null) throw new Error(`exited: ${[...run.stdout, ...run.stderr].join('\n')}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      60_000,
      'server start',
    );
    const base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(listening)![1]!;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const detailed = await fetch(`${base}/health`, { headers: { authorization: `Bearer ${admin}` } });
    expect(await detailed.json()).toMatchObject({ ok: true, db: { kind: 'pglite' }, streams: { open: 0, max: 5 } });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE qsf_open_streams gauge');
    run.child.kill('SIGTERM');
    expect(await withTimeout(run.exited, 30_000, 'SIGTERM')).toBe(0);
  }, 120_000);
});
