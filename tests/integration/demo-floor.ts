/**
 * The demo floor (`scripts/floor.ts`, what `npm start` runs) as a child process for integration tests: started on
 * its own folder and a free port, its printed station URLs and logins read back, and kiosk clients connected to every
 * station. Also `eventually`, the polling every floor test waits with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connectKiosk, whenConnected, type KioskClient, type WsConstructor } from '../../renderer/transport/ws-client';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Polls `get` every 100 ms until it gives something other than undefined. */
export async function eventually<T>(get: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface DemoFloor {
  child: ChildProcess;
  server: string;
  /** Station id → its kiosk API (ws:) and screen (http:) URLs, as printed. */
  apis: Map<string, string>;
  screens: Map<string, string>;
  operatorPin: string;
  supervisorPin: string;
  /** The printed operators line. */
  credentials: string;
  stderr: string[];
}

/** Starts the demo floor and resolves once it printed its stations and logins. */
export function startDemoFloor(env: Record<string, string>, cleanups: (() => unknown)[], timeoutMs = 60_000): Promise<DemoFloor> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/floor.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
  const stderr: string[] = [];
  child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
  const apis = new Map<string, string>();
  const screens = new Map<string, string>();
  let server = '';
  return new Promise<DemoFloor>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`floor did not start: ${stderr.join('')}`)), timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const st = /^\s+(ST-[A-Z]+-\d)\s+screen (http:\S+?)\/?\s+\(station API (ws:\S+)\)/.exec(line);
      if (st) {
        screens.set(st[1] as string, st[2] as string);
        apis.set(st[1] as string, st[3] as string);
      }
      const sv = /sync server\s+(http:\S+)/.exec(line);
      if (sv) server = sv[1] as string;
      if (line.includes('operators')) {
        clearTimeout(timer);
        const operatorPin = /operators .*?PIN (\d+)/.exec(line)?.[1] ?? '';
        const supervisorPin = /supervisors .*PIN (\d+)/.exec(line)?.[1] ?? '';
        resolve({ child, server, apis, screens, operatorPin, supervisorPin, credentials: line, stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`floor exited ${code}: ${stderr.join('')}`));
    });
  });
}

/** A connected kiosk client per station of the floor. */
export async function connectStations(floor: DemoFloor, cleanups: (() => unknown)[]): Promise<Map<string, KioskClient>> {
  const clients = new Map<string, KioskClient>();
  for (const [id, url] of floor.apis) {
    const c = connectKiosk(url, WebSocket as unknown as WsConstructor);
    cleanups.push(() => c.close());
    await whenConnected(c);
    clients.set(id, c);
  }
  return clients;
}
