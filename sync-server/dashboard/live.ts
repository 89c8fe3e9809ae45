/**
 * Live dashboards over SSE: the views themselves, pushed. One LISTEN per server instance on the channels every writer
 * already notifies: `qsf_changes` (changes.ts: every commit of documents, from any instance's push path or office
 * routes) and `qsf_dashboard` (audit.ts: a dashboard action). So a station's push to instance A reaches a dashboard
 * open on instance B the same way it reaches B's stations. A dashboard sees the whole floor, so any change is relevant;
 * bursts are coalesced (one round per `coalesceMs`), and each round sends every stream what changed since the revisions
 * it was last sent (`views`: the /views answer, live-views.ts), computed once for all of them and written as the same
 * bytes to each. A stream opens with the revisions its screen holds (the /views query); nothing new, nothing sent.
 * Every `refreshMs` a round runs anyway: stations go offline by staying quiet, which notifies nobody. A lost LISTEN
 * connection (gap) runs a round too: nothing is missed. With no stream open, the same notices (and every `keepMs`)
 * keep the views a dashboard opening reads first current instead (`keep`), so it is answered without waiting for them.
 *
 * Before, the stream said `change` and each screen asked `GET /api/dashboard/views`: with 50 dashboards open, 50
 * requests routed, authorised, parsed and answered per change on the event loop that acknowledges the stations'
 * pushes (the dashboard benchmark's push-ack p99). A round's answers resolve at once; they are written a few streams
 * per turn of the event loop (turns.ts), so a push arriving meanwhile is read between them. A stream whose socket is
 * not taking its bytes (more than `maxBufferedBytes` waiting) is skipped and sent what it missed when it drains.
 *
 * Bounded: `maxPerSession` streams per session (one more closes that session's oldest: a reloaded tab's old stream
 * is usually dead and not yet noticed) and `maxStreams` per instance (503 + Retry-After beyond), so one session cannot
 * take every slot. A stream's session is re-checked at every heartbeat, so a logout or an expired session ends it
 * within `heartbeatMs`; an account's streams are re-checked at once when its sessions are ended (disabled, password
 * reset: `qsf_dashboard_sessions`, sessions.ts), on every instance. A stream whose session is gone says `ended` before
 * it closes, so the screen logs out instead of reconnecting. An account's role and department never change (accounts.ts
 * has no such step), so the viewer the stream opened with is the one its views are computed for.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CHANGES_CHANNEL } from '../changes';
import type { Db, Unsubscribe } from '../db/types';
import { HttpError } from '../http/route';
import { DASHBOARD_CHANNEL } from './audit';
import type { Account, ViewsQuery } from './contract';
import type { ViewsAnswer } from './live-views';
import { SESSIONS_CHANNEL, sessionAlive, type Session } from './sessions';
import { Turns } from './turns';
import type { z } from 'zod';

export interface LiveOptions {
  heartbeatMs: number;
  coalesceMs: number;
  /** A round for every stream this often even when nothing was notified (station health ages without a notice). */
  refreshMs: number;
  maxStreams: number;
  maxPerSession: number;
  /** A stream with more than this waiting in its socket is skipped until it drains. */
  maxBufferedBytes: number;
  /** With no dashboard open, `keep` is called this often besides after each change. */
  keepMs: number;
}

/** What a stream's screen holds: the /views query (its Conflicts filter, the views it keeps live, the instance and revisions). */
export type HeldViews = z.output<typeof ViewsQuery>;
/** The views for `viewer` since `held` (live-views.ts update). */
export type LiveFeed = (viewer: Account, held: HeldViews) => Promise<ViewsAnswer>;

/**
 * `coalesceMs` is the views' computation interval (live-views.ts): on a busy floor a round runs once per interval, so
 * it finds the interval passed and its views computed at once; with a shorter coalescing a round waited for the
 * interval as well (the dashboard benchmark's push → dashboard latency).
 */
export const VIEW_INTERVAL_MS = 250;
/**
 * A view computed longer ago than this is computed again for a request even when no change key moved: station health
 * ages without one (a station going quiet turns offline).
 */
export const VIEW_MAX_AGE_MS = 5_000;
export const DEFAULT_LIVE: LiveOptions = {
  heartbeatMs: 20_000,
  coalesceMs: VIEW_INTERVAL_MS,
  refreshMs: 15_000,
  maxStreams: 500,
  maxPerSession: 4,
  maxBufferedBytes: 1 << 20,
  // Under half the views' age bound, which keep computes them again past (live-views.ts KEPT_MAX_AGE_MS).
  keepMs: 1_500,
};

/** Streams written to per turn of the event loop (turns.ts): a push waits at most this many writes to be read. */
const WRITES_PER_TURN = 4;

/** The messages other than the views (contract.ts LiveMessage), as the screen reads them. */
type Notice = { type: 'hello' } | { type: 'ended' } | { type: 'failed' };

interface Stream {
  session: Session;
  /** What the screen holds: what it opened with, then what it was last sent. */
  held: HeldViews;
  /** A round for this stream is being computed or written; `again`: another is due after it. */
  busy: boolean;
  again: boolean;
  send(msg: Notice): void;
  sendViews(answer: ViewsAnswer): void;
  /**
   * True when the socket has more than `maxBufferedBytes` waiting: `then` is called once it drained (once, however
   * often asked meanwhile). False: the socket takes more now.
   */
  lagging(then: () => void): boolean;
  close(): void;
}

