/**
 * Hybrid logical clock (HLC): causality across stations whose wall clocks drift and jump.
 *
 * Timestamp format (a plain string, so it sorts correctly in SQLite, PostgreSQL and JS without parsing):
 *
 *     <wallMs: 13 digits, zero-padded>-<counter: 5 digits, zero-padded>-<nodeId>
 *     e.g. "1767225600000-00003-ST-CUT-01"
 *
 * - `wallMs` is milliseconds since the Unix epoch (13 digits covers up to year 2286).
 * - `counter` orders events within one `wallMs` (0..99999).
 * - `nodeId` (usually the station id) breaks ties between nodes; it may itself contain `-`, because the first two
 *   fields are fixed width.
 * Because both numeric fields are fixed width, plain string comparison == `compareHlc`.
 *
 * Bounded drift: a remote timestamp more than `maxDriftMs` ahead of our physical clock is refused with
 * `ClockDriftError` instead of being adopted. Otherwise one station whose clock is a day fast would drag every
 * station (and the server) a day into the future, permanently, since an HLC never goes back.
 *
 * Pure: no Node or DOM APIs, runs in the station core, the server and the renderer.
 */
import { z } from 'zod';

export const HLC_WALL_DIGITS = 13;
export const HLC_COUNTER_DIGITS = 5;
export const HLC_MAX_WALL_MS = 10 ** HLC_WALL_DIGITS - 1;
export const HLC_MAX_COUNTER = 10 ** HLC_COUNTER_DIGITS - 1;

/** Node ids go into a sortable string: keep them short, printable and free of whitespace. */
export const HlcNodeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'HLC nodeId must be 1-64 chars of [A-Za-z0-9._:-], starting alphanumeric');

const HLC_PATTERN = /^(\d{13})-(\d{5})-([A-Za-z0-9][A-Za-z0-9._:-]{0,63})$/;

/** zod schema for an HLC timestamp string (use it in event envelopes). */
export const HlcTimestamp = z
  .string()
  .regex(HLC_PATTERN, 'HLC timestamp must look like "<13-digit wallMs>-<5-digit counter>-<nodeId>"');
export type HlcTimestamp = z.infer<typeof HlcTimestamp>;

export interface ParsedHlc {
  wallMs: number;
  counter: number;
  nodeId: string;
}

export class HlcParseError extends Error {
  override readonly name = 'HlcParseError';
  constructor(
    readonly input: unknown,
    detail: string,
  ) {
    super(`Invalid HLC timestamp ${JSON.stringify(input)}: ${detail}`);
  }
}

/** A remote clock is too far ahead of ours: the timestamp was refused and our clock did not move. */
export class ClockDriftError extends Error {
  override readonly name = 'ClockDriftError';
  readonly driftMs: number;
  constructor(
    readonly remote: string,
    readonly remoteWallMs: number,
    readonly localWallMs: number,
    readonly maxDriftMs: number,
  ) {
    const driftMs = remoteWallMs - localWallMs;
    super(
      `Remote clock is ${driftMs} ms ahead of local physical time (max ${maxDriftMs} ms): refusing ${remote}`,
    );
    this.driftMs = driftMs;
  }
}

/** A local clock that cannot be represented (negative, NaN, past year 2286). */
export class HlcClockError extends Error {
  override readonly name = 'HlcClockError';
}

export function parseHlc(s: unknown): ParsedHlc {
  const r = HlcTimestamp.safeParse(s);
  if (!r.success) {
    throw new HlcParseError(s, r.error.issues[0]?.message ?? 'not a string');
  }
  // The regex guarantees all three groups exist.
  const m = HLC_PATTERN.exec(r.data) as RegExpExecArray;
  return { wallMs: Number(m[1]), counter: Number(m[2]), nodeId: m[3] as string };
}

export function formatHlc(t: ParsedHlc): string {
  if (!Number.isSafeInteger(t.wallMs) || t.wallMs < 0 || t.wallMs > HLC_MAX_WALL_MS) {
    throw new HlcClockError(`HLC wallMs out of range: ${t.wallMs}`);
  }
  if (!Number.isSafeInteger(t.counter) || t.counter < 0 || t.counter > HLC_MAX_COUNTER) {
    throw new HlcClockError(`HLC counter out of range: ${t.counter}`);
  }
  HlcNodeId.parse(t.nodeId);
  return `${String(t.wallMs).padStart(HLC_WALL_DIGITS, '0')}-${String(t.counter).padStart(HLC_COUNTER_DIGITS, '0')}-${t.nodeId}`;
}

