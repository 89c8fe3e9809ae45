import { describe, expect, it } from 'vitest';
import { nextTurn, Turns } from './turns';

describe('Turns', () => {
  it('runs every job in order, at most perTurn per turn of the event loop, with the loop free between turns', async () => {
    const turns = new Turns(3, (err) => {
      throw err;
    });
    const ran: number[] = [];
    for (let i = 0; i < 7; i++) turns.run(() => ran.push(i));
    expect(ran).toEqual([]);
    // Each turn runs three; a timer-free I/O stand-in (setImmediate queued after) runs between turns.
    const seenBetween: number[] = [];
    setImmediate(() => seenBetween.push(ran.length));
    await nextTurn();
    await nextTurn();
    await nextTurn();
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(seenBetween).toEqual([3]);
    // Drained, it is scheduled again for the next job.
    turns.run(() => ran.push(7));
    await nextTurn();
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a job that throws is reported and the rest still run', async () => {
    const errors: unknown[] = [];
    const turns = new Turns(2, (err) => errors.push(err));
    const ran: string[] = [];
    turns.run(() => ran.push('a'));
    turns.run(() => {
      throw new Error('boom');
    });
    turns.run(() => ran.push('c'));
    for (let i = 0; i < 3; i++) await nextTurn();
    expect(ran).toEqual(['a', 'c']);
    expect(errors).toHaveLength(1);
    expect(() => new Turns(0, () => undefined)).toThrow(/positive/);
  });

  it('nextTurn resolves in a later turn, after what the loop had queued before it (a socket read, here an immediate)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('queued before'));
    const next = nextTurn().then(() => order.push('next turn'));
    order.push('this turn');
    await next;
    expect(order).toEqual(['this turn', 'queued before', 'next turn']);
  });
});
