/**
 * Live dashboards over SSE. One LISTEN per server instance on the channels every writer already notifies:
 * `qsf_changes` (changes.ts: every commit of documents, from any instance's push path or office routes) and
 * `qsf_dashboard` (audit.ts: a dashboard action). So a station's push to instance A reaches a dashboard open on
 * instance B the same way it reaches B's stations. A dashboard sees the whole floor, so any change is relevant; bursts
 * are coalesced (one `change` per `coalesceMs`) and the screen re-reads its views. A lost LISTEN connection (gap)
 * also says `change`: the screen re-reads, nothing is missed.
 *
 * Bounded: `maxPerSession` streams per session (one more closes that session's oldest: a reloaded tab's old stream
 * is usually dead and not yet noticed) and `maxStreams` per instance (503 + Retry-After beyond), so one session cannot
 * take every slot. A stream's session is re-checked at every heartbeat, so a logout or an expired session ends it
 * within `heartbeatMs`; an account's streams are re-checked at once when its sessions are ended (disabled, password
 * reset: `qsf_dashboard_sessions`, sessions.ts), on every instance. A stream whose session is gone says `ended` before
 * it closes, so the screen logs out instead of reconnecting.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CHANGES_CHANNEL } from '../changes';
import type { Db, Unsubscribe } from '../db/types';
import { HttpError } from '../http/route';
import { DASHBOARD_CHANNEL } from './audit';
import type { LiveMessage } from './contract';
import { SESSIONS_CHANNEL, sessionAlive, type Session } from './sessions';

export interface LiveOptions {
  heartbeatMs: number;
  coalesceMs: number;
  maxStreams: number;
  maxPerSession: number;
}

/**
 * `coalesceMs` is the views' computation interval (routes.ts VIEW_MIN_INTERVAL_MS): on a busy floor a `change` goes out
 * once per interval, so the re-reads it causes find the interval passed and their views computed at once; with a
 * shorter coalescing they waited for the interval as well (the dashboard benchmark's push → dashboard latency).
 */
export const VIEW_INTERVAL_MS = 250;
export const DEFAULT_LIVE: LiveOptions = { heartbeatMs: 20_000, coalesceMs: VIEW_INTERVAL_MS, maxStreams: 500, maxPerSession: 4 };

interface Stream {
  session: Session;
  send(msg: LiveMessage): void;
  close(): void;
}

export class DashboardLive {
  private readonly streams = new Set<Stream>();
  /** Each session's streams, oldest first. */
  private readonly perSession = new Map<string, Set<Stream>>();
  private unlisten: Unsubscribe[] = [];
  private pending: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly opts: LiveOptions = DEFAULT_LIVE,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  async start(): Promise<void> {
    const handlers = { onPayload: () => this.changed(), onGap: () => this.changed() };
    this.unlisten = [
      await this.db.listen(CHANGES_CHANNEL, handlers),
      await this.db.listen(DASHBOARD_CHANNEL, handlers),
      // A lost notice: every stream re-checked (cheap: one indexed read each, and rare).
      await this.db.listen(SESSIONS_CHANNEL, { onPayload: (accountId) => this.recheck((s) => s.session.account.id === accountId), onGap: () => this.recheck(() => true) }),
    ];
  }

  /** Ends the chosen streams whose session is no longer alive (`ended`, then closed). */
  private recheck(which: (s: Stream) => boolean): void {
    for (const s of [...this.streams].filter(which)) this.checkAlive(s);
  }

  private checkAlive(s: Stream): void {
    void sessionAlive(this.db, s.session.tokenHash).then(
      (alive) => {
        if (alive) return;
        s.send({ type: 'ended' });
        s.close();
      },
      // The database unreachable: the stream stays; the next heartbeat asks again.
      () => undefined,
    );
  }

  private changed(): void {
    if (this.pending || this.streams.size === 0) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      for (const s of this.streams) s.send({ type: 'change' });
    }, this.opts.coalesceMs);
  }

  open(request: FastifyRequest, reply: FastifyReply, session: Session): void {
    const own = this.perSession.get(session.tokenHash) ?? new Set<Stream>();
    for (const old of [...own].slice(0, Math.max(0, own.size - this.opts.maxPerSession + 1))) old.close();
    if (this.streams.size >= this.opts.maxStreams) {
      throw new HttpError(503, 'too_many_dashboards', `this server holds its maximum of ${this.opts.maxStreams} live dashboards; retry in 30 s`, undefined, { 'retry-after': '30' });
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let closed = false;
    const write = (chunk: string) => {
      if (!closed) res.write(chunk);
    };
    const stream: Stream = {
      session,
      send: (msg) => write(`data: ${JSON.stringify(msg)}\n\n`),
      close: () => {
        if (closed) return;
        closed = true;
        cleanup();
        res.end();
      },
    };
    const heartbeat = setInterval(() => {
      write(': ping\n\n');
      this.checkAlive(stream);
    }, this.opts.heartbeatMs);
    heartbeat.unref();
    const cleanup = () => {
      clearInterval(heartbeat);
      this.streams.delete(stream);
      own.delete(stream);
      if (own.size === 0 && this.perSession.get(session.tokenHash) === own) this.perSession.delete(session.tokenHash);
    };
    res.on('close', () => {
      closed = true;
      cleanup();
    });
    res.on('error', (err) => request.log.debug({ err }, 'dashboard stream write failed'));
    this.streams.add(stream);
    own.add(stream);
    this.perSession.set(session.tokenHash, own);
    write('retry: 2000\n\n');
    stream.send({ type: 'hello' });
  }

  async stop(): Promise<void> {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    for (const s of [...this.streams]) s.close();
    for (const u of this.unlisten) await u();
    this.unlisten = [];
  }
}
