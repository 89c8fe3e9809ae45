/**
 * A reader's statements in at most `lanes` at a time: the rest wait their turn here, not for one of the pool's
 * connections. The dashboards' live views (dashboard/live-views.ts) start a dozen reads at once several times a second,
 * on the pool the stations' pushes use (10 connections by default): bounded, they never hold more than `lanes` of it,
 * however many views a round computes, and a push arriving then always finds a connection.
 */
import type { Queryable, Row } from './types';

export function inLanes(q: Queryable, lanes: number): Queryable {
  if (!Number.isInteger(lanes) || lanes < 1) throw new Error(`lanes must be a positive integer (${lanes})`);
  let running = 0;
  const waiting: (() => void)[] = [];
  const inLane = async <T>(run: () => Promise<T>): Promise<T> => {
    if (running >= lanes) await new Promise<void>((go) => waiting.push(go));
    else running++;
    try {
      return await run();
    } finally {
      // The lane passes straight to the next waiting statement (running stays the same), or is freed.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
  return {
    query: <T extends Row = Row>(sql: string, params?: readonly unknown[]) => inLane(() => q.query<T>(sql, params)),
    exec: (sql: string) => inLane(() => q.exec(sql)),
    queryAndCommit: <T extends Row = Row>(sql: string, params?: readonly unknown[]) => inLane(() => q.queryAndCommit<T>(sql, params)),
  };
}
