/**
 * PIN guard: bounds how fast anyone can guess an operator's or supervisor's PIN at this station, without handing
 * anyone a way to lock a supervisor out of releasing a halted line.
 *
 * What an attacker can do: type PINs at the station screen; open as many more kiosk connections as they like (each
 * screen session is one `POST /api/session` away for anything on the PC); restart the core. So a limit per
 * connection alone bounds nothing (a new connection per guess), and a limit per operator alone is a lock-out weapon
 * (spend the supervisor's budget from anywhere, and the real supervisor is refused too; the old 5-tries lock-out).
 *
 * Design:
 * - Every PIN check first asks for admission; a refused attempt is answered without looking at the PIN, so it
 *   teaches nothing. Admission is decided inside the core's command queue, so parallel attempts cannot all slip
 *   through together.
 * - **Per operator, persisted**: wrong PINs are counted per operator in *pools*, kept in `<dataDir>/pin-guard.json`
 *   (0600, written atomically before the wrong-PIN answer goes out, so a restart or a kill clears nothing). A pool is
 *   full at `perMinute` wrong PINs in any 60 s or `perHour` in any hour; a full pool admits no attempt until its
 *   oldest failure leaves the window. A correct PIN does not empty a pool (else a legitimate login would hand the
 *   attacker a fresh budget).
 * - **Which pool**: a connection on which nobody has yet entered a correct PIN draws on the operator's *open* pool
 *   (10/min, 60/h). Once someone's correct PIN (a login, a release) has been entered on a connection, that connection
 *   is *vouched for by* that operator and draws on the pool "operator X, vouched by Y" (5/min, 30/h) instead. An
 *   attacker who knows no PIN can only ever spend open pools: the station screen, where the line's operator logged
 *   in, keeps its own budget for the supervisor's badge, however hard another connection hammers it.
 * - **Per connection, in memory**: a connection's consecutive wrong PINs slow it down (3 free, then 1 s, doubling,
 *   at most 30 s until its next attempt), so a screen where someone mistypes repeatedly slows down without touching
 *   anyone else's budget. A correct PIN resets it.
 *
 * The bound: wrong PINs checked for one operator ≤ 10 a minute and ≤ 60 an hour from all connections that no correct
 * PIN has vouched for, plus ≤ 5 a minute and 30 an hour per operator whose correct PIN the guesser has (each such
 * vouching is a recorded login or release under that operator's name). An outsider therefore gets ≤ 1,440 guesses a
 * day at one badge: half of a 6-digit supervisor PIN space takes about a year, of a 4-digit operator PIN ~3.5 days.
 * What it does not stop: someone who spends an operator's open pool blocks *new, unvouched* connections for that
 * badge (≤ 1 min after a burst, while the attack continues): after a core restart the screen must be vouched again
 * by any operator's login before the supervisor's badge draws on its own pool.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../sync/enroll';

export const PIN_GUARD_FILE = 'pin-guard.json';

export interface PoolLimit {
  perMinute: number;
  perHour: number;
}

export interface PinGuardOptions {
  now: () => number;
  /** Connections no correct PIN has vouched for, all together, per operator. */
  open?: PoolLimit;
  /** Per operator, per vouching operator. */
  vouched?: PoolLimit;
  /** Consecutive wrong PINs a connection may make before it waits. */
  freePerConnection?: number;
  connectionBaseDelayMs?: number;
  connectionMaxDelayMs?: number;
  /** Connections remembered at once (the oldest is forgotten first; forgetting one only resets its back-off). */
  maxConnections?: number;
}

export const DEFAULT_OPEN_LIMIT: Readonly<PoolLimit> = Object.freeze({ perMinute: 10, perHour: 60 });
export const DEFAULT_VOUCHED_LIMIT: Readonly<PoolLimit> = Object.freeze({ perMinute: 5, perHour: 30 });
const MINUTE = 60_000;
const HOUR = 3_600_000;

export type Admission = { ok: true; pool: string } | { ok: false; waitMs: number; message: string };

const GuardFile = z.object({
  v: z.literal(1),
  pools: z.record(z.string().max(200), z.array(z.number().finite()).max(1000)),
});

interface ConnectionState {
  failures: number;
  nextAt: number;
  vouchedBy: string | undefined;
}

export class PinGuard {
  private readonly pools = new Map<string, number[]>();
  private readonly connections = new Map<string, ConnectionState>();
  private readonly open: PoolLimit;
  private readonly vouched: PoolLimit;

