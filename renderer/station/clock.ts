/** The screen's clock: a time that ticks every second, and times written the operator's way. */
import { useEffect, useState } from 'react';

/** The time now, ticking every second (only while `ticking`: a clock with nothing running need not re-render). */
export function useClock(ticking = true): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    if (!ticking) return undefined;
    setNow(new Date());
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, [ticking]);
  return now;
}

export const timeOf = (iso: string | Date, lang: 'id' | 'en'): string =>
  new Date(iso).toLocaleTimeString(lang === 'id' ? 'id-ID' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A date and time the operator's way, to the minute (a printed sheet's "as of", a carton's packing time). */
export const dateTimeOf = (at: number | Date, lang: 'id' | 'en'): string =>
  new Date(at).toLocaleString(lang === 'id' ? 'id-ID' : 'en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });

/** Time worked, as a clock on the floor reads it: `1:05:09` (hours not capped). */
export function durationOf(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}
