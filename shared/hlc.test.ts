import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ClockDriftError,
  HlcClockError,
  HlcParseError,
  HlcTimestamp,
  compareHlc,
  createHlc,
  formatHlc,
  hlcWallTime,
  parseHlc,
  resumePoint,
} from './hlc';

/** A controllable physical clock. */
function fakeClock(start: number) {
  let t = start;
  return {
    now: () => t,
    set: (v: number) => {
      t = v;
    },
  };
}

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

const nodeIdArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,10}$/);
const hlcArb = fc
  .record({
    wallMs: fc.integer({ min: 0, max: 9_999_999_999_999 }),
    counter: fc.integer({ min: 0, max: 99_999 }),
    nodeId: nodeIdArb,
  })
  .map(formatHlc);

describe('format', () => {
  it('is zero-padded, fixed width and parses back', () => {
    const s = formatHlc({ wallMs: 42, counter: 7, nodeId: 'ST-CUT-01' });
    expect(s).toBe('0000000000042-00007-ST-CUT-01');
    expect(parseHlc(s)).toEqual({ wallMs: 42, counter: 7, nodeId: 'ST-CUT-01' });
    expect(hlcWallTime(s)).toBe(42);
    expect(HlcTimestamp.safeParse(s).success).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['123-00001-a', 'short wall'],
    ['0000000000042-1-a', 'short counter'],
    ['0000000000042-00001-', 'missing node'],
    ['0000000000042-00001- a', 'space in node'],
    ['00000000000x2-00001-a', 'non-digit'],
  ])('rejects %j (%s) with a clear error', (input) => {
    expect(() => parseHlc(input)).toThrow(HlcParseError);
    expect(() => parseHlc(input)).toThrow(/HLC timestamp/);
  });

  it('rejects non-strings', () => {
    expect(() => parseHlc(42)).toThrow(HlcParseError);
    expect(() => parseHlc(undefined)).toThrow(HlcParseError);
  });

  it('refuses an unrepresentable local clock', () => {
    expect(() => createHlc('a', () => -1).send()).toThrow(HlcClockError);
    expect(() => createHlc('a', () => Number.NaN).send()).toThrow(HlcClockError);
    expect(() => createHlc('a', () => 1e13).send()).toThrow(HlcClockError);
  });

  it('rejects a bad nodeId at creation', () => {
    expect(() => createHlc('has space')).toThrow(HlcParseError);
    expect(() => createHlc('')).toThrow(HlcParseError);
  });
});

describe('send', () => {
  it('follows physical time when it moves forward', () => {
    const clock = fakeClock(T0);
    const hlc = createHlc('A', clock.now);
    expect(parseHlc(hlc.send())).toEqual({ wallMs: T0, counter: 0, nodeId: 'A' });
    expect(parseHlc(hlc.send())).toEqual({ wallMs: T0, counter: 1, nodeId: 'A' });
    clock.set(T0 + 5);
    expect(parseHlc(hlc.send())).toEqual({ wallMs: T0 + 5, counter: 0, nodeId: 'A' });
  });

  it('stays monotonic when the wall clock jumps back (NTP correction)', () => {
    const clock = fakeClock(T0);
    const hlc = createHlc('A', clock.now);
    const a = hlc.send();
    clock.set(T0 - 3_600_000);
    const b = hlc.send();
    expect(compareHlc(a, b)).toBe(-1);
    expect(hlcWallTime(b)).toBe(T0);
  });

  it('rolls a full counter into the next millisecond instead of overflowing', () => {
    const hlc = createHlc('A', () => T0, 60_000, { initial: formatHlc({ wallMs: T0, counter: 99_999, nodeId: 'A' }) });
    const next = hlc.send();
    expect(parseHlc(next)).toEqual({ wallMs: T0 + 1, counter: 0, nodeId: 'A' });
  });

  it('resumes above a persisted timestamp after restart with a clock set back', () => {
    const before = formatHlc({ wallMs: T0, counter: 12, nodeId: 'A' });
    const hlc = createHlc('A', () => T0 - 10_000, 60_000, { initial: before });
    expect(hlc.peek()).toBe(before);
    expect(compareHlc(hlc.send(), before)).toBe(1);
  });

  it('peek does not advance', () => {
    const hlc = createHlc('A', () => T0);
    const s = hlc.send();
    expect(hlc.peek()).toBe(s);
    expect(hlc.peek()).toBe(s);
    expect(compareHlc(hlc.send(), s)).toBe(1);
  });

  it('property: send is strictly monotonic under any sequence of clock readings', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: T0 - 100_000, max: T0 + 100_000 }), { minLength: 1, maxLength: 200 }), (times) => {
        let i = 0;
        const hlc = createHlc('A', () => times[Math.min(i++, times.length - 1)] as number);
        let prev = hlc.peek();
        for (let k = 0; k < times.length; k++) {
          const next = hlc.send();
          expect(compareHlc(prev, next)).toBe(-1);
          prev = next;
        }
      }),
    );
  });
});

