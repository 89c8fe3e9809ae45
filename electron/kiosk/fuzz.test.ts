/**
 * The kiosk socket under hostile input: a running station core (real StationCore, real SQLite file in a temp dir)
 * and its kiosk server get random HTTP requests, raw bytes, random upgrade headers, random WebSocket frames (built
 * byte by byte: any opcode, reserved bits, unmasked, lying lengths, invalid UTF-8, fragments) and random messages.
 * Afterwards nothing escaped as an uncaught exception (what takes the whole station process down), a valid command
 * still works and `PRAGMA integrity_check` is ok on the station's file.
 * Reproduce a failure with the printed seed: FC_SEED=<seed> FC_RUNS=<n> npx vitest run electron/kiosk/fuzz.test.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COMMANDS } from '../../shared/api';
import { workOrderIdFor } from '../../shared/master';
import { mo } from '../../shared/testing/fixtures';
import { connectKiosk, fetchSessionToken, whenConnected, type WsConstructor } from '../../renderer/transport/ws-client';
import { kioskProtocols } from '../../shared/security/kiosk-session';
import type { StationCore } from '../core/station-core';
import { TEST_PIN, badgeOf, openTestStation, tempDir } from '../core/testing';
import { startKioskServer, type KioskServer } from './server';

const M = mo(9, { route: 'R2', quantity: 1000 });
const RUNS = Number(process.env.FC_RUNS ?? 60);
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

const t = tempDir('qsf-kiosk-fuzz-');
let core: StationCore;
let server: KioskServer;
const uncaught: string[] = [];
const onUncaught = (e: unknown) => void uncaught.push(String(e));

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  const screen = join(t.dir, 'screen');
  mkdirSync(join(screen, 'assets'), { recursive: true });
  writeFileSync(join(screen, 'index.html'), '<!doctype html><title>station</title>');
  writeFileSync(join(screen, 'assets', 'app.js'), 'export {};');
  core = await openTestStation('cutting', join(t.dir, 'station'), [M]);
  server = await startKioskServer(core, { staticDir: screen });
});

afterAll(async () => {
  await server?.close();
  await core?.close();
  process.off('uncaughtException', onUncaught);
  t.cleanup();
});

const hostHeader = () => `127.0.0.1:${server.port}`;

const socketUrl = () => `ws://${hostHeader()}/api`;

/** Headers of an upgrade the server accepts (the fuzzed frames must get past the handshake to reach the parser). */
async function validUpgrade(): Promise<string> {
  const key = randomBytes(16).toString('base64');
  const protocols = kioskProtocols(await fetchSessionToken(socketUrl())).join(', ');
  return `GET /api HTTP/1.1\r\nHost: ${hostHeader()}\r\nOrigin: ${server.origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${protocols}\r\n\r\n`;
}

/**
 * Writes `chunks` to a fresh TCP connection to the kiosk port and collects what comes back until the server closes
 * or `waitMs` passes. A reset is an answer too (the server may drop a bad peer), never a test failure.
 */
function exchange(chunks: readonly (string | Uint8Array)[], waitMs = 60): Promise<Buffer> {
  return new Promise((resolve) => {
    const sock = connect(server.port, '127.0.0.1');
    const got: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(Buffer.concat(got));
    };
    sock.on('data', (d) => got.push(d));
    sock.on('error', finish);
    sock.on('close', finish);
    sock.on('connect', () => {
      for (const c of chunks) sock.write(c);
      setTimeout(finish, waitMs);
    });
  });
}

/** One client-to-server WebSocket frame, byte by byte: nothing about it needs to be valid. */
interface RawFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Uint8Array;
  /** Announce a length other than the payload's (a lie, or a 64-bit length with the top bit set). */
  lengthLie: number | bigint | null;
}