/** Total order: wallMs, then counter, then nodeId (by UTF-16 code unit, i.e. the same as string comparison). */
export function compareHlc(a: string, b: string): -1 | 0 | 1 {
  const pa = parseHlc(a);
  const pb = parseHlc(b);
  if (pa.wallMs !== pb.wallMs) return pa.wallMs < pb.wallMs ? -1 : 1;
  if (pa.counter !== pb.counter) return pa.counter < pb.counter ? -1 : 1;
  if (pa.nodeId !== pb.nodeId) return pa.nodeId < pb.nodeId ? -1 : 1;
  return 0;
}

/** The wall-clock part, in ms since epoch (what the dashboard shows and uses for skew). */
export function hlcWallTime(s: string): number {
  return parseHlc(s).wallMs;
}

/**
 * Where a node's clock resumes after a restart, from the timestamps it stamped last, newest first: the newest one this
 * version reads. One it cannot read (a newer version's format, a damaged row) is skipped, but a leading 13-digit wall
 * time in it still lifts the resume point above that millisecond, so the clock never stamps below what it stamped.
 * `initial` is undefined when nothing gives a time (the clock starts from the wall clock).
 */
export function resumePoint(stamps: readonly unknown[], nodeId: string): { initial?: string; unreadable: number } {
  let unreadable = 0;
  let lifted = -1;
  for (const s of stamps) {
    const r = HlcTimestamp.safeParse(s);
    if (r.success) {
      const p = parseHlc(r.data);
      if (lifted < p.wallMs) return { initial: r.data, unreadable };
      break;
    }
    unreadable++;
    const lead = typeof s === 'string' ? /^(\d{13})(?!\d)/.exec(s) : null;
    if (lead) lifted = Math.max(lifted, Number(lead[1]));
  }
  if (lifted < 0) return { unreadable };
  return { initial: formatHlc({ wallMs: Math.min(HLC_MAX_WALL_MS, lifted + 1), counter: 0, nodeId }), unreadable };
}

export interface Hlc {
  /** Timestamp for a local event; strictly greater than every timestamp this clock issued or received. */
  send(): string;
  /**
   * Merge a remote timestamp; returns a new timestamp strictly greater than both the remote one and everything
   * this clock issued. Throws `ClockDriftError` (state unchanged) when the remote is too far ahead,
   * `HlcParseError` when it is not an HLC timestamp.
   */
  receive(remote: string): string;
  /** The last timestamp issued (or the initial one), without advancing the clock. */
  peek(): string;
}

export interface HlcOptions {
  /**
   * The last timestamp this node issued before a restart (persisted by the caller). The clock resumes above it,
   * so a station whose clock was set back while powered off still orders its new events after its old ones.
   */
  initial?: string;
}

export function createHlc(
  nodeId: string,
  now: () => number = Date.now,
  maxDriftMs = 60_000,
  options: HlcOptions = {},
): Hlc {
  const node = HlcNodeId.safeParse(nodeId);
  if (!node.success) throw new HlcParseError(nodeId, node.error.issues[0]?.message ?? 'bad nodeId');
  if (!(maxDriftMs >= 0)) throw new RangeError(`maxDriftMs must be >= 0, got ${maxDriftMs}`);

  let wall = 0;
  let counter = 0;
  if (options.initial !== undefined) {
    const init = parseHlc(options.initial);
    wall = init.wallMs;
    counter = init.counter;
  }

  const physical = (): number => {
    const t = now();
    if (!Number.isFinite(t) || t < 0 || t > HLC_MAX_WALL_MS) {
      throw new HlcClockError(`Local clock returned an unusable time: ${t}`);
    }
    return Math.floor(t);
  };

  // When the counter would overflow its 5 digits we borrow the next millisecond instead: order is preserved and
  // the logical clock runs ahead of physical time by at most 1 ms per 100k events in one ms.
  const commit = (w: number, c: number): string => {
    if (c > HLC_MAX_COUNTER) {
      w += 1;
      c = 0;
    }
    if (w > HLC_MAX_WALL_MS) throw new HlcClockError('HLC wall time overflow');
    wall = w;
    counter = c;
    return formatHlc({ wallMs: wall, counter, nodeId });
  };

  return {
    send() {
      const pt = physical();
      if (pt > wall) return commit(pt, 0);
      return commit(wall, counter + 1);
    },
    receive(remote: string) {
      const r = parseHlc(remote);
      const pt = physical();
      if (r.wallMs - pt > maxDriftMs) {
        throw new ClockDriftError(remote, r.wallMs, pt, maxDriftMs);
      }
      const w = Math.max(wall, r.wallMs, pt);
      let c: number;
      if (w === wall && w === r.wallMs) c = Math.max(counter, r.counter) + 1;
      else if (w === wall) c = counter + 1;
      else if (w === r.wallMs) c = r.counter + 1;
      else c = 0;
      return commit(w, c);
    },
    peek() {
      return formatHlc({ wallMs: wall, counter, nodeId });
    },
  };
}
