import { hlcWallTime } from '../../shared/hlc';

/** An HLC timestamp as ISO wall time, for people (unreadable ones as they are). Ordering stays the server's. */
export function isoOfHlc(hlc: string): string {
  try {
    return new Date(hlcWallTime(hlc)).toISOString();
  } catch {
    return hlc;
  }
}
