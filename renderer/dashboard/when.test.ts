/** when.ts writes what toLocaleString wrote for id-ID and en-GB (this machine's time zone), every month and hour. */
import { describe, expect, it } from 'vitest';
import { when } from './when';

const OPTIONS = { day: '2-digit', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' } as const;

describe('when', () => {
  it('matches Intl for id-ID and en-GB across the year and the day', () => {
    const dates = Array.from({ length: 12 * 24 }, (_, i) => new Date(Date.UTC(2026, i % 12, 1 + (i % 28), i % 24, (i * 7) % 60, (i * 13) % 60)));
    for (const d of dates) {
      const iso = d.toISOString();
      expect(when(iso, 'id'), iso).toBe(d.toLocaleString('id-ID', OPTIONS));
      expect(when(iso, 'en'), iso).toBe(d.toLocaleString('en-GB', OPTIONS));
    }
    expect(when('2026-12-07T03:58:51.000Z', 'en')).toBe(new Date('2026-12-07T03:58:51.000Z').toLocaleString('en-GB', OPTIONS));
  });

  it('says — for no date, and Invalid Date for a bad one (as Date did)', () => {
    expect(when(null, 'id')).toBe('—');
    expect(when('not a date', 'en')).toBe(new Date('not a date').toLocaleString('en-GB', OPTIONS));
  });
});
