/**
 * Keeps the station core running in its utility process: starts it, waits for it to say it is ready, and when it
 * dies restarts it after a growing pause (a core that crashes at once must not spin the PC). Nothing is lost by a
 * restart: every acknowledged command is already on disk (SQLite, synchronous=FULL), and the screen's calls made
 * while it is down fail at once with a clear message instead of waiting.
 */
import type { CoreStatus } from '../../renderer/transport/ipc-wire';
import { FromCore, type ToCore } from './core-wire';
import type { CoreProcessPort } from './ports';

export interface Backoff {
  /** Pause before the first restart; doubled for each restart after it. */
  initialMs: number;
  maxMs: number;
  /** A core that ran this long after ready counts as steady: its next crash starts the pauses over. */
  steadyMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000, steadyMs: 60_000 };

/** Pause before restart number `attempt` (1, 2, …): 500 ms, 1 s, 2 s, … up to maxMs. */
export function restartDelay(attempt: number, b: Pick<Backoff, 'initialMs' | 'maxMs'>): number {
  return Math.min(b.maxMs, b.initialMs * 2 ** Math.max(0, attempt - 1));
}

export interface CoreSupervisorOptions {
  fork(): CoreProcessPort;
  onStatus(status: CoreStatus): void;
  /** A parsed message for a screen. */
  onReply(screen: string, msg: Extract<FromCore, { t: 'reply' }>['msg']): void;
  backoff?: Backoff;
  /** A core not ready this long after start is killed (and so restarted). */
  readyTimeoutMs?: number;
  /** After asking the core to stop: how long before it is killed. */
  stopGraceMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export class CoreSupervisor {
  private child: CoreProcessPort | null = null;
  private current: CoreStatus = { state: 'stopped', attempt: 0, retryInMs: null, message: null };
  private attempt = 0;
  private readyAt: number | null = null;
  private lastFatal: string | null = null;
  private stopping = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private readyTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped: (() => void) | null = null;
  private readonly backoff: Backoff;
  private readonly log: NonNullable<CoreSupervisorOptions['log']>;

  constructor(private readonly o: CoreSupervisorOptions) {
    this.backoff = o.backoff ?? DEFAULT_BACKOFF;
    this.log = o.log ?? (() => undefined);
  }

  get status(): CoreStatus {
    return this.current;
  }

  start(): void {
    if (this.child || this.restartTimer) return;
    this.stopping = false;
    this.spawn();
  }

  /** Posts to the core if it is running; false (nothing sent) while it is starting or restarting. */
  send(msg: ToCore): boolean {
    if (!this.child || this.current.state !== 'running') return false;
    this.child.postMessage(msg);
    return true;
  }

  /** Asks the core to close its store and exit; kills it after the grace period. No restart after this. */
  stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child) {
      this.setStatus({ state: 'stopped', attempt: this.attempt, retryInMs: null, message: null });
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const kill = setTimeout(() => child.kill(), this.o.stopGraceMs ?? 5_000);
      this.stopped = () => {
        clearTimeout(kill);
        resolve();
      };
      child.postMessage({ t: 'stop' } satisfies ToCore);
    });
  }

  private setStatus(status: CoreStatus): void {
    this.current = status;
    this.o.onStatus(status);
  }

  private spawn(): void {
    this.restartTimer = undefined;
    this.readyAt = null;
    let child: CoreProcessPort;
    try {
      child = this.o.fork();
    } catch (err) {
      this.lastFatal = `the station core could not be started: ${String(err)}`;
      this.attempt++;
      this.scheduleRestart();
      return;
    }
    this.child = child;
    this.setStatus({ state: this.attempt === 0 ? 'starting' : 'restarting', attempt: this.attempt, retryInMs: null, message: this.lastFatal });
    this.readyTimer = setTimeout(() => {
      this.log('station core not ready in time: killing it', { pid: child.pid });
      child.kill();
    }, this.o.readyTimeoutMs ?? 60_000);
    child.onMessage((raw) => {
      if (child === this.child) this.fromCore(raw);
    });
    child.onExit((code) => {
      if (child === this.child) this.exited(code);
    });
  }

  private fromCore(raw: unknown): void {
    const parsed = FromCore.safeParse(raw);
    if (!parsed.success) {
      this.log('unreadable message from the station core', { issue: parsed.error.issues[0]?.message });
      return;
    }
    const m = parsed.data;
    if (m.t === 'reply') this.o.onReply(m.screen, m.msg);
    else if (m.t === 'fatal') this.lastFatal = m.message;
    else {
      clearTimeout(this.readyTimer);
      this.readyAt = Date.now();
      this.lastFatal = null;
      this.setStatus({ state: 'running', attempt: this.attempt, retryInMs: null, message: null });
    }
  }

  private exited(code: number): void {
    this.child = null;
    clearTimeout(this.readyTimer);
    if (this.stopping) {
      this.setStatus({ state: 'stopped', attempt: this.attempt, retryInMs: null, message: null });
      this.stopped?.();
      this.stopped = null;
      return;
    }
    const steady = this.readyAt !== null && Date.now() - this.readyAt >= this.backoff.steadyMs;
    this.attempt = steady ? 1 : this.attempt + 1;
    this.lastFatal ??= `the station core stopped (exit code ${code})`;
    this.log('station core exited: restarting', { code, attempt: this.attempt });
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = restartDelay(this.attempt, this.backoff);
    this.setStatus({ state: 'restarting', attempt: this.attempt, retryInMs: delay, message: this.lastFatal });
    this.restartTimer = setTimeout(() => this.spawn(), delay);
  }
}
