/**
 * The dashboard's live views in a worker thread (started by views-host.ts): its own PostgreSQL pool on the server's
 * database, the same computation as in the server's thread (live-views.ts), and only JSON text back. So the views'
 * reads, their recomputation, the deltas' serialisation and the garbage all that makes happen run beside the event
 * loop that answers the stations' pushes, not on it; that loop only hands the finished text to the dashboards.
 *
 * Messages in (`ViewsRequest`): a /views update or one whole view for a viewer; out (`ViewsReply`): the answer's JSON
 * (with the revisions it brings the screen to) or the error's message, by the request's id, and the pool's warnings as `log`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { createPgDb } from '../db/pg';
import { liveViews } from './live-views';
import { ViewsRequest, type ViewsReply } from './views-host';

const port = parentPort;
if (!port) throw new Error('views-worker.ts runs only as a worker thread (views-host.ts starts it)');
const { connectionString, poolMax } = z.object({ connectionString: z.string(), poolMax: z.number().int().positive() }).parse(workerData);

const send = (reply: ViewsReply) => port.postMessage(reply);
const db = createPgDb({ connectionString, max: poolMax, log: { warn: (obj, msg) => send({ type: 'log', msg, err: errorText(obj) }) } });
const views = liveViews(db);

function errorText(x: unknown): string {
  if (x instanceof Error) return x.message;
  const err = (x as { err?: unknown } | null)?.err;
  return err instanceof Error ? err.message : String(err ?? '');
}

port.on('message', (raw: unknown) => {
  const req = ViewsRequest.parse(raw);
  const failed = (err: unknown) => send({ type: 'failed', id: req.id, message: errorText(err) });
  if (req.op === 'update') views.update(req.viewer, req.held).then((a) => send({ type: 'update', id: req.id, ...a }), failed);
  else views.whole(req.view, req.viewer, req.show).then((json) => send({ type: 'answer', id: req.id, json }), failed);
});
port.on('close', () => void db.close());
