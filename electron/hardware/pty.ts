import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

/**
 * A pseudo-terminal pair from `socat`: bytes written to one end come out of the other, through the kernel's tty
 * layer, so the real serialport binding can be exercised without hardware. Killing socat is an unplug: the open end
 * reads EIO, as with a USB adapter pulled out. `link` names give each end a stable symlink that a new socat can take
 * over, as a `/dev/serial/by-id/...` link does for a replugged adapter.
 */

export interface PtyPair {
  /** The `/dev/pts/N` device of each end. */
  a: string;
  b: string;
  /** The symlinks, when asked for (open these to survive an unplug/replug). */
  linkA: string | null;
  linkB: string | null;
  readonly pid: number;
  /** Unplug: kill socat (SIGTERM lets it remove its links; SIGKILL leaves them dangling). Resolves on exit. */
  close(signal?: NodeJS.Signals): Promise<void>;
}

export interface PtyPairOptions {
  linkA?: string;
  linkB?: string;
  /** How long to wait for socat to report both ends. */
  timeoutMs?: number;
}

let available: boolean | null = null;

/** Whether `socat` can be run here (pty tests skip with a message when it cannot). */
export function socatAvailable(): boolean {
  if (available === null) {
    const r = spawnSync('socat', ['-V'], { stdio: 'ignore' });
    available = r.error === undefined && r.status === 0;
  }
  return available;
}

function endSpec(link: string | undefined): string {
  // raw + echo=0: no line discipline, so bytes pass untouched (CR is not turned into LF, ^C is not a signal).
  return link ? `pty,raw,echo=0,link=${link}` : 'pty,raw,echo=0';
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    // -d -d makes socat print "PTY is /dev/pts/N" for each end, then "starting data transfer loop" once ready.
    const child = spawn('socat', ['-d', '-d', endSpec(options.linkA), endSpec(options.linkB)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const ptys: string[] = [];
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}; socat said: ${stderr.slice(-500)}`));
    };
    const timer = setTimeout(() => fail('socat did not report its ptys in time'), timeoutMs);
    child.once('error', (err) => fail(`cannot run socat: ${err.message}`));
    child.once('exit', (code) => fail(`socat exited early (code ${code})`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-4000);
      if (settled) return;
      for (const m of text.matchAll(/PTY is (\/dev\/\S+)/g)) if (m[1]) ptys.push(m[1]);
      if (ptys.length >= 2 && /starting data transfer loop/.test(stderr)) {
        settled = true;
        clearTimeout(timer);
        const [a, b] = ptys as [string, string];
        resolve({
          a,
          b,
          linkA: options.linkA ?? null,
          linkB: options.linkB ?? null,
          pid: child.pid ?? -1,
          close: async (signal: NodeJS.Signals = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await waitExit(child);
          },
        });
      }
    });
  });
}
