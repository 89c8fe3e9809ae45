/**
 * A push request's events, from raw JSON to typed values (pure): every event in the pushing station's own name with a
 * usable envelope, else the whole request is refused; an event that does not parse beyond its envelope is kept, to be
 * stored refused ('invalid_event'), with anything PostgreSQL cannot store scrubbed out. An event whose only fault in
 * the envelope is its id is kept the same way, under an id derived from its station and seq.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, EVENT_TYPES, parseEvent, type FloorEvent } from '../../shared/events';
import { HlcTimestamp } from '../../shared/hlc';
import { Uuid } from '../../shared/ids';
import { OperatorId } from '../../shared/master';
import { rosterVersionOf } from '../../shared/sync';
import type { EventInsert } from '../changes';
import { PushError } from './push-error';

/**
 * A pushed event whose envelope is usable (a UUID id, the pushing station's own name, a positive integer seq) but
 * which does not parse (an event type or field this server does not know: a newer station version, a bug). It takes
 * its place in the station's seq order like any other and is stored refused ('invalid_event', `parseError`), so the
 * station's later events still go through: nothing a station sent is dropped, nothing blocks its sync.
 * The other columns keep what the raw event has where it is well-formed, else a placeholder: hlc '', type '',
 * operatorId null, v 0, payload {} (also for a payload PostgreSQL's jsonb cannot hold: \u0000, a lone surrogate).
 */
export interface UnparsedEvent extends Omit<EventInsert, 'status' | 'refusal'> {
  /** Why it does not parse (the refusal's message). */
  parseError: string;
}

/** A parsed event with the roster it was recorded under, if its station said (RosterStamp in shared/sync.ts). */
export type StampedEvent = FloorEvent & { rosterVersion?: number };

/** What parseBatch returns: an event, or one stored refused because it does not parse. */
export type PushedEvent = StampedEvent | UnparsedEvent;

export const isUnparsed = (e: PushedEvent): e is UnparsedEvent => 'parseError' in e;

/** What an event needs to take its place in a station's seq order (and be answered): else the request is a 400. */
const UsableEnvelope = z.looseObject({
  id: Uuid,
  stationId: z.string(),
  seq: z.number().int().positive(),
});

/**
 * An envelope whose id is missing or not a UUID but whose seq and station are usable: it can take its place in the
 * station's order, so it is kept refused under an id derived from (station, seq) rather than refusing the whole
 * request, which the station would retry forever (its later events blocked behind it). Derived, so a retry of the
 * same event lands on the same row.
 */
const PlaceableEnvelope = z.looseObject({
  stationId: z.string(),
  seq: z.number().int().positive(),
});