describe('receive', () => {
  it('adopts a remote time slightly ahead and orders after it', () => {
    const a = createHlc('A', () => T0);
    const b = createHlc('B', () => T0 + 30_000);
    const fromB = b.send();
    const merged = a.receive(fromB);
    expect(compareHlc(merged, fromB)).toBe(1);
    expect(hlcWallTime(merged)).toBe(T0 + 30_000);
    expect(compareHlc(a.send(), merged)).toBe(1);
  });

  it('refuses a station whose clock is a day fast, and is not moved by it', () => {
    const a = createHlc('A', () => T0);
    const before = a.send();
    const poisoned = formatHlc({ wallMs: T0 + 86_400_000, counter: 0, nodeId: 'BAD' });
    let err: unknown;
    try {
      a.receive(poisoned);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ClockDriftError);
    const drift = err as ClockDriftError;
    expect(drift.driftMs).toBe(86_400_000);
    expect(drift.maxDriftMs).toBe(60_000);
    expect(drift.message).toMatch(/ahead/);
    expect(a.peek()).toBe(before);
    expect(hlcWallTime(a.send())).toBe(T0);
  });

  it('accepts exactly maxDriftMs ahead, refuses one more', () => {
    const a = createHlc('A', () => T0, 1000);
    expect(() => a.receive(formatHlc({ wallMs: T0 + 1001, counter: 0, nodeId: 'B' }))).toThrow(ClockDriftError);
    expect(hlcWallTime(a.receive(formatHlc({ wallMs: T0 + 1000, counter: 0, nodeId: 'B' })))).toBe(T0 + 1000);
  });

  it('accepts remote timestamps far in the past', () => {
    const a = createHlc('A', () => T0);
    const r = a.receive(formatHlc({ wallMs: 1, counter: 99_999, nodeId: 'OLD' }));
    expect(hlcWallTime(r)).toBe(T0);
  });

  it('rolls over when the remote counter is already at its maximum', () => {
    const a = createHlc('A', () => T0);
    const remote = formatHlc({ wallMs: T0 + 10, counter: 99_999, nodeId: 'B' });
    const r = a.receive(remote);
    expect(parseHlc(r)).toEqual({ wallMs: T0 + 11, counter: 0, nodeId: 'A' });
    expect(compareHlc(r, remote)).toBe(1);
  });

  it('rejects garbage without moving the clock', () => {
    const a = createHlc('A', () => T0);
    const before = a.send();
    expect(() => a.receive('garbage')).toThrow(HlcParseError);
    expect(a.peek()).toBe(before);
  });

  it('property: receive result > local last and > remote, for any in-bound remote', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('send' as const), pt: fc.integer({ min: T0 - 1000, max: T0 + 1000 }) }),
            fc.record({
              op: fc.constant('receive' as const),
              pt: fc.integer({ min: T0 - 1000, max: T0 + 1000 }),
              remoteWall: fc.integer({ min: T0 - 5000, max: T0 + 5000 }),
              remoteCounter: fc.integer({ min: 0, max: 99_999 }),
              remoteNode: nodeIdArb,
            }),
          ),
          { minLength: 1, maxLength: 100 },
        ),
        (ops) => {
          let pt = T0;
          const hlc = createHlc('A', () => pt, 60_000);
          for (const op of ops) {
            pt = op.pt;
            const last = hlc.peek();
            if (op.op === 'send') {
              expect(compareHlc(hlc.send(), last)).toBe(1);
            } else {
              const remote = formatHlc({ wallMs: op.remoteWall, counter: op.remoteCounter, nodeId: op.remoteNode });
              const r = hlc.receive(remote);
              expect(compareHlc(r, last)).toBe(1);
              expect(compareHlc(r, remote)).toBe(1);
            }
          }
        },
      ),
    );
  });

  it('property: a remote beyond the bound always throws and never changes state', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 99_999 }), (extra, c) => {
        const hlc = createHlc('A', () => T0, 60_000);
        const before = hlc.send();
        expect(() => hlc.receive(formatHlc({ wallMs: T0 + 60_000 + extra, counter: c, nodeId: 'B' }))).toThrow(
          ClockDriftError,
        );
        expect(hlc.peek()).toBe(before);
      }),
    );
  });
});

