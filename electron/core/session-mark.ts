/**
 * Where the station's last session event (`operator.login` / `operator.logout`) is in its own event log, so a core
 * that restarts finds it by primary key instead of reading back through every event the station recorded.
 *
 * Kept in the station's SQLite file (`station_kv`, key `session-mark`) as event ids, newest first: the session event
 * about to be inserted, written before its insert, then the last one known to be on disk. A crash or a failed write
 * between the mark and the insert leaves an id that is not in the log; the next id is then the last session event.
 * The event log stays the truth: an id counts only when its event is found there.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';

const KEY = 'session-mark';
const Stored = z.object({ ids: z.array(z.string().min(1).max(36)).max(2) });

export class SessionMark {
  private constructor(
    private readonly db: Database.Database,
    /** The last session event known to be on disk (null: none, or not known yet). */
    private confirmed: string | null,
    private readonly stored: readonly string[],
  ) {}

  /** Reads what is stored; a value that does not parse counts as none (no session is restored). */
  static load(db: Database.Database): SessionMark {
    const row = db.prepare('SELECT value FROM station_kv WHERE key = ?').get(KEY) as { value: string } | undefined;
    let ids: string[] = [];
    if (row) {
      try {
        const p = Stored.safeParse(JSON.parse(row.value));
        if (p.success) ids = p.data.ids;
      } catch {
        // not JSON: as if nothing were stored
      }
    }
    return new SessionMark(db, null, ids);
  }

  /** Candidate ids of the last session event, newest first (the first one found in the event log is it). */
  candidates(): readonly string[] {
    return this.stored;
  }

  /** The session event found on disk at open (the base for the next mark). */
  found(id: string | null): void {
    this.confirmed = id;
  }

  /** Before session event `id` is inserted: it, then the last one on disk, durably. */
  before(id: string): void {
    const ids = this.confirmed && this.confirmed !== id ? [id, this.confirmed] : [id];
    this.db.prepare('INSERT INTO station_kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(KEY, JSON.stringify({ ids }));
  }

  /** Session event `id` is on disk. */
  inserted(id: string): void {
    this.confirmed = id;
  }
}
