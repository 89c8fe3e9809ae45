import { STATION_TOKEN_REJECTED } from '../../shared/sync';
import { describe, expect, it } from 'vitest';
import { backoffDelay, type Fetch } from './http';
import type { StreamMessage } from '../../shared/sync';
import { LiveStream, parseFrame } from './live-stream';

/** An SSE response that sends `frames`, then ends (or stays open when `hold`). */
function sse(frames: string[], hold = false): Response {
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      for (const f of frames) c.enqueue(enc.encode(f));
      if (!hold) c.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

function harness(responses: (() => Response | Promise<Response>)[], idleTimeoutMs = 5_000) {
  const log: string[] = [];
  const messages: StreamMessage[] = [];
  let calls = 0;
  const fetchFn: Fetch = async (_url, init) => {
    const next = responses[calls++];
    if (!next) return new Promise<Response>(() => undefined); // no more answers: hang (stop() ends the test)
    const signal = init?.signal;
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    return next();
  };
  let revoked: (reason: string) => void = () => undefined;
  const revokedP = new Promise<string>((r) => (revoked = r));
  const stream = new LiveStream({
    url: 'http://server.test/api/stream',
    token: 't',
    fetch: fetchFn,
    initialBackoffMs: 5,
    maxBackoffMs: 20,
    idleTimeoutMs,
    onOpen: () => log.push('open'),
    onMessage: (m) => messages.push(m),
    onDown: (e) => log.push(`down:${e.message}`),
    onRevoked: (reason) => {
      log.push('revoked');
      revoked(reason);
    },
  });
  return { stream, log, messages, revokedP, calls: () => calls };
}

describe('LiveStream', () => {
  it('parses SSE frames: data lines, CRLF, comments and unknown payloads', () => {
    expect(parseFrame('data: "RESYNC"')).toBe('RESYNC');
    expect(parseFrame('data:{"type":"change","checkpoint":{"version":7}}')).toEqual({ type: 'change', checkpoint: { version: 7 } });
    expect(parseFrame(': ping')).toBeUndefined();
    expect(parseFrame('retry: 2000')).toBeUndefined();
    expect(parseFrame('data: {"type":"future"}')).toBeUndefined();
    expect(parseFrame('data: not json')).toBeUndefined();
  });

  it('reconnects after failures and server closes, forwards messages, stops for good when revoked', async () => {
    const h = harness([
      () => Promise.reject(new TypeError('fetch failed')),
      () => sse(['retry: 2000\r\n\r\n', 'data: "RESYNC"\r\n\r\n', ': ping\n\n', 'data: {"type":"change","checkpoint":{"version":3}}\n', '\n']),
      () => sse(['data: "RESYNC"\n\n', 'data: {"type":"revoked"}\n\n'], true),
    ]);
    h.stream.start();
    await h.revokedP;
    await h.stream.stop();
    expect(h.messages).toEqual(['RESYNC', { type: 'change', checkpoint: { version: 3 } }, 'RESYNC']);
    expect(h.log[0]).toMatch(/^down:live stream: fetch failed/);
    expect(h.log.slice(1)).toEqual(['open', 'down:live stream closed by the server', 'open', 'revoked']);
    expect(h.calls()).toBe(3);
  });

  it("the server's 401 for a rejected token means revoked: no reconnect", async () => {
    const h = harness([() => new Response(JSON.stringify({ error: STATION_TOKEN_REJECTED, message: 'revoked' }), { status: 401 })]);
    h.stream.start();
    expect(await h.revokedP).toMatch(/revoked station token/);
    await h.stream.stop();
    expect(h.calls()).toBe(1);
  });

  it('any other 401 (a proxy, a login page) is retried, not taken as revocation', async () => {
    let revoked = false;
    const h = harness([() => new Response('<html>401 Authorization Required</html>', { status: 401 }), () => sse(['data: "RESYNC"\n\n'], true)]);
    void h.revokedP.then(() => (revoked = true));
    h.stream.start();
    const deadline = Date.now() + 2_000;
    while (h.calls() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await h.stream.stop();
    expect(h.calls()).toBe(2);
    expect(h.log[0]).toMatch(/^down:live stream: HTTP 401/);
    expect(revoked).toBe(false);
  });

  it('a silent connection is dropped after the idle timeout and reopened', async () => {
    const h = harness([() => sse(['data: "RESYNC"\n\n'], true), () => sse(['data: "RESYNC"\n\n'], true)], 60);
    h.stream.start();
    const deadline = Date.now() + 2_000;
    while (h.calls() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await h.stream.stop();
    expect(h.log[1]).toMatch(/silent for 60 ms/);
    expect(h.messages.length).toBeGreaterThanOrEqual(2);
  });

  it('backoff doubles up to the cap, with jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, 500, 30_000, mid))).toEqual([500, 1000, 2000, 4000, 30_000]);
    expect(backoffDelay(0, 1000, 30_000, () => 0)).toBe(800);
    expect(backoffDelay(0, 1000, 30_000, () => 1)).toBe(1200);
  });
});
