import { z } from 'zod';

/**
 * Why a rule refused an event. Codes are stable (the UI translates them); `message` gives the specifics. The server's
 * flags on applied events (PushOutcome.flag in sync.ts) take their codes from this list too, so they read the same.
 */
export const REFUSAL_CODES = [
  'unknown_station',
  'unknown_operator',
  'not_logged_in',
  'not_authorised',
  'not_supervisor',
  'unknown_work_order',
  'wrong_department',
  'wrong_line',
  'work_order_closed',
  'article_mismatch',
  'destination_mismatch',
  'exceeds_planned',
  /** A cut part the work order's bill of cut parts does not list. */
  'unknown_part',
  /** Step 300: the parts counted at acceptance make another number of complete sets than the count given. */
  'parts_count_mismatch',
  'exceeds_available',
  'wrong_stage',
  'defect_reason_required',
  'not_next_on_route',
  'wrong_work_order',
  'unknown_transfer',
  'transfer_already_locked',
  'transfer_already_accepted',
  'count_mismatch',
  /** A count above what the slip / transfer says was sent. */
  'count_exceeds_sent',
  /** The slip's signer is not a station of the sending department. */
  'slip_signer_not_sender',
  'unknown_conflict',
  'conflict_not_open',
  'slip_mismatch',
  'line_halted',
  'line_not_halted',
  'already_halted',
  'halt_mismatch',
  'line_not_cleared',
  'wrong_step',
  'checklist_incomplete',
  'verification_inconsistent',
  /** A verification recorded as passed that did not test every required metal (shared/rules/verification.ts). */
  'verification_incomplete',
  'unknown_hold',
  'hold_not_open',
  'hold_results_mismatch',
  'duplicate_carton',
  'unknown_carton',
  'not_ready',
  /** Packing cannot complete an order while pieces of it are upstream or in transit (a supervisor may close it short). */
  'pieces_upstream',
  'unknown_alert',
  'alert_closed',
  /** An alert step that does not follow its current one (acknowledging twice, investigating again). */
  'alert_out_of_order',
  /** An alert whose cause is still there (a halt) closes with it (line.released), not by hand. */
  'alert_cause_active',
  /** Investigating and closing alerts: a supervisor or QC inspector of the department only. */
  'not_supervisor_or_qc',
  /** Labour time: starting a clock that runs, pausing or finishing one that does not (shared/rules/labour.ts). */
  'labour_running',
  'labour_not_running',
  /**
   * Not a rule's refusal: the server could not parse the event (an event type or field it does not know, e.g. from a
   * newer station version). Its envelope (id, station, seq) was usable, so it is kept, refused, in seq order.
   */
  'invalid_event',
  /**
   * Not a rule's refusal: another event of this station already holds the event's seq on the server (a station
   * restored from an old copy recorded anew at seqs its lost events took). Kept beside it for a supervisor's review.
   */
  'seq_conflict',
  /** Not a rule's refusal: the event's HLC names another station's clock (the server refuses it; sync-protocol.md). */
  'hlc_node_mismatch',
  /** A flag, not a refusal: applied at the server's time, its HLC being far ahead of it (sync-protocol.md). */
  'clock_ahead',
  /** A flag, not a refusal: applied, its HLC reading before its station first enrolled (sync-protocol.md). */
  'clock_before_enrollment',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export function refusal(code: RefusalCode, message: string): Refusal {
  return { code, message };
}

/**
 * The body of a 'refusal' document (kind REFUSAL_KIND in sync.ts): the server writes one for every event it refuses,
 * scoped to the station that recorded it, which lists it on its screen. The server builds it with this type and the
 * station parses what it pulls with this schema. `code` is any string, not the enum: a station must still show a
 * refusal whose code a newer server added.
 */
export const RefusalDocument = z.object({
  eventId: z.string(),
  seq: z.number().int().positive(),
  /** The event's type, '' when the event did not carry a usable one (invalid_event). */
  type: z.string(),
  code: z.string(),
  message: z.string(),
  stationId: z.string(),
  /** The event's HLC, '' when it did not carry a usable one (invalid_event). */
  hlc: z.string(),
});
export type RefusalDocument = z.infer<typeof RefusalDocument>;
