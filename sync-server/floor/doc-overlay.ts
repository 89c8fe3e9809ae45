/**
 * The documents a push group has loaded and changed, in memory (pure): the rules read through it, so a later request
 * of the group sees what earlier ones changed, exactly as if they had committed one after the other.
 */
import type { Doc, DocKind, DocOf, DocReader } from '../../shared/docs';
import { NeedDocs, type DocKey } from '../../shared/reducer';
import { keyOf } from './likely-keys';

/** A reader over documents loaded in this transaction; asking for one not loaded yet throws NeedDocs. */
export class DocOverlay implements DocReader {
  private readonly loaded = new Map<string, Doc | null>();
  /** Every document there is can be loaded: a missing one does not exist (the rules judge slips by this). */
  readonly complete = true;

  get<K extends DocKind>(kind: K, id: string): DocOf<K> | undefined {
    const key = `${kind}:${id}`;
    if (!this.loaded.has(key)) throw new NeedDocs([{ kind, id }]);
    return (this.loaded.get(key) ?? undefined) as DocOf<K> | undefined;
  }

  /** The keys among `keys` not loaded yet, each once, in key order (the order their locks must be taken in). */
  missing(keys: readonly DocKey[]): string[] {
    return [...new Set(keys.map(keyOf))].filter((k) => !this.loaded.has(k)).sort();
  }

  /** Records what a read of `keys` found (missing = does not exist). */
  prime(keys: readonly string[], rows: readonly (readonly [string, string, Doc])[]): void {
    for (const k of keys) if (!this.loaded.has(k)) this.loaded.set(k, null);
    for (const [kind, id, body] of rows) this.loaded.set(`${kind}:${id}`, body);
  }

  /** Records a change (later reads in the group see it); returns the document's key. */
  put(doc: Doc): string {
    const key = `${doc.kind}:${doc.id}`;
    this.loaded.set(key, doc);
    return key;
  }

  /** The latest body of a key (its last write in the group, or as loaded). */
  latest(key: string): Doc | undefined {
    return this.loaded.get(key) ?? undefined;
  }
}
