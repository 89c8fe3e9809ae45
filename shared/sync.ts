/**
 * The sync contract between a station and the server (docs/sync-protocol.md explains it):
 *   push  POST /api/push  {events}            -> PushResponse   (events up: insert-only, idempotent by id)
 *   pull  GET  /api/pull?checkpoint=&limit=   -> PullResponse   (documents down, commit-ordered checkpoint)
 *   live  GET  /api/stream (SSE)              -> StreamMessage ("RESYNC" | {type:'change'} | {type:'revoked'})
 */
import { z } from 'zod';
import type { Doc } from './docs';

/**
 * The error code of a 401 that means "this station's token is unknown or revoked": the station stops syncing and
 * needs a new enrollment code. Any other 401 (a proxy in between, a missing header) is retried like a server error,
 * so a misconfigured network cannot make a station forget its enrollment.
 */
export const STATION_TOKEN_REJECTED = 'station_token_rejected';

export const MAX_PUSH_BATCH = 500;

/** The largest PostgreSQL `integer` (int4): counts stored in int4 columns are checked against it at the boundary. */
export const MAX_INT4 = 2 ** 31 - 1;
/** The largest time a JavaScript Date can hold (ms since 1970): a station time beyond it is not a clock reading. */
export const MAX_TIME_MS = 8.64e15;

/** NUL or a UTF-16 surrogate without its pair: text PostgreSQL refuses in `text` and `jsonb` (the write would fail). */
// eslint-disable-next-line no-control-regex -- NUL is exactly the character to refuse
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Free text that goes into the database: at most `max` characters, none PostgreSQL cannot store. */
export function storableText(max: number): z.ZodString {
  return z.string().max(max).regex(new RegExp(`^(?:(?!${UNSTORABLE_TEXT.source}).)*$`, 's'), 'text with a NUL character or a lone surrogate');
}

const StationTime = z.number().int().positive().max(MAX_TIME_MS);
/** A counter a station reports (backlog, device faults): stored in int4 columns or shown as such. */
const ReportedCount = z.number().int().nonnegative().max(MAX_INT4);

/** Events travel as plain JSON; the server parses each with the shared schemas (`parseEvent`). */
export const PushRequest = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_PUSH_BATCH),
  /** The station's wall clock when it sent the batch (ms): the server records the skew for the dashboard. */
  stationTime: StationTime.optional(),
});
export type PushRequest = z.infer<typeof PushRequest>;

/**
 * Beside a pushed event's envelope, not part of the event (nor stored with it): the change number of the pull cycle
 * the station had last applied when it recorded the event, i.e. the roster it judged the operator by. An operator the
 * office has deactivated since is judged by that roster (applied, flagged for review: docs/sync-protocol.md, "The
 * roster a station held"). Absent (an older station, a station that never pulled) or malformed: judged by today's
 * roster, as before.
 */
const RosterVersion = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const RosterStamp = z.object({ rosterVersion: RosterVersion.optional().catch(undefined) });
export type RosterStamp = z.infer<typeof RosterStamp>;

/**
 * `RosterStamp.parse(event).rosterVersion` of an object (a pushed event that parsed), without a parse of the object
 * around it: the field alone is judged (absent or malformed: undefined). Once per pushed event on the push path.
 */
export function rosterVersionOf(event: object): number | undefined {
  const v: unknown = (event as { rosterVersion?: unknown }).rosterVersion;
  if (v === undefined) return undefined;
  const r = RosterVersion.safeParse(v);
  return r.success ? r.data : undefined;
}

export const PushOutcome = z.object({
  id: z.string(),
  seq: z.number().int(),
  /** applied: changed the documents. refused: kept with its reason. duplicate: already stored (same answer as before). */
  status: z.enum(['applied', 'refused', 'duplicate']),
  refusal: z.object({ code: z.string(), message: z.string() }).nullable(),
  /**
   * Applied, but the server flagged it (its station's clock: `clock_ahead`, `clock_before_enrollment`; an operator
   * today's roster refuses, applied by the roster the station held: that refusal's code, e.g. `unknown_operator`);
   * kept on the stored event. Absent from servers that never flag.
   */
  flag: z.object({ code: z.string(), message: z.string() }).nullable().optional(),
});
export type PushOutcome = z.infer<typeof PushOutcome>;

export const PushResponse = z.object({
  results: z.array(PushOutcome),
  /** The last seq of this station the server has processed (applied or refused). */
  lastAppliedSeq: z.number().int().nonnegative(),
});
export type PushResponse = z.infer<typeof PushResponse>;

