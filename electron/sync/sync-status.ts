/**
 * The sync client's status model: what the client saw happen (requests answered or failing, the live stream up or
 * down, a replication active, a problem, a fatal stop) goes in; the `SyncStatus` the screen shows comes out.
 *
 *   disabled    stopped (by stop(), a revocation, or a fatal enrollment error: `lastError` says which)
 *   offline     a request could not reach the server (network, 5xx), or the stream is down after it was up once
 *   connecting  the stream never came up yet (and has not failed)
 *   syncing     a replication is active or the backlog is not 0
 *   online      otherwise
 * `lastError`: the first of fatal, push, pull, other problem, stream. `backlog` is read from the core on every call.
 * `since`: when the station entered its state, so a screen opened later still tells when it went offline.
 */
import type { SyncState, SyncStatus } from '../../shared/api';

export type SyncDirection = 'push' | 'pull';

interface RequestError {
  message: string;
  /** The server could not be reached or failed (5xx): counts as offline. */
  network: boolean;
}

export class SyncStatusModel {
  private stopped = false;
  private fatal: string | null = null;
  private streamUp = false;
  private everConnected = false;
  private streamError: string | null = null;
  private other: string | null = null;
  private readonly active: Record<SyncDirection, boolean> = { push: false, pull: false };
  private readonly errors: Record<SyncDirection, RequestError | null> = { push: null, pull: null };
  private readonly lastAt: Record<SyncDirection, string | null> = { push: null, pull: null };
  /** The state last reported, and since when (the first status that showed it). */
  private shown: { state: SyncState; since: string } | null = null;
  /** The last status handed out by `changed()`, as JSON. */
  private published = '';

  constructor(
    private readonly backlog: () => number,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  get isStreamUp(): boolean {
    return this.streamUp;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Sync cannot go on (revoked, enrollment refused): shown before anything else. */
  failFatally(message: string): void {
    this.fatal = message;
  }

  streamOpened(): void {
    this.streamUp = true;
    this.everConnected = true;
    this.streamError = null;
  }

  streamDown(message: string): void {
    this.streamUp = false;
    this.streamError = message;
  }

  setActive(which: SyncDirection, active: boolean): void {
    this.active[which] = active;
  }

  /** The server answered a push or a pull: its error is over. */
  answered(which: SyncDirection): void {
    this.lastAt[which] = this.clock().toISOString();
    this.errors[which] = null;
  }

  requestFailed(which: SyncDirection, message: string, network: boolean): void {
    this.errors[which] = { message, network };
  }

  clearRequestError(which: SyncDirection): void {
    this.errors[which] = null;
  }

  /** A problem that is neither a request's nor the stream's (RxDB's own errors, the server's data going back, …). */
  setProblem(message: string | null): void {
    this.other = message;
  }

  status(): SyncStatus {
    const backlog = this.backlog();
    const networkDown = (this.errors.push?.network ?? false) || (this.errors.pull?.network ?? false);
    let state: SyncState;
    if (this.stopped) state = 'disabled';
    else if (networkDown || (!this.streamUp && this.everConnected)) state = 'offline';
    else if (!this.streamUp) state = this.streamError ? 'offline' : 'connecting';
    else if (this.active.push || this.active.pull || backlog > 0) state = 'syncing';
    else state = 'online';
    const lastError = this.fatal ?? this.errors.push?.message ?? this.errors.pull?.message ?? this.other ?? this.streamError;
    if (this.shown?.state !== state) this.shown = { state, since: this.clock().toISOString() };
    return { state, since: this.shown.since, backlog, lastPushAt: this.lastAt.push, lastPullAt: this.lastAt.pull, lastError };
  }

  /** The status if it differs from the one this returned last, else null: what to publish. */
  changed(): SyncStatus | null {
    const s = this.status();
    const key = JSON.stringify(s);
    if (key === this.published) return null;
    this.published = key;
    return s;
  }

  /** The next `changed()` returns the status even if it is the same as the last. */
  republish(): void {
    this.published = '';
  }
}
