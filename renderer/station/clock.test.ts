import { describe, expect, it } from 'vitest';
import { dateTimeOf, durationOf } from './clock';

describe('durationOf', () => {
  it('reads hours:minutes:seconds, hours uncapped, never negative, seconds rounded down', () => {
    expect(durationOf(0)).toBe('0:00:00');
    expect(durationOf(59_999)).toBe('0:00:59');
    expect(durationOf(3_909_000)).toBe('1:05:09');
    expect(durationOf(16 * 3_600_000 + 61_000)).toBe('16:01:01');
    expect(durationOf(-5_000)).toBe('0:00:00');
  });
});

describe('dateTimeOf', () => {
  it('writes day/month/year and the time to the minute, the way each language reads it', () => {
    const at = new Date(2026, 11, 5, 9, 7, 42);
    expect(dateTimeOf(at, 'en')).toBe('05/12/2026, 09:07');
    expect(dateTimeOf(at.getTime(), 'id')).toBe('05/12/2026, 09.07');
  });
});
