/**
 * Clocks bounded (pure): what the server makes of a pushed event's HLC before any rule runs (docs/sync-protocol.md,
 * "Clocks"). The server orders by its own sequence, never by HLC; what a station's clock can still poison is the
 * times the rules write into documents and compare (a verification's `lastPassAt`, an alert's `raisedAt`).
 * - Another station's node id in the HLC: REFUSED (`hlc_node_mismatch`). A station's clock stamps only its own id
 *   (the core creates its HLC with its station id), so this is a copied, cloned or forged record: nothing real is
 *   lost by not counting it, and counting it would put a record under another station's clock.
 * - Far ahead of the server's time (more than MAX_HLC_AHEAD_MS): applied, FLAGGED (`clock_ahead`), and decided at the
 *   server's time of receipt. Refusing would lose real floor facts (pieces, detections, halts) and, since an HLC never
 *   goes back, refuse every later event of that station too; deciding at the stamped time would write it into the
 *   documents (a verification "passed" in 2286 would never be overdue).
 * - Before the station's first enrollment (epoch 0 included), by more than the same margin: applied, FLAGGED
 *   (`clock_before_enrollment`), decided as stamped. A slow clock or a dead CMOS battery (1970) is the usual cause:
 *   the facts are real, and a time in the past only makes a verification overdue sooner (the safe side).
 */
import type { FloorEvent } from '../../shared/events';
import { formatHlc, HLC_COUNTER_DIGITS, HLC_WALL_DIGITS, parseHlc } from '../../shared/hlc';
import { refusal, type Refusal } from '../../shared/refusal';

/** How far ahead of the server's time an HLC may read before its event is flagged and decided at the server's time. */
export const MAX_HLC_AHEAD_MS = 5 * 60_000;
/** How far before its station's first enrollment an HLC may read (a clock a little slow) before it is flagged. */
export const MAX_HLC_BEFORE_ENROLLMENT_MS = MAX_HLC_AHEAD_MS;

export type ClockVerdict =
  /** `decideAs`: the event the rules decide (its HLC moved to the server's time when flagged ahead). */
  | { ok: true; flag: Refusal | null; decideAs: FloorEvent }
  | { ok: false; refusal: Refusal };

const iso = (ms: number): string => new Date(ms).toISOString();

/** Where the node id starts in an HLC string: both numeric fields are fixed width (shared/hlc.ts). */
const NODE_AT = HLC_WALL_DIGITS + 1 + HLC_COUNTER_DIGITS + 1;

/**
 * The wall time and node id of a parsed event's HLC. Its envelope schema (HlcTimestamp) has checked the format, so
 * the fields are read by position, without parsing it again for every pushed event; anything else (not a parsed
 * event's HLC) goes through parseHlc, which judges it.
 */
function wallAndNode(hlc: string): { wallMs: number; nodeId: string } {
  if (hlc.length > NODE_AT && hlc.charCodeAt(HLC_WALL_DIGITS) === 0x2d && hlc.charCodeAt(NODE_AT - 1) === 0x2d && digitsOnly(hlc, HLC_WALL_DIGITS)) {
    return { wallMs: Number(hlc.slice(0, HLC_WALL_DIGITS)), nodeId: hlc.slice(NODE_AT) };
  }
  return parseHlc(hlc);
}

function digitsOnly(s: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** `serverNowMs`: the server's time when the push arrived; `enrolledAtMs`: the station's first enrollment. */
export function judgeClock(e: FloorEvent, enrolledAtMs: number, serverNowMs: number): ClockVerdict {
  const hlc = wallAndNode(e.hlc);
  if (hlc.nodeId !== e.stationId) {
    return { ok: false, refusal: refusal('hlc_node_mismatch', `HLC ${e.hlc} is ${hlc.nodeId}'s clock, not ${e.stationId}'s`) };
  }
  if (hlc.wallMs - serverNowMs > MAX_HLC_AHEAD_MS) {
    const flag = refusal('clock_ahead', `HLC reads ${iso(hlc.wallMs)}, ${Math.round((hlc.wallMs - serverNowMs) / 1000)} s ahead of the server (at most ${MAX_HLC_AHEAD_MS / 1000} s): decided at the server's time ${iso(serverNowMs)}`);
    return { ok: true, flag, decideAs: { ...e, hlc: formatHlc({ ...parseHlc(e.hlc), wallMs: serverNowMs }) } };
  }
  if (enrolledAtMs - hlc.wallMs > MAX_HLC_BEFORE_ENROLLMENT_MS) {
    const flag = refusal('clock_before_enrollment', `HLC reads ${iso(hlc.wallMs)}, before ${e.stationId} first enrolled (${iso(enrolledAtMs)})`);
    return { ok: true, flag, decideAs: e };
  }
  return { ok: true, flag: null, decideAs: e };
}
