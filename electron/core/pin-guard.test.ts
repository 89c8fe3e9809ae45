/** The PIN guard's own rules (station-core.test.ts drives it through real commands and restarts). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PIN_GUARD_FILE, PinGuard } from './pin-guard';
import { tempDir } from './testing';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function guard() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  let now = 1_000_000_000_000;
  const clock = { now: () => now, set: (ms: number) => void (now = ms), advance: (ms: number) => void (now += ms) };
  return { dir: t.dir, clock, make: () => PinGuard.load(t.dir, { now: clock.now }) };
}

/**
 * Spends `n` wrong PINs on `operator`, each from a new connection `${prefix}-i` (what an attacker does: one
 * connection alone slows down after 3); `vouch` first enters that operator's correct PIN on each. Returns how many
 * were admitted.
 */
function spend(g: PinGuard, operator: string, prefix: string, n: number, vouch?: string): number {
  let admitted = 0;
  for (let i = 0; i < n; i++) {
    const connection = `${prefix}-${i}`;
    if (vouch) g.succeeded(vouch, connection);
    const a = g.admit(operator, connection);
    if (!a.ok) continue;
    admitted++;
    g.failed(a.pool, connection);
  }
  return admitted;
}

describe('PIN guard', () => {
  it('keeps a pool per vouching operator: an insider spends only their own, never the screen’s', () => {
    const { make } = guard();
    const g = make();
    g.succeeded('OP-FIN1', 'station-screen'); // the line's operator logged in at the screen
    expect(spend(g, 'OP-FINSV', 'outsider', 50)).toBe(10);
    // Someone who knows their own PIN vouches for new connections: they all share one, smaller, pool.
    expect(spend(g, 'OP-FINSV', 'insider', 50, 'OP-SEW1')).toBe(5);
    expect(g.admit('OP-FINSV', 'station-screen').ok).toBe(true);
    expect(g.admit('OP-FINSV', 'a-new-connection').ok).toBe(false);
  });

  it('a clock set back does not stretch the wait beyond one window', () => {
    const { clock, make } = guard();
    const g = make();
    expect(spend(g, 'OP-X1', 'c', 10)).toBe(10);
    clock.advance(-86_400_000); // a day back
    const a = g.admit('OP-X1', 'd');
    expect(a.ok).toBe(false);
    expect(a.ok ? 0 : a.waitMs).toBeLessThanOrEqual(60_000);
    clock.advance(60_000);
    expect(g.admit('OP-X1', 'd').ok).toBe(true);
  });

  it('an unreadable file starts empty instead of stopping the station', () => {
    const { dir, make } = guard();
    writeFileSync(join(dir, PIN_GUARD_FILE), '{"v":1,"pools":{"OP-X1|open":"nope"');
    expect(make().admit('OP-X1', 'c').ok).toBe(true);
  });

  it('the hourly budget holds when the minute budget is spent slowly', () => {
    const { clock, make } = guard();
    const g = make();
    let admitted = 0;
    for (let minute = 0; minute < 60; minute++) {
      admitted += spend(g, 'OP-X1', `c-${minute}`, 10);
      clock.advance(60_000);
    }
    expect(admitted).toBe(60);
  });
});