function encodeFrame(f: RawFrame): Buffer {
  const len = f.lengthLie ?? f.payload.length;
  const head: number[] = [(f.fin ? 0x80 : 0) | ((f.rsv & 7) << 4) | (f.opcode & 0x0f)];
  const maskBit = f.masked ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (typeof len === 'bigint' || len > 0xffff) {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(len) & 0xffffffffffffffffn);
  } else if (len > 125) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(len);
  } else head.push(maskBit | len);
  const mask = f.masked ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(f.payload);
  if (f.masked) for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([Buffer.from(head), ext, mask, body]);
}

const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const anyPayload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.string({ maxLength: 200 }).map(text),
  fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v) ?? 'null')),
  fc.constant(new Uint8Array([0xc3, 0x28, 0xff, 0xfe])),
  fc.constant(new Uint8Array([0x03, 0xe8])), // a close code
);
const frameArb: fc.Arbitrary<RawFrame> = fc.record({
  fin: fc.boolean(),
  rsv: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 7 })),
  opcode: fc.oneof(fc.constantFrom(0x0, 0x1, 0x2, 0x8, 0x9, 0xa), fc.integer({ min: 0, max: 15 })),
  masked: fc.oneof(fc.constant(true), fc.boolean()),
  payload: anyPayload,
  lengthLie: fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
    { weight: 1, arbitrary: fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, 2n ** 53n, 300_000n) },
  ),
});

/** Characters that break naive URL handling (percent escapes, IPv6 brackets, backslashes, NUL, non-ASCII). */
const pathArb = fc
  .array(fc.oneof(fc.constantFrom('/', '%', '%zz', '%E0%A4%A', '..', '[', ']', '\\', '?', '#', '@', ':', '//', '%00', 'é', 'api', 'index.html', 'assets'), fc.string({ maxLength: 4 })), { maxLength: 8 })
  .map((parts) => `/${parts.join('')}`.replace(/[\s]/g, ''));

const headerValue = fc.oneof(fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, '')), fc.constantFrom('', 'null', 'websocket', 'Upgrade', '13', 'file://', 'https://evil.example'));

