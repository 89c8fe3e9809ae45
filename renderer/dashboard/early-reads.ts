/**
 * The screen's first read of the views, started as the bundle begins to run: main.tsx imports early-start.ts first,
 * which imports only this module, so it runs before React, the contracts' schemas and the screens are evaluated (~200 ms on the
 * station-grade PCs the bench stands for) instead of after them, when boot() would ask. The bundle has arrived by
 * then, so its own answer is not held up by the server computing the views (index.html's preload of the views did
 * that: see there). Only on a plain visit (no `#view` in the address), whose first read is FIRST_VIEWS_PATH;
 * early-reads.test.ts checks that it is the path boot() asks for then.
 *
 * api.ts `call` takes a read started here for its first GET of the same path, once; any other read goes out as usual.
 */

/** boot()'s first views read on a plain visit: the Floor's live views (store.ts liveViewsOf('floor')), Conflicts open. */
export const FIRST_VIEWS_PATH = '/api/dashboard/views?show=open&views=floor%2Calerts%2Cconflicts';

/** As api.ts `call` asks a GET (so the same request, cookies for this origin only). */
export const GET_INIT: RequestInit = { method: 'GET', headers: {}, credentials: 'same-origin' };

const started = new Map<string, Promise<Response>>();

/** Starts the first views read when the address names no view (a visit to the Floor). */
export function startEarlyReads(hash: string): void {
  if (hash !== '' && hash !== '#') return;
  // A failed request is answered as a later one would be: call() sees the same rejection.
  const read = fetch(FIRST_VIEWS_PATH, GET_INIT);
  read.catch(() => undefined);
  started.set(FIRST_VIEWS_PATH, read);
}

/** The read started early for `path`, taken (a second ask reads again), or undefined. */
export function takeEarlyRead(path: string): Promise<Response> | undefined {
  const read = started.get(path);
  started.delete(path);
  return read;
}
