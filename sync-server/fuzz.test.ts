/**
 * The sync server under hostile input, over a real port: random bodies (arbitrary JSON, event-shaped JSON with
 * random fields, nested far too deep, oversized, malformed, raw bytes) with random content types and credentials to
 * every route, random methods and URLs, then random raw bytes and random request/upgrade headers over plain TCP.
 * Every answer must be a 4xx in the error shape with a plain code (or a 2xx when the input happened to be valid),
 * never a 5xx; nothing may be logged at error level; and afterwards the process still serves: /health is up, an
 * enrolled station's valid push is applied and its pull answers.
 * Reproduce a failure with the printed seed: FC_SEED=<seed> FC_RUNS=<n> npx vitest run sync-server/fuzz.test.ts
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FloorEvent } from '../shared/events';
import { workOrderIdFor } from '../shared/master';
import { cuttingOutput, EventFactory, mo, operatorOf } from '../shared/testing/fixtures';
import { errorBodySchema } from './http/route';
import { appForFile, enrollStation, seedOperatorAndOrder, TEST_ADMIN_TOKEN, type EnrolledStation } from './testing';

const RUNS = Number(process.env.FC_RUNS ?? 250);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

const M = mo(1, { route: 'R1', quantity: 100 });
const f = new EventFactory(() => Date.now());

const errorLogs: string[] = [];
// Anything the server logs at error level or above is a failure to handle input (5xx, a hijacked stream error).
const sink = new Writable({
  write(chunk: Buffer, _enc, cb) {
    errorLogs.push(chunk.toString('utf8').slice(0, 2000));
    cb();
  },
});
const server = appForFile({ loggerInstance: pino({ level: 'error' }, sink), heartbeatMs: 1_000 });
let port: number;
/** Kept out of the fuzzing: its valid push at the end proves the server still works. */
let clean: EnrolledStation;
/** Its token goes into fuzzed requests (pushes of random events, streams, pulls). */
let fuzzed: EnrolledStation;
/** The one station the fuzzed admin requests may revoke (revoking `fuzzed` would leave its pushes untested). */
let victim: EnrolledStation;

beforeAll(async () => {
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  port = (server.app.server.address() as { port: number }).port;
  clean = await enrollStation(server.app, 'ST-CUT-1', 'cutting');
  fuzzed = await enrollStation(server.app, 'ST-CUT-2', 'cutting');
  victim = await enrollStation(server.app, 'ST-CUT-3', 'cutting');
  await seedOperatorAndOrder(server.app, { id: operatorOf('cutting'), name: 'cutter', roles: ['operator'], departments: ['cutting'], pin: '135790' }, M);
});

const cut = (stationId: string, qty: number): FloorEvent => f.event(stationId, operatorOf('cutting'), cuttingOutput(workOrderIdFor(M.id, 'cutting'), qty));

interface Answer {
  status: number;
  body: string;
  contentType: string;
}

/**
 * One HTTP request on a fresh connection. A live stream that opens (200, text/event-stream) is closed at once. A
 * request Node itself refuses to send (an invalid header character) resolves null: nothing reached the server.
 */
