import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CHANGES_CHANNEL, isRelevant, parseChangeNotification, scopeTokensFor } from '../changes';
import type { Db, Unsubscribe } from '../db/types';
import type { AuthenticatedStation } from '../enrollment/auth';
import type { StationRevocations } from '../enrollment/revocation';
import type { Metrics } from '../metrics';
import type { StreamMessage } from './wire';

interface Connection {
  station: AuthenticatedStation;
  tokens: string[];
  send(msg: StreamMessage): void;
  close(): void;
}

/**
 * Live streams of this instance. One LISTEN on qsf_changes per process fans out to every open stream whose scope the
 * change touches; commits from other instances on the same PostgreSQL arrive the same way.
 */
export class StreamHub {
  private readonly connections = new Set<Connection>();
  private stopListening: Unsubscribe | null = null;
  private readonly perStation = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly revocations: StationRevocations,
    private readonly metrics: Metrics,
    private readonly heartbeatMs: number,
  ) {}

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

  private countStation(id: string, delta: 1 | -1): void {
    const n = (this.perStation.get(id) ?? 0) + delta;
    if (n <= 0) this.perStation.delete(id);
    else this.perStation.set(id, n);
    this.metrics.connectedStations.set(this.perStation.size);
  }

  /** Takes over the HTTP response as an SSE stream for the authenticated station. */
  open(request: FastifyRequest, reply: FastifyReply, station: AuthenticatedStation): void {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
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
    const heartbeat = setInterval(() => write(': ping\n\n'), this.heartbeatMs);
    heartbeat.unref();
    const offRevoked = this.revocations.onStationRevoked(station.id, () => {
      conn.send({ type: 'revoked' });
      request.log.info({ stationId: station.id }, 'stream closed: station revoked');
      conn.close();
    });
    const cleanup = () => {
      clearInterval(heartbeat);
      offRevoked();
      if (this.connections.delete(conn)) this.countStation(station.id, -1);
    };
    res.on('close', () => {
      closed = true;
      cleanup();
    });

    this.connections.add(conn);
    this.countStation(station.id, 1);
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
  app.get('/api/stream', { preHandler: app.authenticateStation }, async (request, reply) => {
    hub.open(request, reply, request.station!);
  });
}
