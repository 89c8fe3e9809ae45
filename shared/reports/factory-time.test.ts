import { describe, expect, it } from 'vitest';
import { factoryDateTime, factoryDayStart, factoryHourStart, TimeZone } from './factory-time';

const JKT = 'Asia/Jakarta';

describe("the factory's wall clock", () => {
  it('shows an instant in WIB (UTC+7), not UTC', () => {
    expect(factoryDateTime(Date.UTC(2026, 11, 5, 17, 30, 5), JKT)).toBe('2026-12-06 00:30:05');
    expect(factoryDateTime(Date.UTC(2026, 11, 5, 16, 59, 59), JKT)).toBe('2026-12-05 23:59:59');
    expect(factoryDateTime(Date.UTC(2026, 11, 5, 17, 30, 5), 'UTC')).toBe('2026-12-05 17:30:05');
  });

  it("'today' starts at the factory's midnight: 17:00 UTC the day before in Jakarta", () => {
    expect(new Date(factoryDayStart(Date.UTC(2026, 11, 5, 16, 0), JKT)).toISOString()).toBe('2026-12-04T17:00:00.000Z');
    expect(new Date(factoryDayStart(Date.UTC(2026, 11, 5, 17, 0), JKT)).toISOString()).toBe('2026-12-05T17:00:00.000Z');
  });

  it('keeps a DST day right (Berlin, the retailer’s side): midnight is 23:00 UTC in winter, 22:00 in summer', () => {
    expect(new Date(factoryDayStart(Date.UTC(2026, 0, 10, 12), 'Europe/Berlin')).toISOString()).toBe('2026-01-09T23:00:00.000Z');
    // 29 March 2026: clocks go forward at 02:00; the day began at 00:00 CET = 23:00 UTC the day before.
    expect(new Date(factoryDayStart(Date.UTC(2026, 2, 29, 20), 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });

  it('hours are whole factory hours, also in a half-hour zone', () => {
    expect(new Date(factoryHourStart(Date.UTC(2026, 11, 5, 3, 42, 10), JKT)).toISOString()).toBe('2026-12-05T03:00:00.000Z');
    // India (UTC+5:30): 09:12 IST is 03:42 UTC; its hour began 09:00 IST = 03:30 UTC.
    expect(new Date(factoryHourStart(Date.UTC(2026, 11, 5, 3, 42, 10), 'Asia/Kolkata')).toISOString()).toBe('2026-12-05T03:30:00.000Z');
  });

  it('accepts only known zones', () => {
    expect(TimeZone.safeParse('Asia/Jakarta').success).toBe(true);
    expect(TimeZone.safeParse('Mars/Olympus').success).toBe(false);
  });
});
