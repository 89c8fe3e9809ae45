/**
 * Where the dashboard's live views are computed. On PostgreSQL: in a worker thread (views-worker.ts) with its own
 * connections to the same database, so their reads, recomputation and serialisation (and the garbage they make) stay
 * off the event loop that answers the stations' pushes; this thread asks the worker for each request's answer and
 * sends the text it gets back. On PGlite the database lives in the server's thread and nothing else can reach it: the
 * views are computed there (`liveViews(app.db)`), as they are with `QSF_DASHBOARD_VIEWS=in-thread`.
 *
 * The worker needs no LISTEN of its own: this thread's live channel (live.ts) still LISTENs and tells the screens
 * `change`, and each request the worker answers reads the change keys after it arrived (live-view-cache.ts), so an
 * answer is never older than its request, whichever instance on the database took the push.
 *
 * A worker that stops (crash, or an answer taking longer than `timeoutMs`, after which it is ended) is logged and
 * started again after `restartMs`, doubling up to 30 s while it keeps stopping within a minute; meanwhile, and for the
 * requests it held, the views are computed in this thread (on the server's own pool). Each computation place has its
 * own instance name (live-views.ts), so a screen holding the other one's revisions is sent the whole views once.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Db } from '../db/types';
import { startModuleWorker } from '../worker-thread';
import { Account, ConflictsQuery, FloorOrdersQuery, ViewsQuery } from './contract';
import { liveViews, WHOLE_VIEWS, type DashboardViews, type ViewsAnswer, type WholeView } from './live-views';

/** Where the views are computed: `worker` (PostgreSQL only; PGlite computes in-thread whatever is asked). */
export const VIEWS_THREADS = ['in-thread', 'worker'] as const;
export type ViewsThread = (typeof VIEWS_THREADS)[number];

export const ViewsRequest = z.discriminatedUnion('op', [
  // The /views updates asked for in one turn of this thread's event loop (a live round asks for every stream at once).
  z.object({ op: z.literal('updates'), id: z.number(), asks: z.array(z.object({ viewer: Account, held: ViewsQuery })) }),
  z.object({ op: z.literal('whole'), id: z.number(), view: z.enum(WHOLE_VIEWS), viewer: Account, show: ConflictsQuery.shape.show }),
  z.object({ op: z.literal('floorOrders'), id: z.number(), query: FloorOrdersQuery }),
  // The first views kept current (live-views.ts keep): answered with an empty text once done.
  z.object({ op: z.literal('keep'), id: z.number(), aging: z.boolean() }),
]);
export type ViewsRequest = z.input<typeof ViewsRequest>;

const Revision = z.number().int().nonnegative();
/** A /views answer (live-views.ts ViewsAnswer) but for its bytes: their index in the reply's `bytes`. */
const UpdateAnswer = z.object({
  bytes: z.number().int().nonnegative(),
  revisions: z.object({ instance: z.string().nullable(), floor: Revision.optional(), alerts: Revision.optional(), conflicts: Revision.optional(), orders: Revision.optional(), fleet: Revision.optional(), accounts: Revision.optional(), articles: Revision.optional() }),
  news: z.boolean(),
  asOf: z.number(),
});
export const ViewsReply = z.discriminatedUnion('type', [
  // A whole view's text.
  z.object({ type: z.literal('answer'), id: z.number(), json: z.string() }),
  // The answers to an `updates`, each distinct answer and each distinct text once (most streams of a round hold the
  // same revisions and are sent the same bytes): the UTF-8 texts (copied across; this thread sends them as they
  // are), the answers, and per ask, in order, its answer's index or why it failed.
  z.object({
    type: z.literal('updates'),
    id: z.number(),
    bytes: z.array(z.custom<Uint8Array>((x) => x instanceof Uint8Array)),
    answers: z.array(UpdateAnswer),
    results: z.array(z.union([z.object({ answer: z.number().int().nonnegative() }), z.object({ failed: z.string() })])),
  }),
  z.object({ type: z.literal('failed'), id: z.number(), message: z.string() }),
  z.object({ type: z.literal('log'), msg: z.string(), err: z.string() }),
]);
export type ViewsReply = z.infer<typeof ViewsReply>;

/** Minimal logger shape (pino and Fastify's logger satisfy it). */
export interface ViewsLog {
  warn(obj: object, msg: string): void;
}

