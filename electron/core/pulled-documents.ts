/**
 * Pulled documents onto disk, written by the core (StationCore.applyPulled, in its command queue): one pull's
 * documents in ONE storage bulkWrite, so one SQLite transaction, so the disk never holds a station's progress without
 * the documents that account for it (or the reverse).
 *
 * Each document is stored exactly as pulled: `{key, kind, id, body, _deleted}` (a deleted one as a tombstone with the
 * pulled body). RxDB's pull replication is then handed some of the same documents (only as many as its checkpoint
 * needs: electron/sync/pull-cycle.ts `forRxdb`); its downstream compares each with the stored one through the
 * collection's conflict handler (`isEqual`, which ignores `_meta`, `_rev` and attachments), finds them equal and
 * writes nothing but its checkpoint (a pull-only replication stores no per-document meta:
 * `skipStoringPullMeta`; rxdb/src/replication-protocol/downstream.ts, `persistFromMaster`). So each pulled
 * document is written once, by the core. A document already stored as pulled (a re-pull after a lost checkpoint, a
 * retry after a failed write) is not written again.
 */
import type { BulkWriteRow, RxCollection, RxDocumentData, WithDeleted } from 'rxdb';
import type { StoredDocument } from '../store/station-db';

/** The write's context name (visible in the storage's change events). */
export const PULL_WRITE_CONTEXT = 'station-core-pull';

/** The replicated state of a document: what RxDB's downstream compares (no `_meta`, `_rev`, `_attachments`). */
const replicated = (d: WithDeleted<StoredDocument>): WithDeleted<StoredDocument> => ({ key: d.key, kind: d.kind, id: d.id, body: d.body, _deleted: d._deleted });

/** Writes what is not stored as pulled yet; resolves how many documents that was. Throws if any write failed. */
export async function writePulledDocuments(collection: RxCollection<StoredDocument>, pulled: readonly WithDeleted<StoredDocument>[]): Promise<number> {
  // The latest version of a key wins (a pull hands over each key once; this keeps that true for any caller).
  const latest = new Map<string, WithDeleted<StoredDocument>>();
  for (const d of pulled) {
    latest.delete(d.key);
    latest.set(d.key, d);
  }
  if (latest.size === 0) return 0;
  const stored = await collection.storageInstance.findDocumentsById([...latest.keys()], true);
  const previous = new Map(stored.map((d) => [d.key, d]));
  const rows: BulkWriteRow<StoredDocument>[] = [];
  for (const d of latest.values()) {
    const prev = previous.get(d.key);
    const next = replicated(d);
    if (prev && collection.conflictHandler.isEqual(replicated(prev), next, 'station-pull-unchanged')) continue;
    // `_meta.lwt` and `_rev` are set by RxDB's storage wrapper (rx-storage-helper.ts, getWrappedStorageInstance).
    const document: RxDocumentData<StoredDocument> = { ...next, _attachments: {}, _meta: prev ? { ...prev._meta } : { lwt: 0 }, _rev: prev?._rev ?? '' };
    rows.push(prev ? { previous: prev, document } : { document });
  }
  if (rows.length === 0) return 0;
  const result = await collection.storageInstance.bulkWrite(rows, PULL_WRITE_CONTEXT);
  if (result.error.length > 0) {
    const first = result.error[0];
    throw new Error(`writing pulled documents failed for ${result.error.length} of ${rows.length} (first: ${first?.documentId ?? '?'}, status ${first?.status ?? '?'})`);
  }
  return rows.length;
}