/** A UUID (version 8, RFC 9562 variant) derived from the station and seq of an event that came without a usable id. */
export function derivedEventId(stationId: string, seq: number): string {
  const h = createHash('sha256').update(`qsf-event-id\0${stationId}\0${seq}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** An unparsed event's other columns: kept where well-formed, else placeholders (see UnparsedEvent). */
const KeptFields = z.object({
  hlc: HlcTimestamp.catch(''),
  operatorId: OperatorId.nullable().catch(null),
  type: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/)
    .catch(''),
  v: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 31 - 1)
    .catch(0),
});

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const MAX_PARSE_ERROR = 1000;
/** A NUL or any surrogate: text without one is storable, and almost all text is (no lookaround to run). */
// eslint-disable-next-line no-control-regex -- NUL is what it looks for
const NUL_OR_SURROGATE = /[\u0000\ud800-\udfff]/;
// `search` ignores the pattern's global flag and lastIndex (test would not).
const unstorableString = (s: string): boolean => NUL_OR_SURROGATE.test(s) && (s.includes('\u0000') || s.search(LONE_SURROGATE) >= 0);

/** Text PostgreSQL cannot store (jsonb refuses NUL and lone surrogates) anywhere in a value, keys included. */
export function hasUnstorableText(v: unknown): boolean {
  if (typeof v === 'string') return unstorableString(v);
  if (Array.isArray(v)) {
    for (const x of v) if (hasUnstorableText(x)) return true;
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (unstorableString(k) || hasUnstorableText(o[k])) return true;
  }
  return false;
}
const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

function unparsedEvent(raw: z.infer<typeof UsableEnvelope>, error: string): UnparsedEvent {
  const kept = KeptFields.parse(raw);
  const payload = raw.payload;
  const storable = payload !== undefined && payload !== null && !hasUnstorableText(payload);
  // A type this server does not know fails the discriminated union with the list of every known type: say it plainly.
  const why =
    typeof raw.type === 'string' && !KNOWN_TYPES.has(raw.type)
      ? `type: ${kept.type ? `'${kept.type}' is` : 'not'} an event type this server ${kept.type ? 'does not know (a newer station version?)' : 'knows'}`
      : error;
  return {
    id: raw.id,
    stationId: raw.stationId,
    seq: raw.seq,
    ...kept,
    payload: storable ? payload : {},
    // Cut first, then clean: a cut through a surrogate pair leaves a lone half, which jsonb would refuse.
    parseError: why.slice(0, MAX_PARSE_ERROR).replaceAll('\u0000', '').replace(LONE_SURROGATE, ''),
  };
}

/**
 * Parse the batch: every event must be in the pushing station's own name (else 403) with a usable envelope (else
 * 400, nothing stored). An event that does not parse beyond that is kept as an UnparsedEvent (stored refused).
 * Returned sorted by seq.
 */
export function parseBatch(stationId: string, raw: readonly unknown[]): PushedEvent[] {
  const events: PushedEvent[] = [];
  const wrongStation = (i: number, other: string) =>
    new PushError(403, 'wrong_station', `events.${i}: station ${stationId} may only push its own events, not ${other}'s`);
  raw.forEach((r, i) => {
    // The full parse first (every event a station of this version sends passes it); the envelope only when it fails.
    const p = parseEvent(r);
    if (p.ok) {
      if (p.value.stationId !== stationId) throw wrongStation(i, p.value.stationId);
      // Well-formed, but the database would refuse the whole group over it (and the station would retry forever).
      if (hasUnstorableText(p.value.payload)) {
        events.push(unparsedEvent(p.value, 'payload: text with a NUL character or a lone surrogate, which the database cannot store'));
      } else {
        // The parse's output is a fresh object (zod copies what it parses): the stamp goes onto it, not into a copy.
        const e: StampedEvent = p.value;
        const rosterVersion = rosterVersionOf(r as object);
        if (rosterVersion !== undefined) e.rosterVersion = rosterVersion;
        events.push(e);
      }
      return;
    }
    const env = UsableEnvelope.safeParse(r);
    if (!env.success) {
      const placeable = PlaceableEnvelope.safeParse(r);
      const idOnly = placeable.success && env.error.issues.every((issue) => issue.path[0] === 'id');
      if (!placeable.success || !idOnly) throw new PushError(400, 'bad_event', `events.${i}: ${describeIssues(env.error)}`);
      if (placeable.data.stationId !== stationId) throw wrongStation(i, placeable.data.stationId);
      const id = derivedEventId(stationId, placeable.data.seq);
      events.push(unparsedEvent({ ...placeable.data, id }, `${describeIssues(env.error)} (kept refused under the id ${id}, derived from its station and seq)`));
      return;
    }
    if (env.data.stationId !== stationId) throw wrongStation(i, env.data.stationId);
    events.push(unparsedEvent(env.data, p.error));
  });
  const seqs = new Set<number>();
  for (const e of events) {
    if (seqs.has(e.seq)) throw new PushError(400, 'bad_event', `two events with seq ${e.seq} in one batch`);
    seqs.add(e.seq);
  }
  return events.sort((a, b) => a.seq - b.seq);
}