export interface ViewsHostOptions {
  connectionString: string;
  /** The views in this thread, while the worker is down (made when first needed). */
  inThread: () => DashboardViews;
  log: ViewsLog;
  /** The worker's PostgreSQL pool (default 4: a computation reads up to five views at once). */
  poolMax?: number;
  /** First restart delay after the worker stopped (default 1 s). */
  restartMs?: number;
  /** An answer slower than this ends the worker (default 30 s; a cold Floor of 10,000 work orders takes ~1 s). */
  timeoutMs?: number;
}

const MAX_RESTART_MS = 30_000;
/**
 * The worker thread's nice value (Linux; worker-thread.ts lowerThreadPriority): on a busy machine the event loop that
 * acknowledges the stations' pushes, and everything else at the default 0, runs before the views are computed. A
 * dashboard shown a change a little later costs nobody; a station's acknowledgement held up holds up the operator.
 */
const VIEWS_NICE = 10;
/** A worker that ran this long before it stopped is restarted after the first delay again. */
const STABLE_MS = 60_000;

/** The worker stopped while a request waited: that request is answered in this thread. */
class WorkerGone extends Error {}

/** A worker's reply to a request. */
type WorkerAnswer = Extract<ViewsReply, { type: 'answer' | 'updates' }>;

/** An update asked for, waiting for its turn's message to the worker. */
interface Ask {
  viewer: Account;
  held: z.output<typeof ViewsQuery>;
  resolve(answer: ViewsAnswer): void;
  reject(err: unknown): void;
}

