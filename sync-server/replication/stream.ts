import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { scopeTokensFor, type StreamMessage } from '../../shared/sync';
import { CHANGES_CHANNEL, isRelevant, parseChangeNotification } from '../changes';
import type { Db, Unsubscribe } from '../db/types';
import type { AuthenticatedStation } from '../enrollment/auth';
import type { StationRevocations } from '../enrollment/revocation';
import { HttpError } from '../http/route';
import type { Metrics } from '../metrics';

export interface StreamLimits {
  /** SSE heartbeat comment interval. */
  heartbeatMs: number;
  /**
   * Open streams one station may hold on this instance. A station needs one; a second covers a reconnect that
   * arrives before the server has noticed the old connection died. One more closes the station's oldest.
   */
  maxPerStation: number;
  /** Open streams on this instance in all; beyond it a new stream is refused with 503 and Retry-After. */
  maxTotal: number;
  /** Seconds a refused client is asked to wait (Retry-After). */
  retryAfterSeconds: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  heartbeatMs: 25_000,
  maxPerStation: 2,
  // 200 stations is a large floor (bench:sync's scale run); five times that still costs little memory and file
  // descriptors, and leaves most of the default 1024-descriptor limit for requests and the database pool.
  maxTotal: 1_000,
  retryAfterSeconds: 30,
};

interface Connection {
  station: AuthenticatedStation;
  tokens: string[];
  send(msg: StreamMessage): void;
  close(): void;
}

/**
 * Live streams of this instance. One LISTEN on qsf_changes per process fans out to every open stream whose scope the
 * change touches; commits from other instances on the same PostgreSQL arrive the same way.
 *
 * Bounded: one station token once held ~19,900 streams and starved /health and every other station. A station
 * opening one stream more than `maxPerStation` gets it, and its oldest is closed (the oldest is the one most likely
 * dead: a client that reconnects has given up on it); the instance as a whole refuses streams beyond `maxTotal`.
 */
export class StreamHub {
  private readonly connections = new Set<Connection>();
  private stopListening: Unsubscribe | null = null;
  /** Each station's open streams, oldest first (a Set iterates in insertion order). */
  private readonly perStation = new Map<string, Set<Connection>>();
  private readonly limits: StreamLimits;

