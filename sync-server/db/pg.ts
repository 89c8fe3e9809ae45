import pg from 'pg';
import { assertChannel, type Db, type ListenHandlers, type Queryable, type Row, type Unsubscribe } from './types';

/** Minimal logger shape (pino satisfies it) so the db layer does not depend on the app. */
export interface DbLog {
  warn(obj: object, msg: string): void;
}

const INT8_OID = 20;

/**
 * int8 (bigint) arrives as a string by default because it can exceed 2^53. Our int8 columns are change numbers and
 * per-station sequences, far below 2^53, and PGlite already returns numbers: parse to number so both backends agree.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  const query = async <T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> =>
    (await client.query<T>(sql, params as unknown[])).rows;
  return {
    query,
    async exec(sql: string): Promise<void> {
      // No parameters: node-postgres uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
    // Outside a transaction every statement commits on its own.
    queryAndCommit: query,
  };
}

/**
 * The Queryable of one transaction on `client`. queryAndCommit writes the statement and COMMIT together (the pool's
 * connections run in node-postgres' pipeline mode: each query is sent at once, each with its own Sync, answers come
 * back in order). If the statement fails, PostgreSQL answers the COMMIT that follows it with ROLLBACK.
 */
function txQueryable(client: pg.PoolClient, begun: Promise<unknown>): Queryable & { readonly ended: boolean } {
  let ended = false;
  const open = () => {
    if (ended) throw new Error('transaction already committed (queryAndCommit ends it)');
    return client;
  };
  /**
   * A statement's answer, read only once BEGIN's is (BEGIN goes out right before the first statement, without a round
   * trip of its own). A failed BEGIN fails every statement of the transaction; it cannot fail on a connection that
   * runs the statements behind it.
   */
  const answer = async <T extends Row>(sent: Promise<pg.QueryResult<T>>): Promise<pg.QueryResult<T>> => {
    try {
      await begun;
    } catch (err) {
      await sent.catch(() => undefined);
      throw err;
    }
    return sent;
  };
  return {
    async query<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      return (await answer(open().query<T>(sql, params as unknown[]))).rows;
    },
    async exec(sql: string): Promise<void> {
      await answer(open().query(sql));
    },
    async queryAndCommit<T extends Row = Row>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const c = open();
      ended = true;
      const statement = answer(c.query<T>(sql, params as unknown[]));
      const commit = c.query('COMMIT');
      // Read in order; a COMMIT failure that arrives while the statement's answer is being handled is read below.
      commit.catch(() => undefined);
      let rows: T[];
      try {
        rows = (await statement).rows;
      } catch (err) {
        await commit.catch(() => undefined);
        throw err;
      }
      const done = await commit;
      // An earlier failed statement whose error the caller swallowed leaves the transaction aborted: COMMIT then
      // answers ROLLBACK without an error. Nothing was committed; say so.
      if (done.command !== 'COMMIT') throw new Error(`transaction ended with ${done.command}, not COMMIT: an earlier statement failed`);
      return rows;
    },
    get ended() {
      return ended;
    },
  };
}

/**
 * LISTEN needs one long-lived connection outside the pool (a pooled client would be handed to someone else and
 * lose its LISTENs). It reconnects with backoff and tells listeners about the gap.
 */
class PgListener {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  private readonly channels = new Map<string, Set<ListenHandlers>>();
  private closed = false;
  private retryMs = 250;

  constructor(
    private readonly connectionString: string,
    private readonly log?: DbLog,
  ) {}

