/** Runs a station core as a real child process (the headless runner) for fault tests and benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface StationProcess {
  child: ChildProcess;
  url: string;
  stderr: string[];
  exited: Promise<number | null>;
}

export async function startStationProcess(env: Record<string, string>, timeoutMs = 30_000): Promise<StationProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/kiosk/run.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(String(d)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`station did not start in ${timeoutMs} ms: ${stderr.join('')}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        clearTimeout(timer);
        resolve((JSON.parse(line.slice(6)) as { url: string }).url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`station exited (${code}) before READY: ${stderr.join('')}`));
    });
  });
  return { child, url, stderr, exited };
}
