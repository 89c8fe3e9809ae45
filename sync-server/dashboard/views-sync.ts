/**
 * The screen's side of `GET /api/dashboard/views` and of the live channel's `views` (view-revisions.ts has the
 * server's): which revisions the screen holds, as the request's query, and a view brought up to date by the delta the
 * server sent. Plain TypeScript, no
 * Node import: the dashboard screen bundles it, and the load test's simulated dashboards (tests/load/floor-load.ts)
 * ask with the same query as the screen does.
 */
import { VIEW_NAMES, type ConflictsShow, type ViewName } from './contract';

export { VIEW_NAMES, type ViewName };

/** What the screen holds: the server instance that answered and each view's revision (absent: not held). */
export interface HeldRevisions {
  instance: string | null;
  floor?: number;
  alerts?: number;
  conflicts?: number;
  orders?: number;
  fleet?: number;
  /** Admins only: the server never sends the Accounts list to another role, so they never hold it. */
  accounts?: number;
  articles?: number;
}

/**
 * The query saying what the screen holds: the Conflicts filter and the revisions held (none held: the whole views),
 * and the views it keeps live (`live`; undefined: every view).
 */
function heldQuery(held: HeldRevisions, show: ConflictsShow, live: readonly ViewName[] | undefined): string {
  const q = new URLSearchParams({ show });
  if (live) q.set('views', live.join(','));
  if (held.instance !== null) {
    q.set('instance', held.instance);
    for (const v of VIEW_NAMES) {
      const rev = held[v];
      if (rev !== undefined) q.set(v, String(rev));
    }
  }
  return q.toString();
}

/** The /views request's path and query. */
export function viewsPath(held: HeldRevisions, show: ConflictsShow, live?: readonly ViewName[]): string {
  return `/api/dashboard/views?${heldQuery(held, show, live)}`;
}

/** The live channel's path and query: it sends what changed since what is held (live.ts). */
export function livePath(held: HeldRevisions, show: ConflictsShow, live?: readonly ViewName[]): string {
  return `/api/dashboard/live?${heldQuery(held, show, live)}`;
}

/** What an answer says of its revisions (a /views answer, or contract.ts ViewsRevisions of one): each view sent, at its revision. */
export type SentRevisions = { instance: string } & { readonly [V in (typeof VIEW_NAMES)[number]]?: { rev: number } | null };

/** The revisions held after applying `update` (a view the server did not send is held as it was). */
export function heldAfter(held: HeldRevisions, update: SentRevisions): HeldRevisions {
  const out: HeldRevisions = { instance: update.instance };
  const same = held.instance === update.instance;
  for (const v of VIEW_NAMES) {
    const rev = update[v]?.rev ?? (same ? held[v] : undefined);
    if (rev !== undefined) out[v] = rev;
  }
  return out;
}

/** A delta as the server sends it (contract.ts `viewDelta`): changed fields, and per keyed list its changed rows and key order. */
export interface Delta {
  rev: number;
  base: number | null;
  fields: Readonly<Record<string, unknown>>;
  lists: Readonly<Record<string, { keys?: readonly string[] | undefined; rows: readonly unknown[] } | undefined>>;
}

/**
 * `held` brought up to `delta`'s revision: its fields replaced by those sent, each keyed list's rows replaced by those
 * sent (by `listKeys[list]`), in the key order sent (or the held order when none was sent). A delta with base null is
 * the whole view; one from another base than what is held, or naming a row neither held nor sent, throws DeltaMismatch
 * (the caller then asks for the whole views again).
 */
export function applyDelta<V extends object>(held: V | null, heldRev: number | undefined, delta: Delta, listKeys: Readonly<Record<string, string>>): V {
  if (delta.base !== null && (held === null || heldRev !== delta.base)) {
    throw new DeltaMismatch(`a delta from revision ${delta.base}, but revision ${heldRev ?? 'none'} is held`);
  }
  const base: Readonly<Record<string, unknown>> = delta.base === null || held === null ? {} : (held as Readonly<Record<string, unknown>>);
  const out: Record<string, unknown> = { ...base, ...delta.fields };
  for (const [list, keyProp] of Object.entries(listKeys)) {
    const sent = delta.lists[list];
    if (!sent) {
      if (!(list in out)) throw new DeltaMismatch(`list ${list} neither held nor sent`);
      continue;
    }
    const before = Array.isArray(base[list]) ? (base[list] as readonly Readonly<Record<string, unknown>>[]) : [];
    const byKey = new Map<string, unknown>();
    for (const row of before) byKey.set(String(row[keyProp]), row);
    for (const row of sent.rows) byKey.set(String((row as Readonly<Record<string, unknown>>)[keyProp]), row);
    const keys = sent.keys ?? before.map((r) => String(r[keyProp]));
    out[list] = keys.map((k) => {
      const row = byKey.get(k);
      if (row === undefined) throw new DeltaMismatch(`list ${list}: row ${k} neither held nor sent`);
      return row;
    });
  }
  // Every part was checked by the delta's schema (contract.ts), and a whole view (base null) lists every field.
  return out as V;
}

/** A delta that does not fit what the screen holds: read the whole views again. */
export class DeltaMismatch extends Error {}
