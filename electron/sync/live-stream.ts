/**
 * The live half of the pull: GET /api/stream (SSE) parsed over fetch, reconnected with capped exponential backoff.
 * The server says "RESYNC" on every connect (and when it may have missed notifications) and `{type:'change'}` when a
 * document this station can see changed: both become a checkpoint pull. `{type:'revoked'}` (or a 401) ends it for good.
 * A connection that stays silent longer than `idleTimeoutMs` (the server sends a heartbeat comment every 25 s) is
 * treated as dead: half-open TCP connections after a switch reboot otherwise hang forever.
 */
import { STATION_TOKEN_REJECTED, StreamMessage } from '../../shared/sync';
import { backoffDelay, describeNetworkError, errorCodeOf, SyncHttpError, type Fetch } from './http';


export interface LiveStreamOptions {
  url: string;
  token: string;
  fetch: Fetch;
  initialBackoffMs: number;
  maxBackoffMs: number;
  idleTimeoutMs: number;
  /** The stream is open (the server's first message, RESYNC, follows). */
  onOpen(): void;
  onMessage(message: StreamMessage): void;
  /** The connection failed or dropped; the next attempt follows after `retryInMs`. */
  onDown(error: SyncHttpError, retryInMs: number): void;
  /** 401 or `{type:'revoked'}`: the stream will not reconnect. */
  onRevoked(reason: string): void;
}

export class LiveStream {
  private stopped = false;
  private current: AbortController | null = null;
  /** Cancelled along with the abort: a body that ignores the abort signal must not hang the loop. */
  private reader: ReadableStreamDefaultReader<string> | null = null;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  connected = false;

  constructor(private readonly opts: LiveStreamOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Closes the connection and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.abort();
    this.reader?.cancel().catch(() => undefined);
    this.wake?.();
    await this.running;
  }

  /** Skip the rest of a backoff wait (e.g. a push just reached the server, so it is up again). */
  reconnectNow(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const ctl = new AbortController();
      this.current = ctl;
      let error: SyncHttpError;
      try {
        const opened = await this.connect(ctl);
        if (opened === 'revoked') return;
        attempt = 0; // it was up: the next drop starts the backoff from the beginning
        error = new SyncHttpError(0, 'network', 'live stream closed by the server');
      } catch (err) {
        error = err instanceof SyncHttpError ? err : new SyncHttpError(0, 'network', `live stream: ${describeNetworkError(err)}`);
      } finally {
        this.connected = false;
        this.current = null;
      }
      if (this.stopped) return;
      if (error.isRevoked) {
        this.opts.onRevoked(error.message);
        return;
      }
      const delay = backoffDelay(attempt++, this.opts.initialBackoffMs, this.opts.maxBackoffMs);
      this.opts.onDown(error, delay);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /** One connection: resolves when the server ends it, 'revoked' after a revoked message; throws on failure. */
  private async connect(ctl: AbortController): Promise<'ended' | 'revoked'> {
    let idle: NodeJS.Timeout | undefined;
    let idleFired = false;
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        idleFired = true;
        ctl.abort();
        this.reader?.cancel().catch(() => undefined);
      }, this.opts.idleTimeoutMs);
    };
    armIdle();
    try {
      let res: Response;
      try {
        res = await this.opts.fetch(this.opts.url, {
          headers: { authorization: `Bearer ${this.opts.token}`, accept: 'text/event-stream' },
          signal: ctl.signal,
        });
      } catch (err) {
        throw new SyncHttpError(0, 'network', `live stream: ${idleFired ? 'no answer' : describeNetworkError(err)}`);
      }
      if (!res.ok || !res.body) {
        // The server's error body says which 401 this is (only its own code means revoked: SyncHttpError.isRevoked).
        const body = await res.text().catch(() => '');
        const code = errorCodeOf(body) ?? 'http_error';
        throw new SyncHttpError(res.status, code, `live stream: HTTP ${res.status}${code === STATION_TOKEN_REJECTED ? ': unknown or revoked station token' : ''}`);
      }
      this.connected = true;
      this.opts.onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      this.reader = reader;
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done && idleFired) throw new SyncHttpError(0, 'network', `live stream: silent for ${this.opts.idleTimeoutMs} ms`);
          if (done) return 'ended';
          armIdle();
          buf += value.replace(/\r\n?/g, '\n');
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const message = parseFrame(frame);
            if (message === undefined) continue;
            if (typeof message === 'object' && message.type === 'revoked') {
              this.opts.onRevoked('the server revoked this station');
              return 'revoked';
            }
            this.opts.onMessage(message);
          }
        }
      } catch (err) {
        if (err instanceof SyncHttpError) throw err;
        throw new SyncHttpError(0, 'network', `live stream: ${idleFired ? `silent for ${this.opts.idleTimeoutMs} ms` : describeNetworkError(err)}`);
      } finally {
        this.reader = null;
        reader.cancel().catch(() => undefined);
      }
    } finally {
      clearTimeout(idle);
    }
  }
}

/** One SSE frame → its message; comments (heartbeats), `retry:` and unknown payloads give undefined. */
export function parseFrame(frame: string): StreamMessage | undefined {
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  if (data.length === 0) return undefined;
  try {
    const r = StreamMessage.safeParse(JSON.parse(data.join('\n')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}
