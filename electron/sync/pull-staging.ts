/**
 * A pull cycle's documents, kept aside until the cycle reaches the server's head.
 *
 * The server's `stationProgress` moves with every push, so a pull batch cut in the middle of a catch-up can hold a
 * work order without the progress that accounts for it (or the reverse): applied alone, it would count an own event
 * twice or not at all. So a batch that is not the last of its cycle is not written as documents: it is written as
 * staging entries (kind PULL_STAGED_KIND, key `staged:<document key>`, the document in `body.doc`). The batch that
 * reaches the head is returned together with every staged document (a later version of a key wins) and the removal
 * of every staging entry. RxDB's replication writes one pull result in one bulkWrite, which the SQLite storage runs
 * as one transaction, so on disk a cycle is applied whole or not at all, and a station killed in the middle of a
 * catch-up reopens on the documents of its last complete cycle, with its staging entries to resume from.
 */
import type { RxCollection, WithDeleted } from 'rxdb';
import { z } from 'zod';
import { PULL_STAGED_KIND, type StoredDocument } from '../store/station-db';

const PREFIX = 'staged:';

export class PullStaging {
  /** Staged documents by their own key, the latest staged version of each. */
  private readonly staged = new Map<string, WithDeleted<StoredDocument>>();

  /** The staging entries a previous run left on disk (a cycle it did not finish). */
  static async load(documents: RxCollection<StoredDocument>): Promise<PullStaging> {
    const staging = new PullStaging();
    const entries = await documents.find({ selector: { kind: PULL_STAGED_KIND } }).exec();
    for (const entry of entries) {
      const doc = stagedDocument(entry.body);
      if (doc) staging.staged.set(doc.key, doc);
    }
    return staging;
  }

  get size(): number {
    return this.staged.size;
  }

  /** A batch that is not the last of its cycle: what to write instead of its documents. */
  stage(docs: readonly WithDeleted<StoredDocument>[]): WithDeleted<StoredDocument>[] {
    return docs.map((doc) => {
      this.staged.set(doc.key, doc);
      return { key: PREFIX + doc.key, kind: PULL_STAGED_KIND, id: doc.key, body: { doc }, _deleted: false };
    });
  }

  /** The batch that reaches the head: its documents, the staged ones it does not replace, the staging removed. */
  release(docs: readonly WithDeleted<StoredDocument>[]): WithDeleted<StoredDocument>[] {
    if (this.staged.size === 0) return [...docs];
    const latest = new Map(this.staged);
    for (const doc of docs) latest.set(doc.key, doc);
    const out = [...latest.values()];
    for (const key of this.staged.keys()) {
      out.push({ key: PREFIX + key, kind: PULL_STAGED_KIND, id: key, body: {}, _deleted: true });
    }
    this.staged.clear();
    return out;
  }
}

/** Whether a documents-collection key is a staging entry rather than a floor document. */
export function isStagingKey(key: string): boolean {
  return key.startsWith(PREFIX);
}

const StagedEntryBody = z.object({
  doc: z.object({
    key: z.string().min(1),
    kind: z.string().min(1),
    id: z.string().min(1),
    body: z.record(z.string(), z.unknown()),
    _deleted: z.boolean(),
  }),
});

/** The document a staging entry holds; undefined for an entry this build cannot read (it is then re-pulled). */
function stagedDocument(body: Record<string, unknown>): WithDeleted<StoredDocument> | undefined {
  const r = StagedEntryBody.safeParse(body);
  return r.success ? r.data.doc : undefined;
}
