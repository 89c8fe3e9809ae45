/**
 * index.html asks for the session while the bundle loads (`<link rel="preload">`); the store's boot() then reads it from
 * that answer only if it asks for exactly the same URL, the same way, which this test keeps so: a change to what
 * boot() asks fails here rather than silently asking twice.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { viewsPath } from '../../sync-server/dashboard/views-sync';
import { createDashboard, liveViewsOf } from './store';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the read index.html starts early', () => {
  it('is the URL boot() asks for on a plain visit (the Floor), asked the same way', async () => {
    const html = readFileSync(new URL('./index.html', import.meta.url), 'utf8');
    const preloads = [...html.matchAll(/<link rel="preload" href="([^"]+)" as="fetch" crossorigin="anonymous" \/>/g)].map((m) => m[1]!.replaceAll('&amp;', '&'));
    vi.stubGlobal('location', { hash: '' });
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      // As a preload is matched: a GET, no headers of its own, cookies for this origin only.
      expect(init).toMatchObject({ method: 'GET', headers: {}, credentials: 'same-origin' });
      asked.push(url);
      return new Response(JSON.stringify({ error: 'no_session' }), { status: 401 });
    });
    const dashboard = createDashboard({ getItem: () => null, setItem: () => undefined });
    expect(dashboard.store.getState()).toMatchObject({ view: 'floor', conflictsShow: 'open' });
    await dashboard.boot();
    expect(preloads).toEqual(['/api/dashboard/session']);
    // The Floor's views are asked at the same time (not preloaded: see index.html).
    expect([...asked].sort()).toEqual([...preloads, viewsPath({ instance: null }, 'open', liveViewsOf('floor'))].sort());
  });
});