export class DashboardLive {
  private readonly streams = new Set<Stream>();
  /** Each session's streams, oldest first. */
  private readonly perSession = new Map<string, Set<Stream>>();
  private unlisten: Unsubscribe[] = [];
  private pending: NodeJS.Timeout | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private keepTicker: NodeJS.Timeout | null = null;
  /**
   * The kept views being computed (one computation at a time); `keepAgain`: called meanwhile, one more after it (aging
   * if any call meanwhile was).
   */
  private keeping: Promise<void> | null = null;
  private keepAgain: { aging: boolean } | null = null;
  /** The last kept views' computation failed (logged once until one succeeds). */
  private keepFailing = false;
  /** The last computation failed (its warning logged; the next is logged after one succeeded). */
  private failing = false;
  /** The streams' writes, a few per turn of the event loop. */
  private readonly turns = new Turns(WRITES_PER_TURN, (err) => this.log.warn({ err }, 'dashboard live write failed'));

  constructor(
    private readonly db: Db,
    private readonly feed: LiveFeed,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly opts: LiveOptions = DEFAULT_LIVE,
    /**
     * While no dashboard is open, called after every (coalesced) change and (aging) every `keepMs`: brings the views
     * a dashboard opening reads first up to date (live-views.ts keep), so it is answered at once. Open dashboards'
     * rounds keep those views current themselves (each keeps the Floor, Alerts and Conflicts live: store.ts ALWAYS_LIVE).
     */
    private readonly keep?: (aging: boolean) => Promise<void>,
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
    this.ticker = setInterval(() => this.changed(), this.opts.refreshMs);
    this.ticker.unref();
    if (this.keep) {
      // Kept from the start: the first screen after a restart is then sent what changed since, not the floor's
      // documents read whole first (~0.2 s at 10,000 open work orders on a quiet machine, 0.8 s beside a browser).
      this.keepViews(false);
      this.keepTicker = setInterval(() => {
        if (this.streams.size === 0) this.keepViews(true);
      }, this.opts.keepMs);
      this.keepTicker.unref();
    }
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
    if (this.pending || (this.streams.size === 0 && !this.keep)) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      if (this.streams.size === 0) this.keepViews(false);
      for (const s of this.streams) this.round(s);
    }, this.opts.coalesceMs);
  }

  /** The kept views computed (`keep`), one computation at a time; a failure is logged once per outage. */
  private keepViews(aging: boolean): void {
    if (!this.keep || !this.ticker) return;
    if (this.keeping) {
      this.keepAgain = { aging: aging || (this.keepAgain?.aging ?? false) };
      return;
    }
    this.keepAgain = null;
    this.keeping = this.keep(aging)
      .then(
        () => {
          this.keepFailing = false;
        },
        (err: unknown) => {
          if (!this.keepFailing) this.log.warn({ err }, 'dashboard views could not be kept current');
          this.keepFailing = true;
        },
      )
      .finally(() => {
        this.keeping = null;
        // Not once a stream opened meanwhile: its rounds keep the views from there.
        if (this.keepAgain && this.streams.size === 0) this.keepViews(this.keepAgain.aging);
      });
  }

  /**
   * Sends `s` what changed since what it was last sent. One round per stream at a time (a change meanwhile: one more
   * after it). The streams of one round ask at once, so their views are computed once and answered with the same bytes
   * (live-views.ts). A failed computation (the database unreachable) says `failed`: the screen shows its views as
   * not live; the next round, at the next change or `refreshMs`, tries again.
   */
  private round(s: Stream): void {
    if (s.busy) {
      s.again = true;
      return;
    }
    // A stream not taking its bytes is sent nothing (nor computed for) until it drains; then what it missed.
    if (s.lagging(() => this.round(s))) return;
    s.busy = true;
    s.again = false;
    void this.feed(s.session.account, s.held).then(
      (answer) => {
        this.failing = false;
        if (!answer.news) return;
        // Written in its turn (turns.ts): a round's answers all resolve at once; their writes are spread out.
        return new Promise<void>((written) =>
          this.turns.run(() => {
            try {
              s.sendViews(answer);
              s.held = { show: s.held.show, views: s.held.views, ...answer.revisions, instance: answer.revisions.instance ?? undefined };
            } finally {
              written();
            }
          }),
        );
      },
      (err: unknown) => {
        // Once per outage, not once per stream and round.
        if (!this.failing) this.log.warn({ err }, 'dashboard live views failed');
        this.failing = true;
        s.send({ type: 'failed' });
      },
    ).finally(() => {
      s.busy = false;
      if (s.again) this.round(s);
    });
  }

  open(request: FastifyRequest, reply: FastifyReply, session: Session, held: HeldViews): void {
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
    let draining = false;
    const write = (chunk: string) => {
      if (!closed) res.write(chunk);
    };
    const stream: Stream = {
      session,
      held,
      busy: false,
      again: false,
      send: (msg) => write(`data: ${JSON.stringify(msg)}\n\n`),
      sendViews: (answer) => {
        if (closed) return;
        // The answer's bytes as they are (the same Buffer for every stream of the round), framed around them.
        res.cork();
        res.write(`data: {"type":"views","asOf":${Math.floor(answer.asOf)},"update":`);
        res.write(answer.json);
        res.write('}\n\n');
        res.uncork();
      },
      lagging: (then) => {
        if (closed || res.writableLength <= this.opts.maxBufferedBytes) return false;
        if (!draining) {
          draining = true;
          res.once('drain', () => {
            draining = false;
            then();
          });
        }
        return true;
      },
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
    this.round(stream);
  }

  async stop(): Promise<void> {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
    if (this.keepTicker) clearInterval(this.keepTicker);
    this.keepTicker = null;
    // A computation under way reads through the pool its owner closes next: waited for (no new one starts: ticker null).
    await this.keeping;
    for (const s of [...this.streams]) s.close();
    for (const u of this.unlisten) await u();
    this.unlisten = [];
  }
}
