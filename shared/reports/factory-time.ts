/**
 * The factory's wall clock: reports, charts and exports show dates in the factory's time zone (WIB, Asia/Jakarta, by
 * default), not the server's (often UTC) nor the reader's browser's. Hours and days are the factory's own: "today"
 * starts at the factory's midnight. Pure (Intl only): runs on the server and in the dashboard alike.
 */
import { z } from 'zod';

export const DEFAULT_FACTORY_TIME_ZONE = 'Asia/Jakarta';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name the runtime knows (e.g. `Asia/Jakarta`). */
export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, 'not a known time zone (e.g. Asia/Jakarta)');

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  return f;
}

interface WallParts { year: number; month: number; day: number; hour: number; minute: number; second: number }

function wallParts(ms: number, tz: string): WallParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(ms))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year ?? 0, month: parts.month ?? 1, day: parts.day ?? 1, hour: (parts.hour ?? 0) % 24, minute: parts.minute ?? 0, second: parts.second ?? 0 };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-12-05 19:03:12`: the factory's wall time of `ms`. */
export function factoryDateTime(ms: number, tz: string): string {
  const p = wallParts(ms, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** Offset of the factory's wall clock from UTC at `ms` (WIB: +7 h), in ms. */
function offsetAt(ms: number, tz: string): number {
  const p = wallParts(ms, tz);
  const wallAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wallAsUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant the factory's hour holding `ms` began (hours are whole-hour aligned in every zone a factory uses). */
export function factoryHourStart(ms: number, tz: string): number {
  const offset = offsetAt(ms, tz);
  const wall = ms + offset;
  return wall - (((wall % 3_600_000) + 3_600_000) % 3_600_000) - offset;
}

/** The instant the factory's day holding `ms` began (its local midnight; a DST change that day is honoured). */
export function factoryDayStart(ms: number, tz: string): number {
  const p = wallParts(ms, tz);
  const midnightAsUtc = Date.UTC(p.year, p.month - 1, p.day);
  let start = midnightAsUtc - offsetAt(ms, tz);
  // The offset at midnight may differ from the offset now (a DST change during the day): correct once.
  start = midnightAsUtc - offsetAt(start, tz);
  return start;
}
