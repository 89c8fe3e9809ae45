/**
 * Master data for the shared rules on the server: roster and stations, kept as documents. Reloaded only when one of
 * them changed (one indexed max() per push group, read by the caller with its other reads when it passes
 * `knownVersion`), so pushes do not re-read the roster every time.
 */
import { Operator, Station, masterData, type MasterData } from '../../shared/master';
import type { Queryable } from '../db/types';

export class MasterCache {
  private version = -1;
  private data: MasterData = masterData({});

  /** `knownVersion`: max(version) of the operator and station documents, if the caller already read it. */
  async get(q: Queryable, knownVersion?: number): Promise<MasterData> {
    let v = knownVersion;
    if (v === undefined) {
      const [row] = await q.query<{ v: number | null }>(
        "SELECT max(version) AS v FROM documents WHERE kind IN ('operator', 'station')",
      );
      v = Number(row?.v ?? 0);
    }
    if (v !== this.version) {
      const rows = await q.query<{ kind: string; body: unknown }>(
        "SELECT kind, body FROM documents WHERE kind IN ('operator', 'station') AND NOT deleted",
      );
      const operators: Operator[] = [];
      const stations: Station[] = [];
      for (const r of rows) {
        if (r.kind === 'operator') {
          const p = Operator.safeParse(r.body);
          if (p.success) operators.push(p.data);
        } else {
          const p = Station.safeParse(r.body);
          if (p.success) stations.push(p.data);
        }
      }
      this.data = masterData({ operators, stations });
      this.version = v;
    }
    return this.data;
  }
}
