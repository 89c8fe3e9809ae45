/**
 * What a command handler may use of the station core: recording through the one path, the session, supervisor
 * credentials, local state (read only) and the station's keys. Handlers never touch the store.
 */
import type { Ack, CommandError, CommandName, CommandResult, ParsedParams, SessionInfo, StationView } from '../../../shared/api';
import type { TransferSlipFields } from '../../../shared/barcode';
import type { SsccAllocation } from '../../../shared/barcode/sscc';
import type { FloorState } from '../../../shared/docs';
import type { Action, FloorEvent } from '../../../shared/events';
import type { MasterData, Operator, Station } from '../../../shared/master';
import type { DetectorControl } from '../ports';

/** A command failed: nothing was recorded. */
export class CommandFailure extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

export function fail(code: CommandError['code'], message: string, refusal?: CommandError['refusal']): never {
  throw new CommandFailure(refusal ? { code, message, refusal } : { code, message });
}

/** Who asks, as the transport names the caller (kiosk screen session, IPC sender, or `in-process`). */
export interface HandlerContext {
  connection: string;
}

/** A packing station's carton numbers (electron/sync/sscc-lease-book.ts): each taken durably before it is returned. */
export interface CartonNumbers {
  take(): SsccAllocation | null;
  readonly remaining: number;
}

export interface CommandHost {
  readonly station: Station;
  /** Local state: pulled documents + own pending events (read only). */
  readonly state: FloorState;
  readonly master: MasterData;
  now(): number;
  /** The one recording path (rules, durable commit, subscribers). */
  record(action: Action, opts: { eventId?: string | undefined; operatorId: string | null }): Promise<Ack>;
  /** An own event by id (a retried command answers with what it recorded the first time). */
  ownEvent(eventId: string): Promise<FloorEvent | undefined>;
  /** The logged-in operator (refuses with `unauthenticated` when nobody is); counts as activity. */
  requireSession(): SessionInfo;
  /** The logged-in operator's id, or null (supervisor actions may run without a session). */
  sessionOperatorId(): string | null;
  login(p: ParsedParams<'session.login'>, connection: string): Promise<CommandResult<'session.login'>>;
  /** Ends the session (pausing the operator's running labour clocks first); `manual` unless said otherwise. */
  logout(reason?: 'manual' | 'timeout'): Promise<CommandResult<'session.logout'>>;
  /** A supervisor of this station's department, by their own badge + PIN (throttled per operator and caller). */
  checkSupervisor(badge: string, pin: string, connection: string): Promise<Operator>;
  /** A supervisor or QC inspector of this station's department, by their own badge + PIN (throttled the same way). */
  checkInvestigator(badge: string, pin: string, connection: string): Promise<Operator>;
  /** This station's signature on a transfer slip. */
  signSlip(fields: TransferSlipFields): Promise<string>;
  /** The public key of a station whose slips this one trusts (not revoked), if known. */
  publicKeyOf(stationId: string): Promise<CryptoKey | undefined>;
  view(): StationView;
  /** The hardware bridge's detectors, or null when none is connected to this station. */
  detectors(): DetectorControl | null;
  /** This packing station's carton numbers; null at other departments; the Error when its file cannot be trusted. */
  cartonNumbers(): CartonNumbers | Error | null;
}

export type CommandHandler<C extends CommandName> = (params: ParsedParams<C>, ctx: HandlerContext) => Promise<CommandResult<C>> | CommandResult<C>;
/** Every command of the table (shared/api.ts COMMANDS) has exactly one handler, typed by its own params and result. */
export type CommandHandlers = { [C in CommandName]: CommandHandler<C> };