/** POST /api/heartbeat: what the station's screen shows about itself, reported to the office every few seconds. */
export const Heartbeat = z.object({
  /** Any clock reading, however wrong (a dead CMOS battery says 1970): shown as skew, never used for ordering. */
  stationTime: StationTime,
  backlog: ReportedCount,
  /** The station app's version (Electron's app version; package.json's in kiosk mode). Absent from older stations. */
  appVersion: storableText(40).min(1).optional(),
  /** At most 32, each id once per station's metric series (`qsf_device_connected{station,device}`). */
  devices: z
    .array(
      z.object({
        deviceId: storableText(40).min(1),
        kind: storableText(40),
        connected: z.boolean(),
        lastFrameAt: storableText(40).nullable(),
        faults: ReportedCount,
        errors: ReportedCount,
        reconnects: ReportedCount,
        message: storableText(300).nullable(),
      }),
    )
    .max(32),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

/**
 * A change number: every document written by one server transaction shares it; checkpoints are change numbers.
 * `epoch` names the server database the number belongs to (its `database_epoch` row and the database's own identity,
 * see `serverHead` in sync-server/changes.ts): a pull answered under another epoch means the database the station
 * pulled from is gone (restored from a backup, failed over), whatever change numbers the new one has handed out.
 * Optional: a checkpoint stored by an older station has none (the next pull gives it one).
 */
export const Checkpoint = z.object({ version: z.number().int().nonnegative(), epoch: z.string().min(1).max(200).optional() });
export type Checkpoint = z.infer<typeof Checkpoint>;

/** GET /api/pull's query (strings on the wire, hence coerced). */
export const PullQuery = z.object({
  /** Last checkpoint.version received; omit for "from the beginning". */
  checkpoint: z.coerce.number().int().nonnegative().optional(),
  /** Target batch size; a batch is extended to the end of its last transaction, so it may be larger. */
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export type PullQuery = z.infer<typeof PullQuery>;

/**
 * A plain object whose own keys are all strings: what `z.record(z.string(), z.unknown())` accepts, checked without
 * copying the object key by key as the record does (a pull answer's check would copy every key of every body: on the
 * server before sending it, on the station after receiving it).
 */
function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && Object.getOwnPropertySymbols(v).length === 0;
}

/**
 * A pulled document: `{kind,id,body,deleted,version}`. The body is only an object here; its shape per kind is
 * checked by the station at the boundary (`parsePulledBody` in docs.ts), so one bad document cannot refuse a batch.
 */
export const PulledDocument = z.object({
  kind: z.string().min(1),
  id: z.string().min(1),
  /** null: a deleted document's body may be gone. */
  body: z.custom<Record<string, unknown>>(isPlainRecord, 'expected an object').nullable(),
  deleted: z.boolean(),
  version: z.number().int(),
});
export type PulledDocument = z.infer<typeof PulledDocument>;

export const PullResponse = z.object({
  documents: z.array(PulledDocument),
  checkpoint: Checkpoint,
  /**
   * The server's latest change number. Change numbers only grow, so a station whose checkpoint is above it knows the
   * server's database went back (restored from a backup, failed over to a replica that had not seen everything).
   */
  head: z.number().int().nonnegative(),
});
export type PullResponse = z.infer<typeof PullResponse>;

/**
 * GET /api/stream (SSE) `data:` payloads (JSON). 'RESYNC' is sent on connect (and after the server may have missed
 * notifications): a checkpoint pull follows. A 'change' says "something you may see changed up to this checkpoint":
 * the client pulls. 'revoked' precedes the server closing the stream for good: stop reconnecting.
 */
export const StreamMessage = z.union([
  z.literal('RESYNC'),
  z.object({ type: z.literal('change'), checkpoint: Checkpoint }),
  z.object({ type: z.literal('revoked') }),
]);
export type StreamMessage = z.infer<typeof StreamMessage>;

/** Kinds of documents besides the floor state. */
export const REFUSAL_KIND = 'refusal';
export const STATION_PROGRESS_KIND = 'stationProgress';
export const STATION_KEY_KIND = 'stationKey';

/** Who may pull a document: a document carries tokens, a station pulls what matches `scopeTokensFor` it. */
export const scopeToken = {
  all: 'all',
  dept: (d: string) => `dept:${d}`,
  station: (id: string) => `station:${id}`,
} as const;

export function scopeTokensFor(station: { id: string; department: string }): string[] {
  return [scopeToken.all, scopeToken.dept(station.department), scopeToken.station(station.id)];
}

/**
 * Which stations pull a floor document: the departments that work with it. Alerts and holds go to everyone (the
 * station screens filter by line); they are few.
 */
export function floorDocScope(doc: Doc): string[] {
  switch (doc.kind) {
    case 'workOrder':
      return doc.place === 'subcon' ? [scopeToken.dept('cutting'), scopeToken.dept('finishing')] : [scopeToken.dept(doc.place)];
    case 'transfer':
    case 'conflict':
      return [...new Set([scopeToken.dept(doc.from), scopeToken.dept(doc.receivingDepartment)])];
    case 'line':
      return [scopeToken.dept(doc.department)];
    case 'hold':
    case 'alert':
      return [scopeToken.all];
  }
}
