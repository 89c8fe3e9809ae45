/**
 * RxDB's own replication test suite (`runReplicationBaseTestSuite` from rxdb/plugins/test-utils) with this SQLite
 * storage on the client side: live push/pull between two collections through one master, conflicts resolved to the
 * master's state. The master is a small in-memory backend implementing RxDB's documented replication protocol
 * (checkpointed pull, push returning conflicts, a change stream), so the suite exercises what the storage must get
 * right for replication: change streams after commit, checkpoints (`getChangedDocumentsSince`), revisions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterAll, describe, it } from 'vitest';
import { addRxPlugin, lastOfArray, type RxCollection, type RxReplicationPullStreamItem, type WithDeleted } from 'rxdb';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { runReplicationBaseTestSuite, setConfig } from 'rxdb/plugins/test-utils';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { getRxStorageSqlite } from './index';

type Doc = WithDeleted<Record<string, unknown>>;
type Checkpoint = { id: string; updatedAt: number };

const dir = mkdtempSync(join(tmpdir(), 'qsf-rxrepl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The suite's collections use dev-mode (ignoreDuplicate) and local documents.
addRxPlugin(RxDBDevModePlugin);
addRxPlugin(RxDBLocalDocumentsPlugin);

// The suite is written for mocha's globals; vitest's describe/it are the same shape.
Object.assign(globalThis, { describe, it });

setConfig({
  storage: {
    name: 'quty-sqlite',
    getStorage: () => wrappedValidateAjvStorage({ storage: getRxStorageSqlite({ databaseDirectory: dir }) }),
    getPerformanceStorage: () => ({ storage: getRxStorageSqlite({ databaseDirectory: dir }), description: 'quty-sqlite' }),
    hasPersistence: true,
    hasMultiInstance: false,
    hasAttachments: false,
    hasReplication: true,
  },
});

/** An in-memory master: the shared server endpoint every replicated collection talks to. */
const master = new Map<string, { doc: Doc; updatedAt: number }>();
let clock = 0;
const changes$ = new Subject<RxReplicationPullStreamItem<Doc, Checkpoint>>();
const PRIMARY = 'passportId';

function stripMeta(d: Record<string, unknown>): Record<string, unknown> {
  const { _meta: _m, _rev: _r, _attachments: _a, ...rest } = d;
  return rest;
}
function same(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return JSON.stringify(a ? stripMeta(a) : null) === JSON.stringify(b ? stripMeta(b) : null);
}

async function pull(checkpoint: Checkpoint | undefined, batchSize: number) {
  const rows = [...master.values()]
    .filter((r) => !checkpoint || r.updatedAt > checkpoint.updatedAt || (r.updatedAt === checkpoint.updatedAt && String(r.doc[PRIMARY]) > checkpoint.id))
    .sort((a, b) => a.updatedAt - b.updatedAt || String(a.doc[PRIMARY]).localeCompare(String(b.doc[PRIMARY])))
    .slice(0, batchSize);
  const last = lastOfArray(rows);
  return { documents: rows.map((r) => r.doc), checkpoint: last ? { id: String(last.doc[PRIMARY]), updatedAt: last.updatedAt } : checkpoint };
}

async function push(rows: { assumedMasterState?: Doc; newDocumentState: Doc }[]): Promise<Doc[]> {
  const conflicts: Doc[] = [];
  const written: { doc: Doc; updatedAt: number }[] = [];
  for (const row of rows) {
    const id = String(row.newDocumentState[PRIMARY]);
    const current = master.get(id);
    if (current && !same(current.doc, row.assumedMasterState)) {
      conflicts.push(current.doc);
      continue;
    }
    const entry = { doc: { ...stripMeta(row.newDocumentState), _deleted: row.newDocumentState._deleted } as Doc, updatedAt: ++clock };
    master.set(id, entry);
    written.push(entry);
  }
  const last = lastOfArray(written);
  if (last) changes$.next({ documents: written.map((w) => w.doc), checkpoint: { id: String(last.doc[PRIMARY]), updatedAt: last.updatedAt } });
  return conflicts;
}

function replicate(collection: RxCollection, live: boolean) {
  return replicateRxCollection<Doc, Checkpoint>({
    collection: collection as unknown as RxCollection<Doc>,
    // Stable per collection: a later one-shot sync must know the master state the previous one saw.
    replicationIdentifier: `suite-${collection.database.name}-${collection.name}`,
    live,
    retryTime: 50,
    push: { handler: push, batchSize: 10 },
    pull: { handler: pull, batchSize: 10, stream$: live ? changes$.asObservable() : undefined },
  });
}

describe('RxDB replication base test suite on the SQLite storage', () => {
  runReplicationBaseTestSuite({
    startReplication: (collection) => replicate(collection, true),
    syncOnce: async (collection) => {
      const state = replicate(collection, false);
      await state.awaitInitialReplication();
      // A conflict found while pushing is resolved (master wins) and written locally after the first pass.
      await state.awaitInSync();
      await state.cancel();
    },
    getAllServerDocs: async () => [...master.values()].map((r) => r.doc),
    cleanUpServer: async () => {
      master.clear();
    },
    softDeletes: true,
    isDeleted: (d: Doc) => d._deleted,
    getPrimaryOfServerDoc: (d: Doc) => String(d[PRIMARY]),
  });
});
