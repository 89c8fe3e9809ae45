/** Helpers for the server's tests: an app per test file, enrolled stations, pushes, stored documents, live streams. */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type BuildAppOptions } from './app';
import { createTestDb, type TestDb } from './db/testing';
import type { Db } from './db/types';
import { StreamMessage } from '../shared/sync';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface EnrolledStation {
  id: string;
  department: string;
  token: string;
  publicKey: string;
  privateKey: KeyObject;
  auth: { authorization: string };
}

/** Issues a code with the admin token and enrolls the station with a fresh Ed25519 key pair. */
export async function enrollStation(
  app: FastifyInstance,
  stationId: string,
  department: string,
  adminToken: string = TEST_ADMIN_TOKEN,
): Promise<EnrolledStation> {
  const issued = await app.inject({
    method: 'POST',
    url: '/api/enrollment-codes',
    headers: { authorization: `Bearer ${adminToken}` },
    payload: { stationId, department },
  });
  if (issued.statusCode !== 201) throw new Error(`issue code: ${issued.statusCode} ${issued.body}`);
  const { code } = issued.json<{ code: string }>();
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  if (!jwk.x) throw new Error('no raw key in JWK');
  const enrolled = await app.inject({
    method: 'POST',
    url: '/api/enroll',
    payload: { code, stationId, publicKey: jwk.x },
  });
  if (enrolled.statusCode !== 200) throw new Error(`enroll: ${enrolled.statusCode} ${enrolled.body}`);
  const { token } = enrolled.json<{ token: string }>();
  return { id: stationId, department, token, publicKey: jwk.x, privateKey, auth: { authorization: `Bearer ${token}` } };
}

/** The office adds a floor operator and a manufacturing order with the admin token (test set-up; fails loudly). */
export async function seedOperatorAndOrder(
  app: FastifyInstance,
  operator: { id: string; name: string; roles: string[]; departments: string[]; pin: string },
  order: unknown,
  adminToken: string = TEST_ADMIN_TOKEN,
): Promise<void> {
  const headers = { authorization: `Bearer ${adminToken}` };
  for (const [url, payload] of [['/api/operators', operator], ['/api/manufacturing-orders', order]] as const) {
    const res = await app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
    if (res.statusCode !== 201) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  }
}

export interface TestStream {
  messages: StreamMessage[];
  /** Resolves with the first message (from the start of the stream) matching `pred`. */
  waitFor(pred: (m: StreamMessage) => boolean, timeoutMs?: number): Promise<StreamMessage>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Opens /api/stream on a listening server (SSE needs a real socket, not inject) and parses its data lines. */
export async function openStream(baseUrl: string, token: string): Promise<TestStream> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/api/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  if (res.status !== 200 || !res.body) throw new Error(`stream: ${res.status} ${await res.text()}`);
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const ended = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          for (const line of frame.split('\n')) {
            if (line.startsWith('data: ')) messages.push(StreamMessage.parse(JSON.parse(line.slice(6))));
          }
          for (const w of waiters) w();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    messages,
    ended,
    close: () => abort.abort(),
    waitFor(pred, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (m !== undefined) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching stream message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

export interface ListeningTestServer {
  app: FastifyInstance;
  db: TestDb;
  base: string;
  /** POST as the office (admin token); throws with the server's answer on an error status. */
  adminPost(path: string, body: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The server app on `db`, listening on 127.0.0.1 (a free port). */
export async function listenOn(db: Db): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({ db, adminToken: TEST_ADMIN_TOKEN, heartbeatMs: 1_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, port: (app.server.address() as { port: number }).port };
}

/** POST as the office (admin token) to the server at `base`; throws with the server's answer on an error status. */
export function adminPoster(base: string): (path: string, body: unknown) => Promise<Record<string, unknown>> {
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  return async (path, body) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
}

/** A real listening server on 127.0.0.1 over a fresh test database (real PostgreSQL with TEST_DATABASE_URL, else PGlite). */
export async function startTestServer(): Promise<ListeningTestServer> {
  const db = await createTestDb();
  const { app, port } = await listenOn(db.db);
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    db,
    base,
    adminPost: adminPoster(base),
    async close() {
      await app.close();
      await db.cleanup();
    },
  };
}

export interface FileApp {
  /** The file's app (inject requests); built before the file's own beforeAll hooks run. */
  readonly app: FastifyInstance;
  /** Its database. */
  readonly db: Db;
}

/**
 * A fresh test database and an app on it (admin token TEST_ADMIN_TOKEN) for the calling test file: built in a
 * beforeAll registered by this call, closed in an afterAll. Read `app` and `db` in hooks and tests, not at load.
 */
export function appForFile(options: Omit<BuildAppOptions, 'db' | 'adminToken'> = {}): FileApp {
  let t: TestDb | undefined;
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    t = await createTestDb();
    app = await buildApp({ db: t.db, adminToken: TEST_ADMIN_TOKEN, ...options });
  });
  afterAll(async () => {
    await app?.close();
    await t?.cleanup();
  });
  const built = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('appForFile: the app is built in beforeAll; read it in hooks and tests');
    return value;
  };
  return {
    get app() {
      return built(app);
    },
    get db() {
      return built(t).db;
    },
  };
}

/** POST /api/push of `events` as an enrolled station; the answer is the caller's to check. */
export function pushAs(app: FastifyInstance, station: EnrolledStation | undefined, events: readonly unknown[]) {
  if (!station) throw new Error('pushAs: no such enrolled station');
  return app.inject({ method: 'POST', url: '/api/push', headers: station.auth, payload: { events } });
}

/** The body of a stored document, undefined when there is none. */
export async function storedBody<T>(db: Db, kind: string, id: string): Promise<T | undefined> {
  const [row] = await db.query<{ body: T }>('SELECT body FROM documents WHERE kind = $1 AND id = $2', [kind, id]);
  return row?.body;
}
