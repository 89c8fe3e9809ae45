/** Dashboard test helpers: accounts made straight in the database, and a logged-in session (cookie + CSRF token). */
import { request as httpRequest } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Department } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import type { Db } from '../db/types';
import { enrollStation, seedOperatorAndOrder, type EnrolledStation } from '../testing';
import { createAccount } from './accounts';
import { CSRF_HEADER, type DashboardRole, type SessionInfo } from './contract';

export const TEST_PASSWORD = 'correct horse battery';

export interface DashboardLogin {
  cookie: string;
  csrfToken: string;
  /** Headers for a read (cookie) and for a write (cookie + CSRF). */
  read: Record<string, string>;
  write: Record<string, string>;
}

export async function makeAccount(db: Db, id: string, role: DashboardRole, department: Department | null = null): Promise<void> {
  await createAccount(db, { id, name: id, role, department, password: TEST_PASSWORD }, null);
}

/** Logs in through the real route; throws with the answer when it fails. */
export async function loginAs(app: FastifyInstance, id: string, password: string = TEST_PASSWORD): Promise<DashboardLogin> {
  const res = await app.inject({ method: 'POST', url: '/api/dashboard/login', payload: { username: id, password } });
  if (res.statusCode !== 200) throw new Error(`login ${id}: ${res.statusCode} ${res.body}`);
  const setCookie = res.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!first) throw new Error('login set no cookie');
  const cookie = first.split(';')[0] as string;
  const { csrfToken } = res.json<SessionInfo>();
  return { cookie, csrfToken, read: { cookie }, write: { cookie, [CSRF_HEADER]: csrfToken } };
}

export interface OpenLiveStream {
  /** The `data:` lines received so far. */
  messages: string[];
  /** Settles when the server ends the stream (or `close` aborts it). */
  ended: Promise<void>;
  /** The stream ended without `close` (the server ended it, or the connection failed). */
  endedEarly: boolean;
  close(): void;
}

/**
 * A dashboard live stream (SSE) over a real socket, read as it arrives (`path`: the live channel with the /views
 * query, views-sync.ts livePath; default: holding nothing): each `data:` line to `onData`, else kept in `messages`.
 * Fails unless the server answers 200. Read with node:http as a browser's EventSource reads (natively): the load
 * test's and the dashboard benchmark's 50 streams share the server's cores, and fetch's web streams (a promise and a
 * decoder step per chunk) were work the server's pushes waited behind, not the server's own.
 */
export function openLiveStream(base: string, headers: Record<string, string>, path = '/api/dashboard/live', onData?: (data: string) => void): Promise<OpenLiveStream> {
  return new Promise<OpenLiveStream>((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { headers }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`live stream: ${res.statusCode}`));
        return;
      }
      const messages: string[] = [];
      const take = onData ?? ((data: string) => void messages.push(data));
      let closing = false;
      let ended = () => undefined as void;
      const stream: OpenLiveStream = {
        messages,
        ended: new Promise<void>((done) => (ended = done)),
        endedEarly: false,
        close: () => {
          closing = true;
          req.destroy();
        },
      };
      const end = () => {
        if (!closing) stream.endedEarly = true;
        ended();
      };
      // A message may come in several chunks (a whole view is tens of kilobytes): lines are taken whole.
      let rest = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        try {
          for (const line of lines) if (line.startsWith('data: ')) take(line.slice(6));
        } catch {
          // The reader failed on a message: the stream ends early, as a failed connection would.
          req.destroy();
        }
      });
      res.on('error', () => undefined);
      res.on('close', end);
      resolve(stream);
    });
    // Before the answer: the stream could not open. After: its end is the response's `close`.
    req.on('error', reject);
    req.end();
  });
}

/** A small floor for the views' tests: orders mo(1) and mo(2), cutters OP-CUT1 and OP-CUT2 (PIN 1357), cutting station ST-CUT-1. */
export async function seedCuttingFloor(app: FastifyInstance): Promise<EnrolledStation> {
  await seedOperatorAndOrder(app, { id: 'OP-CUT1', name: 'Cutter', roles: ['operator'], departments: ['cutting'], pin: '1357' }, mo(1));
  await seedOperatorAndOrder(app, { id: 'OP-CUT2', name: 'Cutter 2', roles: ['operator'], departments: ['cutting'], pin: '1357' }, mo(2));
  return enrollStation(app, 'ST-CUT-1', 'cutting');
}
