import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Action } from '../events';
import { workOrderIdFor } from '../master';
import { Floor } from '../testing/flow';
import { fixtureMaster, mo, operatorOf, supervisorOf } from '../testing/fixtures';
import { expectRefusedUnchanged } from '../testing/walk';
import { MAX_SPAN_MS, labourWorked, runningClocksOf } from './labour';

const M = mo(1);
const CUT = workOrderIdFor(M.id, 'cutting');
const MIN = 60_000;
const start = (workOrderId = CUT): Action => ({ type: 'labour.started', payload: { workOrderId } });
const pause = (workOrderId = CUT): Action => ({ type: 'labour.paused', payload: { workOrderId, reason: 'break' } });
const finish = (workOrderId = CUT): Action => ({ type: 'labour.finished', payload: { workOrderId } });

/** A floor whose clock the test moves. */
function clocked(): { floor: Floor; advance: (ms: number) => void; now: () => number } {
  let t = Date.UTC(2026, 11, 5, 7, 0, 0);
  const floor = new Floor([M], fixtureMaster(), () => t);
  return { floor, advance: (ms) => (t += ms), now: () => t };
}

describe('labour time per SPK and operator', () => {
  it('start, pause, start again, finish: the worked time is the running spans, per operator, kept on the work order', () => {
    const { floor, advance } = clocked();
    floor.do('cutting', start());
    advance(50 * MIN);
    floor.do('cutting', pause());
    advance(15 * MIN); // the break does not count
    floor.do('cutting', start());
    advance(40 * MIN);
    floor.do('cutting', finish());
    expect(floor.wo(M.id, 'cutting').labour).toEqual({ [operatorOf('cutting')]: { state: 'finished', runningSince: null, workedMs: 90 * MIN } });
  });

  it('two operators on one SPK each have their own clock; a running clock counts up to now', () => {
    const { floor, advance, now } = clocked();
    const second = supervisorOf('cutting');
    floor.do('cutting', start());
    advance(10 * MIN);
    floor.do('cutting', start(), second);
    advance(20 * MIN);
    floor.do('cutting', pause());
    advance(5 * MIN);
    const worked = labourWorked(floor.wo(M.id, 'cutting'), now());
    expect(worked.byOperator).toEqual({ [operatorOf('cutting')]: 30 * MIN, [second]: 25 * MIN });
    expect(worked.totalMs).toBe(55 * MIN);
  });

  it('refuses starting a running clock, pausing or finishing one that is not running; changes nothing', () => {
    const { floor } = clocked();
    expectRefusedUnchanged(floor, 'cutting', pause(), 'labour_not_running');
    expectRefusedUnchanged(floor, 'cutting', finish(), 'labour_not_running');
    floor.do('cutting', start());
    expectRefusedUnchanged(floor, 'cutting', start(), 'labour_running');
    floor.do('cutting', pause());
    expectRefusedUnchanged(floor, 'cutting', pause(), 'labour_not_running');
    floor.do('cutting', finish()); // from paused: ends the clock
    expectRefusedUnchanged(floor, 'cutting', finish(), 'labour_not_running');
  });

  it("only on the station's own department's open SPK, and only by a logged-in operator", () => {
    const { floor } = clocked();
    expectRefusedUnchanged(floor, 'cutting', start(workOrderIdFor(M.id, 'sewing')), 'wrong_department');
    expectRefusedUnchanged(floor, 'cutting', start(), 'not_logged_in', null);
    floor.do('cutting', { type: 'spk.closed', payload: { workOrderId: CUT, department: 'cutting' } });
    expectRefusedUnchanged(floor, 'cutting', start(), 'work_order_closed');
  });

  it('a span is never negative (a clock read behind its start) and counts at most 16 hours (a clock left running)', () => {
    const { floor, advance } = clocked();
    floor.do('cutting', start());
    advance(-5 * MIN);
    floor.do('cutting', pause());
    expect(floor.wo(M.id, 'cutting').labour?.[operatorOf('cutting')]?.workedMs).toBe(0);
    floor.do('cutting', start());
    advance(3 * 24 * 60 * MIN); // left running over a weekend
    floor.do('cutting', finish());
    expect(floor.wo(M.id, 'cutting').labour?.[operatorOf('cutting')]?.workedMs).toBe(MAX_SPAN_MS);
  });

  it('property: the worked time is the sum of the accepted running spans, whatever the sequence of taps', () => {
    const step = fc.record({ kind: fc.constantFrom('start', 'pause', 'finish'), afterMs: fc.integer({ min: 0, max: 3 * 60 * MIN }) });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const { floor, advance, now } = clocked();
        let runningSince: number | null = null;
        let expected = 0;
        for (const s of steps) {
          advance(s.afterMs);
          const r = floor.try('cutting', s.kind === 'start' ? start() : s.kind === 'pause' ? pause() : finish());
          if (!r.ok) continue;
          if (s.kind === 'start') runningSince = now();
          else {
            if (runningSince !== null) expected += Math.min(MAX_SPAN_MS, now() - runningSince);
            runningSince = null;
          }
        }
        const clock = floor.state.workOrder[CUT]?.labour?.[operatorOf('cutting')];
        expect(clock?.workedMs ?? 0).toBe(expected);
        expect(clock?.state === 'running').toBe(runningSince !== null);
      }),
      { numRuns: 200 },
    );
  });

  it('what a logout pauses: the operator\'s running clocks on open SPKs of the station\'s department, not paused ones, not others\', not closed SPKs', () => {
    const M2 = mo(2);
    const M3 = mo(3);
    let t = Date.UTC(2026, 11, 5, 7, 0, 0);
    const floor = new Floor([M, M2, M3], fixtureMaster(), () => t);
    const cut = (m: { id: string }) => workOrderIdFor(m.id, 'cutting');
    const op = operatorOf('cutting');
    floor.do('cutting', start(cut(M)));
    floor.do('cutting', start(cut(M2)));
    floor.do('cutting', start(cut(M3)));
    floor.do('cutting', start(cut(M3)), supervisorOf('cutting'));
    t += MIN;
    floor.do('cutting', pause(cut(M2)));
    const all = () => Object.values(floor.state.workOrder);
    expect(runningClocksOf(all(), op, 'cutting')).toEqual([cut(M), cut(M3)].sort());
    expect(runningClocksOf(all(), supervisorOf('cutting'), 'cutting')).toEqual([cut(M3)]);
    expect(runningClocksOf(all(), op, 'sewing')).toEqual([]);
    floor.do('cutting', { type: 'spk.closed', payload: { workOrderId: cut(M3), department: 'cutting' } });
    expect(runningClocksOf(all(), op, 'cutting')).toEqual([cut(M)]);
    // Each one it names, the rules pause.
    for (const id of runningClocksOf(all(), op, 'cutting')) floor.do('cutting', { type: 'labour.paused', payload: { workOrderId: id, reason: 'logout' } });
    expect(runningClocksOf(all(), op, 'cutting')).toEqual([]);
  });
});