  private connect(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, types });
      client.on('notification', (msg) => {
        for (const h of this.channels.get(msg.channel) ?? []) h.onPayload(msg.payload ?? '');
      });
      client.on('error', (err) => this.lost(client, err));
      client.on('end', () => this.lost(client, new Error('listen connection ended')));
      try {
        await client.connect();
        for (const channel of this.channels.keys()) await client.query(`LISTEN ${channel}`);
      } catch (err) {
        client.removeAllListeners();
        await client.end().catch(() => undefined);
        throw err;
      }
      this.client = client;
      this.retryMs = 250;
      return client;
    })().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    client.removeAllListeners();
    client.on('error', () => undefined);
    if (this.closed) return;
    this.log?.warn({ err }, 'LISTEN connection lost; reconnecting');
    this.reconnectLater();
  }

  private reconnectLater(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      if (this.closed || this.channels.size === 0) return;
      this.connect().then(
        () => {
          for (const set of this.channels.values()) for (const h of set) h.onGap?.();
        },
        (err: unknown) => {
          this.log?.warn({ err }, 'LISTEN reconnect failed');
          this.reconnectLater();
        },
      );
    }, delay).unref();
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Unsubscribe> {
    assertChannel(channel);
    let set = this.channels.get(channel);
    const first = !set;
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
    }
    set.add(handlers);
    try {
      const client = await this.connect();
      // connect() LISTENs on every known channel when it opens a new connection; an existing one needs it here.
      if (first) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      set.delete(handlers);
      if (set.size === 0) this.channels.delete(channel);
      throw err;
    }
    return async () => {
      const current = this.channels.get(channel);
      if (!current?.delete(handlers) || current.size > 0) return;
      this.channels.delete(channel);
      await this.client?.query(`UNLISTEN ${channel}`).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}

/** Connections the server's pool keeps open while idle (`min`): a dashboard or station after a quiet spell meets a warm backend. */
export const SERVER_POOL_MIN = 2;

export interface PgDbOptions {
  connectionString: string;
  /** Pool size; the default suits a few dozen stations per instance. */
  max?: number;
  /**
   * Connections kept open however long idle (default 0; the server's pool keeps SERVER_POOL_MIN): a new
   * backend's first statements cost 50–130 ms on the bench machine (catalog caches cold), which a dashboard opened
   * after a quiet spell paid on its first read.
   */
  min?: number;
  /** How long a connection above `min` may sit idle before it is closed (default 10 s, pg-pool's). */
  idleMs?: number;
  log?: DbLog;
}

export function createPgDb(opts: PgDbOptions): Db {
  // pipeline: a query is written to the connection at once, not after the previous one's answer (see txQueryable).
  const max = opts.max ?? 10;
  const pool = new pg.Pool({ connectionString: opts.connectionString, max, min: Math.min(opts.min ?? 0, max), idleTimeoutMillis: opts.idleMs ?? 10_000, types, pipeline: true });
  // An idle client dying (server restart) must not crash the process; the pool replaces it on next use.
  pool.on('error', (err) => opts.log?.warn({ err }, 'idle PostgreSQL client error'));
  // A client in use dying (PostgreSQL restarted under load: EPIPE on a pipelined write) emits 'error' on the client
  // itself, which the pool does not listen to while it is checked out: unheard, it crashed the whole server. Its
  // queries still fail (the request answers 5xx, the station retries); the pool drops the broken client when released.
  pool.on('connect', (client) => client.on('error', (err) => opts.log?.warn({ err }, 'PostgreSQL connection lost while in use')));
  const listener = new PgListener(opts.connectionString, opts.log);
  const base = queryable(pool);

  return {
    kind: 'pg',
    connectionString: opts.connectionString,
    query: base.query,
    exec: base.exec,
    queryAndCommit: base.queryAndCommit,
    async tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        const begun = client.query('BEGIN');
        begun.catch(() => undefined); // read by the statements' answers, and below
        const q = txQueryable(client, begun);
        const result = await fn(q);
        await begun;
        if (!q.ended) await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          // After queryAndCommit the transaction is already over (committed, or rolled back by its failure): this
          // ROLLBACK only draws a warning, and it still tells whether the connection is usable.
          await client.query('ROLLBACK');
        } catch {
          // The connection itself failed: do not return it to the pool.
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    listen: (channel, handlers) => listener.listen(channel, handlers),
    async notify(channel: string, payload: string): Promise<void> {
      await pool.query('SELECT pg_notify($1, $2)', [assertChannel(channel), payload]);
    },
    async close(): Promise<void> {
      await listener.close();
      await pool.end();
    },
  };
}
