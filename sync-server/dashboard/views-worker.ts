/**
 * The dashboard's live views in a worker thread (started by views-host.ts): its own PostgreSQL pool on the server's
 * database, the same computation as in the server's thread (live-views.ts), and only JSON text back. So the views'
 * reads, their recomputation, the deltas' serialisation and the garbage all that makes happen run beside the event
 * loop that answers the stations' pushes, not on it; that loop only hands the finished text to the dashboards.
 *
 * Messages in (`ViewsRequest`): the /views updates of one turn of the server's event loop, one whole view for a viewer,
 * the Floor's orders found, or the first views kept current (`keep`);
 * out (`ViewsReply`): the answers' JSON (with the revisions each brings its screen to) or the error's message, by the
 * request's id, and the pool's warnings as `log`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { createPgDb, SERVER_POOL_MIN } from '../db/pg';
import { lowerThreadPriority } from '../worker-thread';
import { liveViews, type ViewsAnswer } from './live-views';
import { ViewsRequest, type ViewsReply } from './views-host';

const port = parentPort;
if (!port) throw new Error('views-worker.ts runs only as a worker thread (views-host.ts starts it)');
const { connectionString, poolMax, nice } = z.object({ connectionString: z.string(), poolMax: z.number().int().positive(), nice: z.number().int().min(0).max(19) }).parse(workerData);
// The stations' pushes before the dashboards: when the cores are all busy, this thread waits (views-host.ts).
lowerThreadPriority(nice);

const send = (reply: ViewsReply) => port.postMessage(reply);
const db = createPgDb({ connectionString, max: poolMax, min: SERVER_POOL_MIN, log: { warn: (obj, msg) => send({ type: 'log', msg, err: errorText(obj) }) } });
const views = liveViews(db);

function errorText(x: unknown): string {
  if (x instanceof Error) return x.message;
  const err = (x as { err?: unknown } | null)?.err;
  return err instanceof Error ? err.message : String(err ?? '');
}

port.on('message', (raw: unknown) => {
  const req = ViewsRequest.parse(raw);
  const failed = (err: unknown) => send({ type: 'failed', id: req.id, message: errorText(err) });
  const answer = (json: string) => send({ type: 'answer', id: req.id, json });
  if (req.op === 'updates') answerUpdates(req.id, req.asks).catch(failed);
  else if (req.op === 'whole') views.whole(req.view, req.viewer, req.show).then(answer, failed);
  else if (req.op === 'floorOrders') views.floorOrders(req.query).then(answer, failed);
  else views.keep(req.aging).then(() => answer(''), failed);
});

/**
 * A turn's updates, asked together (live-views.ts answers the alike ones with one computation and the same answer):
 * each distinct answer and each distinct text sent once, each ask told which, or why it failed.
 */
async function answerUpdates(id: number, asks: Extract<z.output<typeof ViewsRequest>, { op: 'updates' }>['asks']): Promise<void> {
  const settled = await Promise.allSettled(asks.map((a) => views.update(a.viewer, a.held)));
  const bytes: Uint8Array[] = [];
  const byteIndex = new Map<Uint8Array, number>();
  const answers: Extract<ViewsReply, { type: 'updates' }>['answers'] = [];
  const answerIndex = new Map<ViewsAnswer, number>();
  const results = settled.map((s) => {
    if (s.status === 'rejected') return { failed: errorText(s.reason) };
    let i = answerIndex.get(s.value);
    if (i === undefined) {
      let b = byteIndex.get(s.value.json);
      if (b === undefined) {
        b = bytes.push(s.value.json) - 1;
        byteIndex.set(s.value.json, b);
      }
      i = answers.push({ bytes: b, revisions: s.value.revisions, news: s.value.news, asOf: s.value.asOf }) - 1;
      answerIndex.set(s.value, i);
    }
    return { answer: i };
  });
  send({ type: 'updates', id, bytes, answers, results });
}

port.on('close', () => void db.close());
