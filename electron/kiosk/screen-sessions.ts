/**
 * Screen sessions of the kiosk server: each station screen (a page load, or one Node client) gets a random token
 * from `POST /api/session` and presents it on every WebSocket it opens (as the subprotocol `qsf.token.<token>`).
 *
 * Why a token on top of the Host and Origin checks: it ties every socket to a screen the server handed a token to
 * through a request that passed both checks, so a socket cannot be opened by anything that cannot read that
 * answer (another site's page: no CORS grant; a rebinding page: wrong Host). And it gives the station core a stable
 * identity per screen (`screen-<random>-<n>`) that survives the screen's reconnects, which the PIN guard slows down by.
 * It is not a password: any local process that can speak HTTP to 127.0.0.1 can get one, like it can read the
 * station files; the kiosk's defence against local processes is the operating system account, not this token.
 *
 * Tokens live in memory only (a core restart makes every screen fetch a new one, which ws-client does by itself),
 * are kept hashed (a lookup never compares the secret itself), and are bounded: a session with no open socket
 * expires after `idleMs`, and at most `max` exist (issuing one more drops the longest idle one; if every session
 * has an open socket, issuing fails).
 */
import { createHash, randomBytes } from 'node:crypto';

export interface ScreenSession {
  readonly id: string;
  openSockets: number;
  lastActiveMs: number;
}

export interface ScreenSessionOptions {
  now?: () => number;
  idleMs?: number;
  max?: number;
  /** Told when a session is dropped (the core forgets that screen's PIN back-off). */
  onDrop?: (id: string) => void;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export class ScreenSessions {
  private readonly byHash = new Map<string, ScreenSession>();
  private next = 1;
  /** Ids stay distinct across kiosk servers of one core (a restarted server must not inherit a screen's trust). */
  private readonly prefix = randomBytes(4).toString('hex');
  private readonly now: () => number;
  private readonly idleMs: number;
  private readonly max: number;

  constructor(private readonly opts: ScreenSessionOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.idleMs = opts.idleMs ?? 15 * 60_000;
    this.max = opts.max ?? 256;
  }

  /** A new screen session and its token, or undefined when every session slot has an open socket. */
  issue(): { token: string; session: ScreenSession } | undefined {
    this.expire();
    if (this.byHash.size >= this.max && !this.dropLongestIdle()) return undefined;
    const token = randomBytes(32).toString('base64url');
    const session: ScreenSession = { id: `screen-${this.prefix}-${this.next++}`, openSockets: 0, lastActiveMs: this.now() };
    this.byHash.set(hashToken(token), session);
    return { token, session };
  }

  /** The session a token belongs to (undefined: unknown or expired). */
  find(token: string): ScreenSession | undefined {
    this.expire();
    return this.byHash.get(hashToken(token));
  }

  opened(session: ScreenSession): void {
    session.openSockets++;
    session.lastActiveMs = this.now();
  }

  closed(session: ScreenSession): void {
    session.openSockets = Math.max(0, session.openSockets - 1);
    session.lastActiveMs = this.now();
  }

  get size(): number {
    return this.byHash.size;
  }

  private expire(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [h, s] of this.byHash) {
      if (s.openSockets === 0 && s.lastActiveMs < cutoff) this.drop(h, s);
    }
  }

  private dropLongestIdle(): boolean {
    let oldest: [string, ScreenSession] | undefined;
    for (const entry of this.byHash) {
      if (entry[1].openSockets === 0 && (!oldest || entry[1].lastActiveMs < oldest[1].lastActiveMs)) oldest = entry;
    }
    if (!oldest) return false;
    this.drop(oldest[0], oldest[1]);
    return true;
  }

  private drop(hash: string, s: ScreenSession): void {
    this.byHash.delete(hash);
    this.opts.onDrop?.(s.id);
  }
}
