/**
 * Differential harness: runs one sequence of storage operations against RxDB's memory storage (the reference) and
 * the sqlite storage, feeding both the *same* write rows (same _rev, same _meta.lwt), and returns the first
 * difference. Used by the fast-check property and by the fixed regression cases.
 */
import {
  fillWithDefaultSettings,
  getChangedDocumentsSince,
  normalizeMangoQuery,
  prepareQuery,
  randomToken,
  type BulkWriteRow,
  type EventBulk,
  type MangoQuery,
  type MangoQuerySelector,
  type MangoQuerySortPart,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorage,
  type RxStorageChangeEvent,
  type RxStorageDefaultCheckpoint,
  type RxStorageInstance,
} from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { Subscription } from 'rxjs';
import { getRxStorageSqlite } from './storage';
import { partSchema, type Part } from './testing';

export type PartFields = Omit<Part, 'id'>;
export type RevMode = 'right' | 'wrong' | 'none';

export type WriteOp =
  | { kind: 'upsert'; id: string; fields: PartFields; rev: RevMode }
  | { kind: 'delete'; id: string; rev: RevMode };

export type Op =
  | { op: 'write'; rows: WriteOp[]; lwtStep: number }
  | { op: 'query'; selector: DocSelector; sort: DocSort[]; skip?: number; limit?: number }
  | { op: 'count'; selector: DocSelector }
  | { op: 'findById'; ids: string[]; withDeleted: boolean }
  | { op: 'changedSince'; limit: number; from: 'start' | 'last' | { id: string; lwt: number } }
  | { op: 'cleanup'; minimumDeletedTime: number };

export type DocSelector = MangoQuerySelector<RxDocumentData<Part>>;
export type DocSort = MangoQuerySortPart<RxDocumentData<Part>>;

type Instance = RxStorageInstance<Part, unknown, unknown, RxStorageDefaultCheckpoint>;

export const diffSchema: RxJsonSchema<RxDocumentData<Part>> = fillWithDefaultSettings(partSchema);

/** JSON round trip: compares what a storage *means* (memory keeps object identities, sqlite re-parses JSON). */
function plain<T>(value: T): unknown {
  return value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
}

function eventShape(bulk: EventBulk<RxStorageChangeEvent<Part>, unknown>): unknown {
  return plain({
    context: bulk.context,
    checkpoint: bulk.checkpoint,
    events: bulk.events.map((e) => ({
      operation: e.operation,
      documentId: e.documentId,
      documentData: e.documentData,
      previousDocumentData: e.previousDocumentData,
    })),
  });
}

export type Difference = { step: number; op: Op; memory: unknown; sqlite: unknown };

