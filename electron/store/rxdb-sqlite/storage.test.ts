import { statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fillWithDefaultSettings, now, type BulkWriteRow, type RxDocumentData } from 'rxdb';
import { getRxStorageSqlite, getSqliteDatabase, type RxStorageInstanceSqlite } from './index';
import { makeTempDir, partSchema, type Part } from './testing';

const schema = fillWithDefaultSettings(partSchema);
const tmp = makeTempDir('rxsqlite-storage-');
afterAll(() => tmp.cleanup());

async function open(databaseName: string, collectionName = 'parts', s = schema): Promise<RxStorageInstanceSqlite<Part>> {
  return (await getRxStorageSqlite({ databaseDirectory: tmp.dir }).createStorageInstance<Part>({
    databaseInstanceToken: 't',
    databaseName,
    collectionName,
    schema: s,
    options: {},
    multiInstance: false,
    devMode: true,
  })) as RxStorageInstanceSqlite<Part>;
}

function row(id: string, lwt: number, deleted = false, previous?: RxDocumentData<Part>): BulkWriteRow<Part> {
  return {
    previous,
    document: {
      id,
      name: 'n-' + id,
      qty: 1,
      station: 'sew',
      done: false,
      _deleted: deleted,
      _attachments: {},
      _rev: (previous ? Number(previous._rev.split('-')[0]) + 1 : 1) + '-t',
      _meta: { lwt },
    },
  };
}

describe('storage instance behaviour', () => {
  it('cleanup purges only tombstones older than minimumDeletedTime', async () => {
    const inst = await open('cleanup');
    const t = now();
    await inst.bulkWrite([row('old', t - 10_000, true), row('young', t - 100, true), row('live', t - 10_000)], 'c');
    expect(await inst.cleanup(5_000)).toBe(true);
    const left = await inst.findDocumentsById(['old', 'young', 'live'], true);
    expect(left.map((d) => d.id).sort()).toEqual(['live', 'young']);
    await inst.cleanup(0);
    expect((await inst.findDocumentsById(['young'], true)).length).toBe(0);
    await inst.remove();
  });

  it('emits the change stream after commit, with the newest document as checkpoint', async () => {
    const inst = await open('stream');
    const seen: { ids: string[]; checkpoint: unknown; visible: number }[] = [];
    const sub = inst.changeStream().subscribe((bulk) => {
      // The write must already be committed and readable when the event arrives.
      const visible = getSqliteDatabase(inst).prepare(`SELECT COUNT(*) FROM "stream__parts__v0"`).pluck().get() as number;
      seen.push({ ids: bulk.events.map((e) => e.documentId), checkpoint: bulk.checkpoint, visible });
    });
    await inst.bulkWrite([row('a', 1000), row('b', 1001)], 'w');
    const res = await inst.bulkWrite([row('a', 1002)], 'conflict'); // no previous: 409, no event
    expect(res.error[0]).toMatchObject({ status: 409, documentId: 'a', documentInDb: { id: 'a', _rev: '1-t' } });
    sub.unsubscribe();
    expect(seen).toEqual([{ ids: ['a', 'b'], checkpoint: { id: 'b', lwt: 1001 }, visible: 2 }]);
    await inst.remove();
  });

  it('rolls back the whole bulkWrite when one row fails in SQLite', async () => {
    const inst = await open('atomic');
    // The same new id twice in one bulk: RxDB would never send it; SQLite's primary key rejects the second row.
    await expect(inst.bulkWrite([row('x', 1000), row('y', 1000), row('x', 1001)], 'dup')).rejects.toThrow(/UNIQUE/);
    expect(await inst.findDocumentsById(['x', 'y'], true)).toEqual([]);
    await inst.remove();
  });

  it('pages through getChangedDocumentsSince with (lwt, id) checkpoints', async () => {
    const inst = await open('changes');
    await inst.bulkWrite(['c', 'a', 'b', 'd', 'e'].map((id, i) => row(id, 1000 + Math.floor(i / 2))), 'w');
    const order: string[] = [];
    let checkpoint: { id: string; lwt: number } | undefined;
    for (;;) {
      const page = await inst.getChangedDocumentsSince(2, checkpoint);
      if (page.documents.length === 0) break;
      order.push(...page.documents.map((d) => d.id));
      checkpoint = page.checkpoint;
    }
    // lwt 1000: c,a -> a,c; lwt 1001: b,d -> b,d; lwt 1002: e
    expect(order).toEqual(['a', 'c', 'b', 'd', 'e']);
    await inst.remove();
  });

  it('shares one connection and one change stream between instances of the same collection', async () => {
    const one = await open('shared');
    const two = await open('shared');
    const other = await open('shared', 'other');
    expect(getSqliteDatabase(one)).toBe(getSqliteDatabase(two));
    expect(getSqliteDatabase(one)).toBe(getSqliteDatabase(other));
    const events: string[] = [];
    const sub = two.changeStream().subscribe((b) => events.push(...b.events.map((e) => e.documentId)));
    await one.bulkWrite([row('z', 1000)], 'w');
    sub.unsubscribe();
    expect(events).toEqual(['z']);
    await one.close();
    // Still open for the others after one instance closed.
    expect((await two.findDocumentsById(['z'], false)).length).toBe(1);
    await two.close();
    await other.close();
    await expect(two.findDocumentsById(['z'], false)).rejects.toThrow(/closed/);
  });

  it('refuses attachments and a changed index layout under the same schema version', async () => {
    const inst = await open('layout');
    await expect(inst.getAttachmentData('a', 'b', 'c')).rejects.toThrow(/does not support attachments/);
    await inst.close();
    const changed = fillWithDefaultSettings({ ...partSchema, indexes: ['name'] });
    await expect(open('layout', 'parts', changed)).rejects.toThrow(/bump the schema version/);
  });

  it('opens with its WAL grown to working size and restarted, so commits overwrite instead of appending', async () => {
    const inst = await open('wal-size');
    const db = getSqliteDatabase(inst);
    const working = Number(db.pragma('wal_autocheckpoint', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
    expect(statSync(inst.internals.connection.filename + '-wal').size).toBeGreaterThanOrEqual(working);
    await inst.bulkWrite([row('w', 1000)], 'w');
    // Commits after open start again at the beginning of the WAL: the preallocation's 1000 frames are not in the log.
    const [log] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(log?.log).toBeLessThan(100);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    await inst.close();
  });
});
