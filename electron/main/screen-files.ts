/**
 * Serves the built station screen (dist/renderer/station) on `app://station/…` with the screen's CSP. A path that
 * is not a file of the screen answers index.html (the screen is one page); one that escapes the folder, or another
 * host, answers 404.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { SCREEN_CSP } from './hardening';
import { APP_HOST, isAppUrl } from './screen-origin';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** The file an `app://station/…` URL names inside `root`, or undefined (404). */
export function screenFileFor(url: string, root: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  const base = resolve(root);
  let file: string;
  try {
    const u = new URL(url);
    if (u.host !== APP_HOST) return undefined;
    file = normalize(join(base, decodeURIComponent(u.pathname)));
  } catch {
    return undefined;
  }
  if (file !== base && !file.startsWith(base + sep)) return undefined;
  if (!existsSync(file) || statSync(file).isDirectory()) file = join(base, 'index.html');
  return existsSync(file) ? file : undefined;
}

export function serveScreen(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    const file = screenFileFor(request.url, root);
    if (!file) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
    const body = await readFile(file);
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': SCREEN_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  };
}