export async function runDifferential(ops: Op[]): Promise<Difference | undefined> {
  const databaseName = 'diff' + randomToken(8);
  const open = (storage: RxStorage<unknown, unknown>) =>
    storage.createStorageInstance<Part>({
      databaseInstanceToken: 'tok',
      databaseName,
      collectionName: 'parts',
      schema: diffSchema,
      options: {},
      multiInstance: false,
      devMode: true,
    }) as Promise<Instance>;
  const memory = await open(getRxStorageMemory());
  const sqlite = await open(getRxStorageSqlite({ filename: ':memory:' }) as RxStorage<unknown, unknown>);
  const events: { memory: unknown[]; sqlite: unknown[] } = { memory: [], sqlite: [] };
  const subs: Subscription[] = [
    memory.changeStream().subscribe((b) => events.memory.push(eventShape(b))),
    sqlite.changeStream().subscribe((b) => events.sqlite.push(eventShape(b))),
  ];
  let lwt = 1_000_000;
  let revCounter = 0;
  const checkpoints: { memory?: RxStorageDefaultCheckpoint; sqlite?: RxStorageDefaultCheckpoint } = {};

  try {
    for (let step = 0; step < ops.length; step++) {
      const op = ops[step] as Op;
      let m: unknown;
      let s: unknown;
      switch (op.op) {
        case 'write': {
          const rows: BulkWriteRow<Part>[] = [];
          // lwtStep 0 gives every row of this bulk the same lwt: exercises the (lwt, id) tie-break of checkpoints.
          lwt += op.lwtStep / 100 + 0.01;
          let rowLwt = Math.round(lwt * 100) / 100;
          const seen = new Set<string>();
          for (const w of op.rows) {
            if (seen.has(w.id)) {
              continue; // RxDB never sends one id twice in one bulkWrite
            }
            seen.add(w.id);
            const [current] = await memory.findDocumentsById([w.id], true);
            const previous: RxDocumentData<Part> | undefined =
              w.rev === 'none' || !current ? undefined : w.rev === 'right' ? current : { ...current, _rev: '9999-wrong' };
            const base: Part = w.kind === 'upsert' ? { id: w.id, ...w.fields } : current ? stripMeta(current) : stub(w.id);
            revCounter++;
            rows.push({
              previous,
              document: {
                ...base,
                _deleted: w.kind === 'delete',
                _attachments: {},
                _rev: `${revCounter}-r${revCounter}`,
                _meta: { lwt: rowLwt },
              },
            });
            if (op.lwtStep % 2 === 1) {
              rowLwt = Math.round((rowLwt + 0.01) * 100) / 100;
              lwt = rowLwt;
            }
          }
          const [mr, sr] = [await memory.bulkWrite(rows, 'diff'), await sqlite.bulkWrite(rows, 'diff')];
          m = plain(mr.error.map((e) => ({ status: e.status, id: e.documentId, inDb: 'documentInDb' in e ? e.documentInDb : null })));
          s = plain(sr.error.map((e) => ({ status: e.status, id: e.documentId, inDb: 'documentInDb' in e ? e.documentInDb : null })));
          break;
        }
        case 'query':
        case 'count': {
          const mango: MangoQuery<RxDocumentData<Part>> = { selector: op.selector };
          if (op.op === 'query') {
            mango.sort = op.sort;
            if (op.skip !== undefined) mango.skip = op.skip;
            if (op.limit !== undefined) mango.limit = op.limit;
          }
          const prepared = prepareQuery<Part>(diffSchema, normalizeMangoQuery<RxDocumentData<Part>>(diffSchema, mango));
          if (op.op === 'query') {
            m = plain((await memory.query(prepared)).documents);
            s = plain((await sqlite.query(prepared)).documents);
          } else {
            m = (await memory.count(prepared)).count;
            s = (await sqlite.count(prepared)).count;
          }
          break;
        }
        case 'findById':
          m = plain(await memory.findDocumentsById(op.ids, op.withDeleted));
          s = plain(await sqlite.findDocumentsById(op.ids, op.withDeleted));
          break;
        case 'changedSince': {
          const from = (which: 'memory' | 'sqlite') =>
            op.from === 'start' ? undefined : op.from === 'last' ? checkpoints[which] : op.from;
          // Memory has no getChangedDocumentsSince: RxDB's helper falls back to its checkpoint query on it.
          const mres = await getChangedDocumentsSince(memory, op.limit, from('memory'));
          const sres = await getChangedDocumentsSince(sqlite, op.limit, from('sqlite'));
          checkpoints.memory = mres.checkpoint;
          checkpoints.sqlite = sres.checkpoint;
          m = plain(mres);
          s = plain(sres);
          break;
        }
        case 'cleanup':
          m = await memory.cleanup(op.minimumDeletedTime);
          s = await sqlite.cleanup(op.minimumDeletedTime);
          // What is left after purging (including tombstones) must agree too.
          m = [m, plain(await allDocs(memory))];
          s = [s, plain(await allDocs(sqlite))];
          break;
      }
      if (JSON.stringify(m) !== JSON.stringify(s)) {
        return { step, op, memory: m, sqlite: s };
      }
    }
    if (JSON.stringify(events.memory) !== JSON.stringify(events.sqlite)) {
      return { step: ops.length, op: { op: 'cleanup', minimumDeletedTime: -1 }, memory: events.memory, sqlite: events.sqlite };
    }
    return undefined;
  } finally {
    subs.forEach((sub) => sub.unsubscribe());
    await memory.remove();
    await sqlite.remove();
  }
}

async function allDocs(instance: Instance): Promise<RxDocumentData<Part>[]> {
  const prepared = prepareQuery<Part>(diffSchema, normalizeMangoQuery<RxDocumentData<Part>>(diffSchema, { selector: {} }));
  return (await instance.query(prepared)).documents;
}

function stripMeta(doc: RxDocumentData<Part>): Part {
  const { _deleted: _d, _attachments: _a, _rev: _r, _meta: _m, ...rest } = doc;
  return rest;
}

function stub(id: string): Part {
  return { id, name: 'stub', qty: 0, station: 'none', done: false };
}