  constructor(
    private readonly db: Db,
    private readonly revocations: StationRevocations,
    private readonly metrics: Metrics,
    limits: Partial<StreamLimits> = {},
  ) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...limits };
    if (this.limits.maxPerStation < 1 || this.limits.maxTotal < 1) throw new Error('stream limits must be at least 1');
  }

  /** Open streams on this instance (for /health details). */
  get size(): number {
    return this.connections.size;
  }

  get maxTotal(): number {
    return this.limits.maxTotal;
  }

  /** Streams currently open for one station (tests, /health details). */
  openFor(stationId: string): number {
    return this.perStation.get(stationId)?.size ?? 0;
  }

  async start(): Promise<void> {
    this.stopListening = await this.db.listen(CHANGES_CHANNEL, {
      onPayload: (payload) => {
        const change = parseChangeNotification(payload);
        if (!change) return;
        for (const c of this.connections) {
          if (isRelevant(change, c.tokens)) c.send({ type: 'change', checkpoint: { version: change.version } });
        }
      },
      // Changes may have been missed while LISTEN was down: everyone re-pulls from their checkpoint.
      onGap: () => {
        for (const c of this.connections) c.send('RESYNC');
      },
    });
    this.revocations.onGap(() => void this.recheckRevoked());
  }

  private async recheckRevoked(): Promise<void> {
    const ids = [...new Set([...this.connections].map((c) => c.station.id))];
    if (ids.length === 0) return;
    const rows = await this.db.query<{ id: string }>(
      'SELECT id FROM stations WHERE id = ANY($1::text[]) AND revoked_at IS NOT NULL',
      [ids],
    );
    for (const r of rows) this.revocations.emit(r.id);
  }

  private track(conn: Connection): void {
    this.connections.add(conn);
    let own = this.perStation.get(conn.station.id);
    if (!own) this.perStation.set(conn.station.id, (own = new Set()));
    own.add(conn);
    this.updateGauges();
  }

  private untrack(conn: Connection): void {
    if (!this.connections.delete(conn)) return;
    const own = this.perStation.get(conn.station.id);
    own?.delete(conn);
    if (own?.size === 0) this.perStation.delete(conn.station.id);
    this.updateGauges();
  }

  private updateGauges(): void {
    this.metrics.connectedStations.set(this.perStation.size);
    this.metrics.openStreams.set(this.connections.size);
  }

  /**
   * Makes room for one more stream of `station`, before the response is taken over. A station at its own maximum,
   * or already streaming here while the instance is full, gets its oldest stream closed (a reconnect must always
   * work: the old connection is usually dead and not yet noticed). Anyone else meets a 503 (Retry-After) while the
   * instance holds its maximum.
   */
  private admit(request: FastifyRequest, station: AuthenticatedStation): void {
    const own = this.perStation.get(station.id);
    const full = this.connections.size >= this.limits.maxTotal;
    if (own && (own.size >= this.limits.maxPerStation || full)) {
      const excess = Math.max(1, own.size - this.limits.maxPerStation + 1);
      for (const old of [...own].slice(0, excess)) {
        old.close();
        this.metrics.streamsReplaced.inc();
      }
      request.log.info({ stationId: station.id, maxPerStation: this.limits.maxPerStation, full }, 'stream replaced: the station opened another');
      return;
    }
    if (full) {
      this.metrics.streamsRefused.inc();
      throw new HttpError(
        503,
        'too_many_streams',
        `this server holds its maximum of ${this.limits.maxTotal} live streams; retry in ${this.limits.retryAfterSeconds} s`,
        undefined,
        { 'retry-after': String(this.limits.retryAfterSeconds) },
      );
    }
  }

  /** Takes over the HTTP response as an SSE stream for the authenticated station (503 when full, see admit). */
  open(request: FastifyRequest, reply: FastifyReply, station: AuthenticatedStation): void {
    this.admit(request, station);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Stated, not left to Node: Node's own keep-alive (with its Keep-Alive: timeout hint) or Connection: close
      // left stations' connections open through app.close() (tests/integration/clock-skew.test.ts hung in afterAll).
      connection: 'keep-alive',
      'x-accel-buffering': 'no', // proxies (nginx) must not buffer a live stream
    });
    let closed = false;
    const write = (chunk: string) => {
      if (!closed) res.write(chunk);
    };
    const conn: Connection = {
      station,
      tokens: scopeTokensFor(station),
      send: (msg) => write(`data: ${JSON.stringify(msg)}\n\n`),
      close: () => {
        if (closed) return;
        closed = true;
        cleanup();
        res.end();
      },
    };
    // Comments keep idle connections alive through proxies and let a dead peer surface as a write error.
    const heartbeat = setInterval(() => write(': ping\n\n'), this.limits.heartbeatMs);
    heartbeat.unref();
    const offRevoked = this.revocations.onStationRevoked(station.id, () => {
      conn.send({ type: 'revoked' });
      request.log.info({ stationId: station.id }, 'stream closed: station revoked');
      conn.close();
    });
    const cleanup = () => {
      clearInterval(heartbeat);
      offRevoked();
      this.untrack(conn);
    };
    res.on('close', () => {
      closed = true;
      cleanup();
    });
    // A write to a peer that reset the connection reports here; 'close' follows and cleans up.
    res.on('error', (err) => request.log.debug({ err, stationId: station.id }, 'stream write failed'));

    this.track(conn);
    write('retry: 2000\n\n');
    conn.send('RESYNC');
  }

  /** Ends every stream: a hijacked response would otherwise keep the server from closing. */
  async stop(): Promise<void> {
    for (const c of [...this.connections]) c.close();
    await this.stopListening?.();
    this.stopListening = null;
  }
}

export function registerStreamRoute(app: FastifyInstance, hub: StreamHub): void {
  // No HEAD twin: a HEAD answer has no body, so Node never sends the hijacked stream's headers, and the request
  // held a stream slot without an answer until the client gave up (found by sync-server/fuzz.test.ts).
  app.get('/api/stream', { preHandler: app.authenticateStation, exposeHeadRoute: false }, async (request, reply) => {
    hub.open(request, reply, request.station!);
  });
}
