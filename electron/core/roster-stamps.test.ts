import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { RosterStamps } from './roster-stamps';

const db = () => {
  const d = new Database(':memory:');
  d.exec('CREATE TABLE station_kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  return d;
};

describe('roster stamps', () => {
  it('stamps each event with the roster held when it was recorded, kept across a reopen', () => {
    const d = db();
    const s = RosterStamps.load(d);
    s.stamp(1); // before any pull cycle: unknown
    s.cycleApplied(10);
    s.stamp(2);
    s.stamp(3);
    s.cycleApplied(25);
    s.stamp(4);
    expect([1, 2, 3, 4].map((q) => s.at(q))).toEqual([undefined, 10, 10, 25]);
    const again = RosterStamps.load(d);
    expect([1, 2, 3, 4, 9].map((q) => again.at(q))).toEqual([undefined, 10, 10, 25, 25]);
    expect(again.current).toBe(25);
  });

  it('a seq reused after a crash takes the roster of its new event; pruning keeps what later events need', () => {
    const d = db();
    const s = RosterStamps.load(d);
    s.cycleApplied(10);
    s.stamp(1);
    s.cycleApplied(20);
    s.stamp(2); // crashed before the event was inserted
    s.cycleApplied(30);
    s.stamp(2);
    expect([1, 2].map((q) => s.at(q))).toEqual([10, 30]);
    s.cycleApplied(40);
    s.stamp(3);
    s.prune(2);
    expect([3, 4].map((q) => RosterStamps.load(d).at(q))).toEqual([40, 40]);
    expect(RosterStamps.load(d).at(2)).toBeUndefined(); // pruned: the server has processed it
  });

  it('a damaged value is as if nothing were stored', () => {
    const d = db();
    d.prepare("INSERT INTO station_kv (key, value) VALUES ('roster-stamps', '{not json')").run();
    expect(RosterStamps.load(d).at(1)).toBeUndefined();
    d.prepare("UPDATE station_kv SET value = '{\"current\":-1,\"steps\":[]}'").run();
    expect(RosterStamps.load(d).current).toBeNull();
  });
});