describe('kiosk server under fuzzed input', () => {
  it('survives random HTTP requests and raw bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .record({
              method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS', 'BREW'),
              path: fc.oneof(fc.constant('/api/session'), fc.constant('/health'), pathArb),
              host: fc.oneof(fc.constant(null), headerValue),
              origin: fc.oneof(fc.constant(null), fc.constant('own'), fc.constant('app://station'), headerValue),
            })
            .map((r) => {
              const origin = r.origin === null ? '' : `Origin: ${r.origin === 'own' ? server.origin : r.origin}\r\n`;
              return `${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.host ?? hostHeader()}\r\n${origin}\r\n`;
            }),
          fc.uint8Array({ minLength: 1, maxLength: 2048 }),
          fc.string({ maxLength: 300 }),
        ),
        async (input) => {
          await exchange([input]);
          expect(uncaught).toEqual([]);
        },
      ),
      params,
    );
  }, 120_000);

  it('survives random upgrade requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          path: fc.oneof(fc.constant('/api'), pathArb),
          host: fc.oneof(fc.constant('valid'), fc.constant(null), headerValue),
          origin: fc.oneof(fc.constant(null), fc.constant('own'), headerValue),
          upgrade: fc.oneof(fc.constant('websocket'), fc.constant(null), headerValue),
          connection: fc.oneof(fc.constant('Upgrade'), fc.constant(null), headerValue),
          key: fc.oneof(fc.constant('valid'), fc.constant(null), headerValue),
          version: fc.oneof(fc.constant('13'), fc.constant(null), headerValue),
          protocol: fc.oneof(fc.constant(null), fc.constant('token'), headerValue),
          extensions: fc.oneof(fc.constant(null), fc.constant('permessage-deflate; client_max_window_bits'), headerValue),
          after: fc.uint8Array({ maxLength: 200 }),
        }),
        async (u) => {
          const lines = [`GET ${u.path} HTTP/1.1`];
          const add = (name: string, v: string | null) => v !== null && lines.push(`${name}: ${v}`);
          add('Host', u.host === 'valid' ? hostHeader() : u.host);
          add('Origin', u.origin === 'own' ? `http://${hostHeader()}` : u.origin);
          add('Upgrade', u.upgrade);
          add('Connection', u.connection);
          add('Sec-WebSocket-Key', u.key === 'valid' ? randomBytes(16).toString('base64') : u.key);
          add('Sec-WebSocket-Version', u.version);
          add('Sec-WebSocket-Protocol', u.protocol === 'token' ? kioskProtocols(await fetchSessionToken(socketUrl())).join(', ') : u.protocol);
          add('Sec-WebSocket-Extensions', u.extensions);
          await exchange([`${lines.join('\r\n')}\r\n\r\n`, u.after]);
          expect(uncaught).toEqual([]);
        },
      ),
      params,
    );
  }, 120_000);

  it('survives random frames after a valid handshake', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.boolean(), async (frames, truncate) => {
        const bytes = Buffer.concat(frames.map(encodeFrame));
        const reply = await exchange([await validUpgrade(), truncate ? bytes.subarray(0, Math.max(1, bytes.length - 3)) : bytes]);
        // The frames reached the WebSocket parser (not refused at the handshake).
        expect(reply.subarray(0, 12).toString('latin1')).toBe('HTTP/1.1 101');
        expect(uncaught).toEqual([]);
      }),
      params,
    );
  }, 120_000);

  it('survives random messages on an open socket', async () => {
    const names = Object.keys(COMMANDS);
    const message = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc
        .record({
          t: fc.constantFrom('call', 'sub', 'unsub', 'x'),
          id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null)),
          name: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 20 })),
          topic: fc.oneof(fc.constantFrom('view', 'sync', 'hardware', 'scan'), fc.string({ maxLength: 10 })),
          params: fc.jsonValue({ maxDepth: 4 }),
        })
        .map((m) => JSON.stringify(m)),
      fc.constant(`${'['.repeat(50_000)}${']'.repeat(50_000)}`),
    );
    const ws = new WebSocket(socketUrl(), kioskProtocols(await fetchSessionToken(socketUrl())), { origin: server.origin });
    ws.on('error', () => undefined);
    await new Promise((r) => ws.once('open', r));
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(message, fc.boolean()), { minLength: 1, maxLength: 8 }), async (msgs) => {
          for (const [m, binary] of msgs) if (ws.readyState === ws.OPEN) ws.send(m, { binary });
          await new Promise((r) => setTimeout(r, 5));
          expect(uncaught).toEqual([]);
        }),
        params,
      );
      // A client that only sent bad messages is answered, not dropped.
      expect(ws.readyState).toBe(ws.OPEN);
    } finally {
      ws.close();
    }
  }, 120_000);

  it('afterwards a valid command still works and the station file is intact', async () => {
    const client = connectKiosk(socketUrl(), WebSocket as unknown as WsConstructor);
    try {
      await whenConnected(client);
      expect((await client.call('view.get', {})).station.id).toBe('ST-CUT-1');
      await client.call('session.login', { badge: badgeOf('cutting'), pin: TEST_PIN });
      const ack = await client.call('action.record', {
        action: { type: 'cutting.output', payload: { workOrderId: workOrderIdFor(M.id, 'cutting'), lineId: 'LN-CUT-1', size: 'S', part: 'body', goodQty: 2 } },
      });
      expect(ack.seq).toBe(core.lastSequence);
    } finally {
      client.close();
    }
    expect(uncaught).toEqual([]);
    expect(core.integrityCheck()).toBe('ok');
    // A second connection of its own on the file, as an auditor would open it.
    const file = readdirSync(join(t.dir, 'station')).find((f) => f.endsWith('.sqlite'));
    expect(file).toBeDefined();
    const db = new Database(join(t.dir, 'station', file as string), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
