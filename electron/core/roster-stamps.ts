/**
 * Which roster each own event was recorded under: the change number of the last pull cycle the core had applied
 * (its roster is the server's as of that change). The server judges an operator the office has deactivated since by
 * that roster (docs/sync-protocol.md, "The roster a station held"), so the number travels beside each pushed event.
 *
 * Kept as steps `[fromSeq, version]` (the version changes only when a pull cycle is applied) in the station's SQLite
 * file (`station_kv`, key `roster-stamps`), written before the event it stamps is inserted, so an event on disk always
 * has its stamp. Written apart from the documents a cycle writes: a crash in between reopens with an older version,
 * which can only make the server judge by an older roster than the station held, never a newer one (an older one
 * had fewer deactivations); nothing the station recorded is refused for it that the station's own roster allowed.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';

const KEY = 'roster-stamps';
const Stored = z.object({
  /** The change number of the last applied pull cycle (null: none applied yet). */
  current: z.number().int().nonnegative().nullable(),
  steps: z.array(z.tuple([z.number().int().positive(), z.number().int().nonnegative()])),
});
type Stored = z.infer<typeof Stored>;

export class RosterStamps {
  private constructor(
    private readonly db: Database.Database,
    private s: Stored,
  ) {}

  /** Reads what is stored; a value that does not parse is dropped (events are then pushed unstamped: judged as before). */
  static load(db: Database.Database): RosterStamps {
    const row = db.prepare('SELECT value FROM station_kv WHERE key = ?').get(KEY) as { value: string } | undefined;
    let parsed: Stored = { current: null, steps: [] };
    if (row) {
      try {
        const p = Stored.safeParse(JSON.parse(row.value));
        if (p.success) parsed = p.data;
      } catch {
        // not JSON: as if nothing were stored
      }
    }
    return new RosterStamps(db, parsed);
  }

  /** The change number of the roster held now (null: no pull cycle applied yet). */
  get current(): number | null {
    return this.s.current;
  }

  /** A pull cycle reaching the server's head was applied: its change number is the roster now held. */
  cycleApplied(version: number): void {
    if (this.s.current === version) return;
    this.s = { ...this.s, current: version };
    this.write();
  }

  /** Before the event `seq` is inserted: its stamp, on disk (a seq reused after a crash takes the new one). */
  stamp(seq: number): void {
    const current = this.s.current;
    const kept = this.s.steps.filter(([from]) => from < seq);
    const last = kept[kept.length - 1];
    if (kept.length === this.s.steps.length && (current === null ? last === undefined : last?.[1] === current)) return;
    this.s = { current, steps: current === null ? kept : [...kept, [seq, current]] };
    this.write();
  }

  /** The change number own event `seq` was recorded under, if known. */
  at(seq: number): number | undefined {
    let found: number | undefined;
    for (const [from, version] of this.s.steps) {
      if (from > seq) break;
      found = version;
    }
    return found;
  }

  /** Forget the steps no event after `seq` needs (the server has processed every event up to it). */
  prune(seq: number): void {
    const i = this.s.steps.findIndex(([from]) => from > seq + 1);
    const cut = (i < 0 ? this.s.steps.length : i) - 1;
    if (cut <= 0) return;
    this.s = { ...this.s, steps: this.s.steps.slice(cut) };
    this.write();
  }

  private write(): void {
    this.db.prepare('INSERT INTO station_kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(KEY, JSON.stringify(this.s));
  }
}