/** The views computed in a worker thread, this thread answering while it is down. */
export class ViewsHost implements DashboardViews {
  private worker: Worker | null = null;
  private startedAt = 0;
  private readonly pending = new Map<number, { resolve(reply: WorkerAnswer): void; reject(err: Error): void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  /** The updates asked for in this turn, sent to the worker together at its end. */
  private asks: Ask[] | null = null;
  private closed = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartMs: number;
  private fallback: DashboardViews | null = null;
  /** How often the worker stopped; requests answered in this thread meanwhile (tests, logs); updates sent to it. */
  readonly counts = { stopped: 0, answeredInThread: 0, batches: 0 };

  constructor(private readonly opts: ViewsHostOptions) {
    this.restartMs = opts.restartMs ?? 1_000;
    this.spawn();
  }

  /** The worker's thread id (null while it is down). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /**
   * Asked in one turn of the event loop, updates go to the worker as one message and come back as one: a live round
   * (live.ts) asks for each of its 50 streams at once, and 50 messages each way, each answer's bytes copied again,
   * were work on the event loop that answers the stations' pushes.
   */
  update(viewer: Account, held: z.output<typeof ViewsQuery>): Promise<ViewsAnswer> {
    return new Promise<ViewsAnswer>((resolve, reject) => {
      if (!this.asks) {
        this.asks = [];
        queueMicrotask(() => this.sendAsks());
      }
      this.asks.push({ viewer, held, resolve, reject });
    });
  }

  whole(view: WholeView, viewer: Account, show: z.output<typeof ConflictsQuery>['show']): Promise<string> {
    return this.text({ op: 'whole', id: this.nextId++, view, viewer, show }, (v) => v.whole(view, viewer, show));
  }

  floorOrders(query: FloorOrdersQuery): Promise<string> {
    return this.text({ op: 'floorOrders', id: this.nextId++, query }, (v) => v.floorOrders(query));
  }

  async keep(aging: boolean): Promise<void> {
    await this.text({ op: 'keep', id: this.nextId++, aging }, async (v) => (await v.keep(aging), ''));
  }

  /** A request answered with one JSON text: the worker's, or computed here when it is down. */
  private text(req: Extract<ViewsRequest, { op: 'whole' | 'floorOrders' | 'keep' }>, inThread: (views: DashboardViews) => Promise<string>): Promise<string> {
    return this.ask(req).then(
      (reply) => {
        if (reply.type !== 'answer') throw new Error(`dashboard views worker answered ${req.op} with ${reply.type}`);
        return reply.json;
      },
      (err: unknown) => this.orInThread(err, inThread),
    );
  }

  /** Ends the worker as a crash would (tests): it is logged and started again, requests meanwhile answered here. */
  async crash(): Promise<void> {
    await this.worker?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.worker?.terminate();
    this.worker = null;
    await this.fallback?.close();
  }

  private sendAsks(): void {
    const asks = this.asks ?? [];
    this.asks = null;
    this.counts.batches++;
    const answerHere = (err: unknown) => {
      for (const a of asks) this.orInThread(err, (v) => v.update(a.viewer, a.held)).then(a.resolve, a.reject);
    };
    this.ask({ op: 'updates', id: this.nextId++, asks: asks.map(({ viewer, held }) => ({ viewer, held })) }).then((reply) => {
      if (reply.type !== 'updates' || reply.results.length !== asks.length) {
        answerHere(new Error(`dashboard views worker answered ${asks.length} updates with ${reply.type}`));
        return;
      }
      // The same bytes and the same answer for every stream given the same (live.ts writes them as they are).
      const bytes = reply.bytes.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      const answers = reply.answers.map((a): ViewsAnswer => ({ json: bytes[a.bytes] ?? Buffer.alloc(0), revisions: a.revisions, news: a.news, asOf: a.asOf }));
      reply.results.forEach((r, i) => {
        const a = asks[i]!;
        if ('failed' in r) a.reject(new Error(r.failed));
        else if (answers[r.answer]) a.resolve(answers[r.answer]!);
        else a.reject(new Error(`dashboard views worker answered with no answer ${r.answer}`));
      });
    }, answerHere);
  }

  /** `req` answered by the worker; WorkerGone when there is none or it stopped first, an Error when it failed. */
  private ask(req: ViewsRequest): Promise<WorkerAnswer> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new WorkerGone());
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.opts.log.warn({ timeoutMs: this.timeout }, 'dashboard views worker did not answer in time: ending it');
        void worker.terminate();
      }, this.timeout);
      this.pending.set(req.id, { resolve, reject, timer });
      worker.postMessage(req);
    });
  }

  /** After the worker could not answer (WorkerGone): computed in this thread; any other error stands. */
  private orInThread<T>(err: unknown, inThread: (views: DashboardViews) => Promise<T>): Promise<T> {
    if (!(err instanceof WorkerGone)) return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    if (this.closed) return Promise.reject(new Error('dashboard views closed'));
    this.counts.answeredInThread++;
    this.fallback ??= this.opts.inThread();
    return inThread(this.fallback);
  }

  private get timeout(): number {
    return this.opts.timeoutMs ?? 30_000;
  }

  private spawn(): void {
    const worker = startModuleWorker(import.meta.url, './views-worker', { connectionString: this.opts.connectionString, poolMax: this.opts.poolMax ?? 4, nice: VIEWS_NICE });
    // The server's own close ends it (close()); it must not keep a process alive that is done otherwise.
    worker.unref();
    this.worker = worker;
    this.startedAt = performance.now();
    worker.on('message', (raw: unknown) => this.received(raw));
    worker.on('error', (err) => this.opts.log.warn({ err }, 'dashboard views worker failed'));
    worker.on('exit', (code) => this.exited(worker, code));
  }

  private received(raw: unknown): void {
    const reply = ViewsReply.safeParse(raw);
    if (!reply.success) return;
    const m = reply.data;
    if (m.type === 'log') {
      this.opts.log.warn({ err: m.err }, `dashboard views worker: ${m.msg}`);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === 'failed') p.reject(new Error(m.message));
    else p.resolve(m);
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new WorkerGone());
    }
    if (this.closed) return;
    this.counts.stopped++;
    this.restartMs = performance.now() - this.startedAt >= STABLE_MS ? (this.opts.restartMs ?? 1_000) : this.restartMs;
    const delay = this.restartMs;
    this.restartMs = Math.min(MAX_RESTART_MS, this.restartMs * 2);
    this.opts.log.warn({ code, restartInMs: delay }, "dashboard views worker stopped: views computed in the server's thread until it is started again");
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.closed) this.spawn();
    }, delay);
    this.restartTimer.unref();
  }
}

/** The live views for `db`: in a worker thread when `thread` says so and `db` is PostgreSQL, else in this thread. */
export function openDashboardViews(db: Db, log: ViewsLog, thread: ViewsThread): DashboardViews {
  if (thread === 'in-thread' || db.connectionString === undefined) return liveViews(db);
  return new ViewsHost({ connectionString: db.connectionString, inThread: () => liveViews(db), log });
}
