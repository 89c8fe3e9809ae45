/**
 * index.html asks for the session while the bundle loads (`<link rel="preload">`); the store's boot() then reads it from
 * that answer only if it asks for exactly the same URL, the same way, which this test keeps so: a change to what
 * boot() asks fails here rather than silently asking twice.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { viewsPath } from '../../sync-server/dashboard/views-sync';
import { api } from './api';
import { FIRST_VIEWS_PATH, GET_INIT, startEarlyReads, takeEarlyRead } from './early-reads';
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

describe('the views read started as the bundle begins to run (early-reads.ts)', () => {
  const floorViews = viewsPath({ instance: null }, 'open', liveViewsOf('floor'));

  it('is the path boot() asks for on a plain visit', () => {
    expect(FIRST_VIEWS_PATH).toBe(floorViews);
  });

  it('answers boot()’s first views read, once; a later read of the same path asks the server again', async () => {
    vi.stubGlobal('location', { hash: '' });
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      expect(init).toMatchObject(GET_INIT);
      asked.push(url);
      return new Response(JSON.stringify({ error: 'no_session' }), { status: 401 });
    });
    startEarlyReads('');
    expect(asked).toEqual([floorViews]);
    const dashboard = createDashboard({ getItem: () => null, setItem: () => undefined });
    await dashboard.boot();
    // boot() asked the session only: its views read was the one already on its way.
    expect(asked).toEqual([floorViews, '/api/dashboard/session']);
    expect(takeEarlyRead(floorViews)).toBeUndefined();
    await expect(api.views({ instance: null }, 'open', liveViewsOf('floor'))).rejects.toMatchObject({ status: 401 });
    expect(asked).toEqual([floorViews, '/api/dashboard/session', floorViews]);
  });

  it('starts nothing when the address names a view (its first read is another)', () => {
    const fetched = vi.fn();
    vi.stubGlobal('fetch', fetched);
    startEarlyReads('#orders');
    expect(fetched).not.toHaveBeenCalled();
    expect(takeEarlyRead(floorViews)).toBeUndefined();
  });
});