  private constructor(
    private readonly file: string,
    private readonly opts: PinGuardOptions,
  ) {
    this.open = opts.open ?? DEFAULT_OPEN_LIMIT;
    this.vouched = opts.vouched ?? DEFAULT_VOUCHED_LIMIT;
  }

  /**
   * Reads the persisted pools from the data directory. An unreadable file starts empty (it can only be damaged by
   * whoever can already write the station's files, who needs no PIN guessing).
   */
  static load(dataDir: string, opts: PinGuardOptions): PinGuard {
    const guard = new PinGuard(join(dataDir, PIN_GUARD_FILE), opts);
    if (existsSync(guard.file)) {
      try {
        const parsed = GuardFile.safeParse(JSON.parse(readFileSync(guard.file, 'utf8')));
        if (parsed.success) for (const [pool, times] of Object.entries(parsed.data.pools)) guard.pools.set(pool, [...times]);
      } catch {
        // see above: start empty
      }
    }
    return guard;
  }

  /** May `connection` have a PIN checked for `operatorId` now? Never looks at the PIN. */
  admit(operatorId: string, connection: string): Admission {
    const now = this.opts.now();
    const c = this.connections.get(connection);
    if (c && c.nextAt > now) {
      const waitMs = c.nextAt - now;
      return { ok: false, waitMs, message: `too many wrong PINs on this screen: wait ${seconds(waitMs)} s` };
    }
    const vouchedBy = c?.vouchedBy;
    const pool = vouchedBy ? `${operatorId}|by:${vouchedBy}` : `${operatorId}|open`;
    const limit = vouchedBy ? this.vouched : this.open;
    const times = this.recent(pool, now);
    const waitMs = Math.max(waitFor(times, now, MINUTE, limit.perMinute), waitFor(times, now, HOUR, limit.perHour));
    if (waitMs > 0) return { ok: false, waitMs, message: `too many wrong PINs for this badge: try again in ${seconds(waitMs)} s` };
    return { ok: true, pool };
  }

  /** A wrong PIN was entered: counted and on disk before the caller answers. */
  failed(pool: string, connection: string): void {
    const now = this.opts.now();
    const times = this.recent(pool, now);
    times.push(now);
    this.pools.set(pool, times);
    this.persist(now);
    const c = this.connection(connection);
    c.failures++;
    const free = this.opts.freePerConnection ?? 3;
    if (c.failures > free) {
      const base = this.opts.connectionBaseDelayMs ?? 1_000;
      c.nextAt = now + Math.min(base * 2 ** (c.failures - free - 1), this.opts.connectionMaxDelayMs ?? 30_000);
    }
  }

  /** A correct PIN of `operatorId` was entered on `connection`: it is vouched for from now on, and its back-off ends. */
  succeeded(operatorId: string, connection: string): void {
    const c = this.connection(connection);
    c.failures = 0;
    c.nextAt = 0;
    c.vouchedBy ??= operatorId;
  }

  forget(connection: string): void {
    this.connections.delete(connection);
  }

  private connection(id: string): ConnectionState {
    let c = this.connections.get(id);
    if (!c) {
      const max = this.opts.maxConnections ?? 10_000;
      if (this.connections.size >= max) this.connections.delete(this.connections.keys().next().value as string);
      c = { failures: 0, nextAt: 0, vouchedBy: undefined };
      this.connections.set(id, c);
    }
    return c;
  }

  /**
   * A pool's failures within the last hour. A time ahead of the clock (the clock was set back) is moved to now, once,
   * so it still counts for one more window instead of blocking for as long as the clock jumped.
   */
  private recent(pool: string, now: number): number[] {
    const times = (this.pools.get(pool) ?? []).map((t) => Math.min(t, now)).filter((t) => t > now - HOUR);
    if (times.length) this.pools.set(pool, times);
    else this.pools.delete(pool);
    return times;
  }

  private persist(now: number): void {
    const pools: Record<string, number[]> = {};
    for (const [pool, times] of this.pools) {
      const kept = times.filter((t) => t > now - HOUR);
      if (kept.length) pools[pool] = kept;
      else this.pools.delete(pool);
    }
    writeFileAtomic(this.file, JSON.stringify({ v: 1, pools }));
  }
}

/** How long until fewer than `max` of `times` fall in the `windowMs` before now (0: already). */
function waitFor(times: readonly number[], now: number, windowMs: number, max: number): number {
  const inWindow = times.filter((t) => t > now - windowMs).sort((a, b) => a - b);
  if (inWindow.length < max) return 0;
  // The attempt is admitted once all but max-1 of them have left the window.
  const leaving = inWindow[inWindow.length - max] as number;
  return leaving + windowMs - now;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
