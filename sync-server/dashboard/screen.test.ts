/**
 * The dashboard's built screen as served (screen.ts): index.html with its CSP; the hashed assets, gzipped to a browser
 * that takes gzip and as they are to one that does not (or refuses it, q=0), the same bytes either way; an unknown
 * file is a 404.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsGzip, registerDashboardScreen } from './screen';

let dir: string;
let app: FastifyInstance;
const BUNDLE = `export const rows = [${Array.from({ length: 2_000 }, (_, i) => `{ id: 'MO-${i}', wip: ${i % 7} }`).join(', ')}];\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qsf-screen-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/assets/index-abc.js"></script>');
  writeFileSync(join(dir, 'assets', 'index-abc.js'), BUNDLE);
  writeFileSync(join(dir, 'assets', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  app = Fastify();
  registerDashboardScreen(app, dir);
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard screen as served', () => {
  it('sends index.html with its CSP', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.body).toContain('/assets/index-abc.js');
  });

  it('gzips a script for a browser that takes gzip, the same bytes unzipped; as it is otherwise', async () => {
    const zipped = await app.inject({ method: 'GET', url: '/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.rawPayload.length).toBeLessThan(BUNDLE.length / 3);
    expect(gunzipSync(zipped.rawPayload).toString('utf8')).toBe(BUNDLE);
    for (const encoding of [undefined, 'identity', 'gzip;q=0, br']) {
      const plain = await app.inject({ method: 'GET', url: '/assets/index-abc.js', headers: encoding === undefined ? {} : { 'accept-encoding': encoding } });
      expect(plain.headers['content-encoding'], String(encoding)).toBeUndefined();
      expect(plain.body).toBe(BUNDLE);
    }
  });

  it('sends an image as it is, and 404 for a file not in the build', async () => {
    const png = await app.inject({ method: 'GET', url: '/assets/logo.png', headers: { 'accept-encoding': 'gzip' } });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.rawPayload).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect((await app.inject({ method: 'GET', url: '/assets/..%2Findex.html' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/other.js' })).statusCode).toBe(404);
  });

  it('reads Accept-Encoding as browsers write it', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip(['br', 'gzip'])).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('br, deflate')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});