describe('ordering', () => {
  it('property: string order equals compareHlc order', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        const byString = a < b ? -1 : a > b ? 1 : 0;
        expect(compareHlc(a, b)).toBe(byString);
      }),
    );
  });

  it('property: sorting strings sorts by (wall, counter, node)', () => {
    fc.assert(
      fc.property(fc.array(hlcArb, { maxLength: 50 }), (xs) => {
        const sorted = [...xs].sort();
        for (let i = 1; i < sorted.length; i++) {
          const p = parseHlc(sorted[i - 1] as string);
          const q = parseHlc(sorted[i] as string);
          expect(p.wallMs < q.wallMs || (p.wallMs === q.wallMs && p.counter <= q.counter)).toBe(true);
        }
      }),
    );
  });

  it('property: parse/format round-trip', () => {
    fc.assert(
      fc.property(hlcArb, (s) => {
        expect(formatHlc(parseHlc(s))).toBe(s);
      }),
    );
  });
});

describe('resumePoint: where a restarted clock resumes from its last stamps', () => {
  const node = 'ST-CUT-1';
  const at = (wall: number, c = 0) => formatHlc({ wallMs: wall, counter: c, nodeId: node });
  it('the newest readable stamp when the newest is readable', () => {
    expect(resumePoint([at(2000, 3), at(1000)], node)).toEqual({ initial: at(2000, 3), unreadable: 0 });
  });
  it('skips unreadable stamps, and lifts above a wall time an unreadable one starts with', () => {
    // A newer version's format (6-digit counter) a second after the readable one: resume above its millisecond.
    const newer = `${String(1767225601000).padStart(13, '0')}-000007-${node}`;
    const r = resumePoint([newer, 'garbage', at(1767225600000, 9)], node);
    expect(r).toEqual({ initial: at(1767225601001, 0), unreadable: 2 });
    const clock = createHlc(node, () => 1767225500000, 60_000, { initial: r.initial });
    expect(clock.send() > newer).toBe(true);
  });
  it('an unreadable stamp without a time does not lift; nothing readable and no time: undefined', () => {
    expect(resumePoint(['garbage', 42, null, at(5000)], node)).toEqual({ initial: at(5000), unreadable: 3 });
    expect(resumePoint(['garbage', 42], node)).toEqual({ unreadable: 2 });
    expect(resumePoint([], node)).toEqual({ unreadable: 0 });
  });
  it('a readable stamp above the lifted time wins; 14 digits are not a 13-digit wall time', () => {
    expect(resumePoint([`${String(1000).padStart(13, '0')}-x`, at(9000, 1)], node)).toEqual({ initial: at(9000, 1), unreadable: 1 });
    expect(resumePoint(['12345678901234-00000-ST', at(9000)], node)).toEqual({ initial: at(9000), unreadable: 1 });
  });
});