function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    let req;
    try {
      // Framed explicitly: Node sends a DELETE's body without a length, which the server rightly reads as the
      // next request (a 400 after the answer). Raw framing mistakes are the TCP test's business.
      const framed = body ? { ...headers, 'content-length': String(body.length) } : headers;
      req = httpRequest({ host: '127.0.0.1', port, method, path, headers: framed, agent: false, timeout: 10_000 });
    } catch {
      resolve(null);
      return;
    }
    req.on('response', (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, body: '', contentType });
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} in 10 s`)));
    // The server may answer (413, 400) and close before the whole body is written: that is an answer, not an error.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? resolve(null) : reject(err)));
    if (body) req.end(body);
    else req.end();
  });
}

/** The answer is a success, or a 4xx in the error shape with a plain lowercase code; never a 5xx. */
function expectHandled(a: Answer, what: string): void {
  expect(a.status, `${what} → ${a.status} ${a.body.slice(0, 300)}`).toBeLessThan(500);
  if (a.status >= 400 && a.body !== '') {
    const parsed = errorBodySchema.safeParse(JSON.parse(a.body));
    expect(parsed.success, `${what}: error body ${a.body.slice(0, 300)}`).toBe(true);
    expect(parsed.data?.error, what).toMatch(/^[a-z][a-z_]*$/);
  }
}

const ROUTES: readonly (readonly [string, string])[] = [
  ['GET', '/health'],
  ['GET', '/metrics'],
  ['POST', '/api/enrollment-codes'],
  ['POST', '/api/enroll'],
  ['POST', '/api/stations/{id}/revoke'],
  ['GET', '/api/stations/{id}/public-key'],
  ['GET', '/api/pull'],
  ['GET', '/api/stream'],
  ['POST', '/api/push'],
  ['POST', '/api/heartbeat'],
  ['POST', '/api/operators'],
  ['POST', '/api/manufacturing-orders'],
];

/** Text with what databases and parsers choke on: NUL, lone surrogates, control characters, very long runs. */
const nastyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00', '\u202e', '"\\', 'x'.repeat(400), '😀'.repeat(50)),
);
/** Numbers around every limit a column or a schema has. */
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 2 ** 31 - 1, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300, 8.64e15 + 1, 0.5),
);
/** Mostly a valid value (so the request gets past the other fields), sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown> = fc.oneof(nastyText, nastyNumber, fc.jsonValue())) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: other });

/** An event of the fuzzed station with one field replaced or removed, or a payload field made nasty. */
const mutatedEvent = fc
  .tuple(
    fc.constantFrom('id', 'stationId', 'seq', 'hlc', 'operatorId', 'type', 'v', 'payload', 'extra', 'payload.goodQty', 'payload.size', 'payload.extra'),
    fc.option(fc.oneof(fc.jsonValue(), nastyText, nastyNumber), { nil: undefined }),
  )
  .map(([field, value]) => {
    const e: Record<string, unknown> = { ...cut('ST-CUT-2', 1) };
    const [top, sub] = field.split('.') as [string, string | undefined];
    const target = sub ? (e[top] = { ...(e[top] as Record<string, unknown>) }) as Record<string, unknown> : e;
    const key = sub ?? top;
    if (value === undefined) delete target[key];
    else target[key] = value;
    return e;
  });

/** JSON text nested `depth` levels deep, arrays and objects mixed (as text: a JS value that deep overflows). */
const deepJson = (depth: number, objects: boolean) =>
  (objects ? '{"a":'.repeat(depth) : '['.repeat(depth)) + '0' + (objects ? '}' : ']').repeat(depth);
const depth = fc.integer({ min: 60, max: 30_000 });

const pushBody = fc.oneof(
  fc.record({ events: fc.array(fc.oneof({ weight: 3, arbitrary: mutatedEvent }, { weight: 1, arbitrary: fc.jsonValue() }), { maxLength: 6 }), stationTime: mostly(fc.constant(Date.now())) }, { requiredKeys: ['events'] }).map((v) => JSON.stringify(v)),
  // Deep inside an otherwise valid push: the case that reached the push path's recursive walk.
  depth.map((d) => JSON.stringify({ events: [{ ...cut('ST-CUT-2', 1), payload: '__P__' }] }).replace('"__P__"', deepJson(d, true))),
);
const device = fc.record({
  deviceId: mostly(fc.constantFrom('MD-1', 'SC-1'), nastyText),
  kind: mostly(fc.constant('scanner'), nastyText),
  connected: mostly(fc.boolean()),
  lastFrameAt: mostly(fc.constant(null), nastyText),
  faults: mostly(fc.constant(0), nastyNumber),
  errors: mostly(fc.constant(0), nastyNumber),
  reconnects: mostly(fc.constant(0), nastyNumber),
  message: mostly(fc.constant(null), nastyText),
});
const heartbeatBody = fc
  .record({ stationTime: mostly(fc.constant(Date.now()), nastyNumber), backlog: mostly(fc.nat(1000), nastyNumber), devices: fc.array(device, { maxLength: 4 }) })
  .map((v) => JSON.stringify(v));
const enrollBody = fc
  .record({ code: mostly(fc.constant('ABCD-EFGH-JKMN'), nastyText), stationId: mostly(fc.constant('ST-CUT-9'), nastyText), publicKey: mostly(fc.constant('O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik'), nastyText) })
  .map((v) => JSON.stringify(v));
const codeBody = fc
  .record(
    { stationId: mostly(fc.constantFrom('ST-FZ-1', 'ST-FZ-2'), nastyText), department: mostly(fc.constant('sewing'), nastyText), name: mostly(fc.constant('Fuzz'), nastyText), lineId: mostly(fc.constant('LN-FZ-1'), nastyText), ttlMinutes: mostly(fc.constant(60), nastyNumber) },
    { requiredKeys: [] },
  )
  .map((v) => JSON.stringify(v));
const operatorBody = fc
  .record({
    id: mostly(fc.constantFrom('OP-FZ1', 'OP-FZ2'), nastyText),
    name: mostly(fc.constant('Fuzz'), nastyText),
    roles: mostly(fc.constant(['operator']), fc.array(fc.oneof(fc.constant('operator'), nastyText), { maxLength: 40 })),
    departments: mostly(fc.constant(['sewing']), fc.array(fc.oneof(fc.constant('sewing'), nastyText), { maxLength: 40 })),
    pin: mostly(fc.constant('135790'), nastyText),
  })
  .map((v) => JSON.stringify(v));
const moBody = fc
  .tuple(fc.constantFrom('id', 'articleCode', 'quantity', 'route', 'destination', 'shipWeek', 'cutParts', 'extra'), fc.oneof(nastyText, nastyNumber, fc.jsonValue()), fc.nat(9999))
  .map(([k, v, n]) => JSON.stringify({ ...mo(2 + n), [k]: v }));

const anyJsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.json(),
  fc.tuple(depth, fc.boolean()).map(([d, o]) => deepJson(d, o)),
  pushBody,
  heartbeatBody,
  codeBody,
);

const body = fc.oneof(
  { weight: 5, arbitrary: anyJsonBody.map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: anyJsonBody.map((s) => Buffer.from(s.slice(0, Math.max(0, s.length - 1)), 'utf8')) }, // cut short
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      'application/vnd.api+json',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
);

type Auth = 'station' | 'admin' | 'none' | { raw: string };
const authorization: fc.Arbitrary<Auth> = fc.oneof(
  fc.constantFrom<Auth>('none', 'station', 'admin'),
  fc.string({ maxLength: 80 }).map((s): Auth => ({ raw: `Bearer ${s}` })),
  fc.string({ maxLength: 80 }).map((s): Auth => ({ raw: s })),
);

const param = (known: string) =>
  fc
    .oneof(fc.constant(known), fc.string({ maxLength: 80 }).map(encodeURIComponent), fc.constantFrom('%FF', '%', '%zz', 'A'.repeat(300), '..%2F..%2Fetc'))
    .filter((p) => p !== 'ST-CUT-1' && p !== 'ST-CUT-2');
const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(fc.constantFrom('checkpoint', 'limit', 'x'), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('-1', '1e999', '9007199254740993', 'NaN', '0x10', '[]')), { maxKeys: 3 })
    .map((q) => '?' + Object.entries(q).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')),
  fc.constantFrom('?checkpoint=%', '?checkpoint=1&checkpoint=2', '?limit=%FF', '?' + 'a='.repeat(2000)),
);

interface Case {
  method: string;
  path: string;
  type: string;
  auth: Auth;
  body?: Buffer;
}
const json = (arb: fc.Arbitrary<string>) => arb.map((s) => Buffer.from(s, 'utf8'));

/** Aimed at one route: the right method, content type and (mostly) credentials, with a body for that route. */
const aimed: fc.Arbitrary<Case> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ method: fc.constant('POST'), path: fc.constant('/api/push'), type: fc.constant('application/json'), auth: fc.constant<Auth>('station'), body: json(pushBody) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ method: fc.constant('POST'), path: fc.constant('/api/heartbeat'), type: fc.constant('application/json'), auth: fc.constant<Auth>('station'), body: json(heartbeatBody) }),
  },
  fc.record({ method: fc.constant('POST'), path: fc.constant('/api/enroll'), type: fc.constant('application/json'), auth: fc.constant<Auth>('none'), body: json(enrollBody) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/api/enrollment-codes'), type: fc.constant('application/json'), auth: fc.constant<Auth>('admin'), body: json(codeBody) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/api/operators'), type: fc.constant('application/json'), auth: fc.constant<Auth>('admin'), body: json(operatorBody) }),
  fc.record({ method: fc.constant('POST'), path: fc.constant('/api/manufacturing-orders'), type: fc.constant('application/json'), auth: fc.constant<Auth>('admin'), body: json(moBody) }),
  fc.record({ method: fc.constant('GET'), path: query.map((q) => `/api/pull${q}`), type: fc.constant(''), auth: fc.constant<Auth>('station') }),
  fc.record({ method: fc.constantFrom('GET', 'HEAD'), path: fc.constantFrom('/api/stream', '/health', '/metrics'), type: fc.constant(''), auth: authorization }),
  // A HEAD on the live stream once held a stream slot and never answered.
  fc.record({ method: fc.constantFrom('GET', 'HEAD', 'OPTIONS'), path: fc.constant('/api/stream'), type: fc.constant(''), auth: fc.constant<Auth>('station') }),
  fc.record({ method: fc.constant('GET'), path: param('ST-CUT-3').map((p) => `/api/stations/${p}/public-key`), type: fc.constant(''), auth: fc.constant<Auth>('station') }),
  fc.record({ method: fc.constant('POST'), path: param('ST-CUT-3').map((p) => `/api/stations/${p}/revoke`), type: fc.constant(''), auth: fc.constant<Auth>('admin') }),
);

/** Anything on any route: any method, URL, content type, credentials and body. */
const scattered: fc.Arbitrary<Case> = fc
  .tuple(
    fc.constantFrom(...ROUTES),
    fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'GET', 'PROPFIND') }),
    param('ST-CUT-3'),
    query,
    fc.option(body, { nil: undefined }),
    contentType,
    authorization,
  )
  .map(([[routeMethod, template], otherMethod, id, q, payload, type, auth]) => {
    const method = otherMethod ?? routeMethod;
    return { method, path: template.replace('{id}', id) + q, type, auth, body: method === 'GET' || method === 'HEAD' ? undefined : payload };
  });

describe(`sync server under hostile input (${process.env.TEST_DATABASE_URL ? 'pg' : 'pglite'})`, () => {
  // First: the random cases below may revoke the fuzzed station.
  it('oversized, lying and empty bodies', async () => {
    const json = { 'content-type': 'application/json' };
    const big = Buffer.from(JSON.stringify({ events: [{ payload: 'x'.repeat(6 * 1024 * 1024) }] }));
    const cases: [string, Record<string, string>, Buffer | undefined, number][] = [
      ['/api/push', { ...json, ...fuzzed.auth }, big, 413],
      ['/api/enroll', json, big, 413],
      ['/api/push', { ...json, ...fuzzed.auth }, Buffer.alloc(0), 400],
      ['/api/push', { ...json, ...fuzzed.auth }, Buffer.from('{"events":[{"__proto__":{"x":1}}]}'), 400],
      ['/api/push', { ...json, ...fuzzed.auth }, Buffer.from('{"constructor":{"prototype":{"x":1}}}'), 400],
      // Content-Encoding is not supported: the bytes are parsed as they are (here: valid JSON, invalid heartbeat).
      ['/api/heartbeat', { ...json, ...fuzzed.auth, 'content-encoding': 'gzip' }, Buffer.from('{"backlog":1}'), 400],
      ['/api/push', { 'content-type': 'text/plain', ...fuzzed.auth }, Buffer.from('{"events":[]}'), 400],
    ];
    for (const [path, headers, b, status] of cases) {
      const a = await send('POST', path, headers, b);
      if (!a) continue; // the server answered and closed before the whole body was written
      expectHandled(a, path);
      expect(a.status, `${path} ${JSON.stringify(headers)}: ${a.body.slice(0, 200)}`).toBe(status);
    }
  });

  it('every route answers random bodies, content types, credentials and URLs with a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(aimed, scattered), async (c) => {
        const headers: Record<string, string> = {};
        if (c.type !== '') headers['content-type'] = c.type;
        if (c.auth === 'station') headers.authorization = fuzzed.auth.authorization;
        else if (c.auth === 'admin') headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
        else if (c.auth !== 'none') headers.authorization = c.auth.raw;
        const a = await send(c.method, c.path, headers, c.body);
        if (a) expectHandled(a, `${c.method} ${c.path.slice(0, 120)} (${c.type}, ${c.body?.length ?? 0} bytes: ${c.body?.subarray(0, 200).toString()})`);
      }),
      params(RUNS),
    );
  }, 300_000);

  it('random raw bytes and random request and upgrade headers over TCP never get a 5xx or stop the server', async () => {
    const token = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/);
    const headerLine = fc.oneof(
      fc
        .tuple(
          fc.constantFrom('Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Sec-WebSocket-Protocol', 'Content-Length', 'Transfer-Encoding', 'Content-Type', 'Authorization', 'Host', 'Expect', 'Origin', 'Content-Encoding'),
          fc.oneof({ weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 100 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 100 }) }),
        )
        .map(([k, v]) => `${k}: ${v}`),
      fc.tuple(token, fc.string({ unit: 'grapheme-ascii', maxLength: 100 })).map(([k, v]) => `${k}: ${v}`),
      fc.constantFrom(
        'Upgrade: websocket',
        'Connection: Upgrade',
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Content-Length: -1',
        'Content-Length: 99999999999999999999',
        'Content-Length: 5',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Expect: 100-continue',
        `Authorization: Bearer ${TEST_ADMIN_TOKEN}`,
        `X-Long: ${'x'.repeat(20_000)}`,
      ),
    );
    const request = fc
      .tuple(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('PUT', 'CONNECT', 'TRACE', 'G E T'), token) }),
        fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...ROUTES.map(([, p]) => p.replace('{id}', 'ST-CUT-2'))) },
          { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 60 }), fc.constantFrom('*', 'http://evil/', '//x', '/api/%FF')) },
        ),
        fc.oneof({ weight: 4, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/9', '') }),
        fc.array(headerLine, { maxLength: 5 }),
        fc.oneof(fc.constant(''), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('5\r\nhello\r\n0\r\n\r\n', 'zz\r\nhello\r\n', '{"events":[1]}')),
      )
      .map(([m, p, v, hs, b]) => `${m} ${p} ${v}\r\nHost: 127.0.0.1\r\n${hs.join('\r\n')}\r\n\r\n${b}`);
    const raw = fc.oneof(
      { weight: 3, arbitrary: request.map((s) => Buffer.from(s, 'latin1')) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 4096 }).map((b) => Buffer.from(b)) },
    );
    await fc.assert(
      fc.asyncProperty(raw, async (bytes) => {
        const reply = await exchange(bytes);
        for (const m of reply.matchAll(/HTTP\/1\.[01] (\d{3})/g)) {
          expect(Number(m[1]), `${bytes.toString('latin1').slice(0, 200)} → ${reply.slice(0, 300)}`).toBeLessThan(500);
        }
      }),
      params(Math.ceil(RUNS / 2)),
    );
  });

  it('afterwards the server still serves: health up, a valid push applied, a pull answered, nothing logged as an error', async () => {
    const health = await send('GET', '/health', {});
    expect(health).toMatchObject({ status: 200 });
    expect(JSON.parse(health!.body)).toEqual({ ok: true });
    const e = cut('ST-CUT-1', 5);
    const pushed = await send('POST', '/api/push', { ...clean.auth, 'content-type': 'application/json' }, Buffer.from(JSON.stringify({ events: [e] })));
    expect(pushed?.status, pushed?.body).toBe(200);
    expect(JSON.parse(pushed!.body)).toMatchObject({ results: [{ id: e.id, status: 'applied' }], lastAppliedSeq: e.seq });
    const pulled = await send('GET', '/api/pull?limit=1000', clean.auth);
    expect(pulled?.status).toBe(200);
    expect(JSON.parse(pulled!.body).documents.some((d: { kind: string; id: string }) => d.kind === 'stationProgress' && d.id === 'ST-CUT-1')).toBe(true);
    expect(errorLogs).toEqual([]);
    // The fuzzed admin requests may have revoked this one; either way its key still answers.
    expect((await send('GET', '/api/stations/ST-CUT-3/public-key', clean.auth))?.status).toBe(200);
    expect(victim.id).toBe('ST-CUT-3');
  });
});

/** Writes `bytes` on a fresh TCP connection and collects the answer until the server closes or 150 ms pass quietly. */
function exchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(got).toString('latin1'));
    };
    const quiet = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, 150);
    };
    sock.on('data', (d: Buffer) => {
      got.push(d);
      quiet();
    });
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('connect', () => {
      sock.write(bytes);
      quiet();
    });
  });
}
