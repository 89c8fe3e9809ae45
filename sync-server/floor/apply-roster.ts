/**
 * Operators judged by the roster the station held when it recorded (docs/sync-protocol.md, "The roster a station
 * held"). A station decides every command with its own roster, pulled when it could; the office may deactivate an
 * operator (or move them to another department) while the station works offline. The event then carries the change
 * number of the station's last applied pull cycle (`rosterVersion`): if today's roster refuses the event for who did
 * or signed it, and the roster as it stood at that change number lets it through, the work was done while the
 * operator was on the station's roster: it is applied, and flagged with today's refusal for a supervisor to review.
 * An operator the station's roster already showed inactive, or did not have, is refused as before; so is an event
 * whose station did not say (an older station).
 */
import type { Decision } from '../../shared/reducer';
import { masterData, Operator, type MasterData } from '../../shared/master';
import { refusal, type Refusal, type RefusalCode } from '../../shared/refusal';
import type { Queryable } from '../db/types';
import { readRosterAt } from './push-repository';

/** The refusals that come from the roster: who the operator (or signer) is and what they may do. */
const ROSTER_REFUSALS: ReadonlySet<RefusalCode> = new Set<RefusalCode>(['unknown_operator', 'not_authorised', 'not_supervisor', 'not_supervisor_or_qc']);

/** Whether a decision is worth deciding again by the station's roster. */
export function refusedByRoster(d: Decision, rosterVersion: number | undefined): rosterVersion is number {
  return rosterVersion !== undefined && d.ok === false && ROSTER_REFUSALS.has(d.refusal.code);
}

/**
 * The flag on an event applied by the station's roster: today's refusal's code (its sentence reads the same on the
 * dashboard), the message saying what happened. A clock flag the event also had is kept in the message.
 */
export function rosterFlag(today: Refusal, rosterVersion: number, clockFlag: Refusal | null): Refusal {
  const clock = clockFlag ? `; clock: ${clockFlag.message}` : '';
  return refusal(today.code, `applied by the station's roster of change ${rosterVersion}, under which it was recorded; today's roster refuses it (${today.message}): review${clock}`);
}

/** The rosters of one push group by change number, read once each; stations as today. */
export class StationRosters {
  private readonly byVersion = new Map<number, Promise<MasterData>>();

  constructor(
    private readonly q: Queryable,
    private readonly today: MasterData,
  ) {}

  at(version: number): Promise<MasterData> {
    let m = this.byVersion.get(version);
    if (!m) this.byVersion.set(version, (m = this.read(version)));
    return m;
  }

  private async read(version: number): Promise<MasterData> {
    const operators = (await readRosterAt(this.q, version)).flatMap((body) => {
      const p = Operator.safeParse(body);
      return p.success ? [p.data] : [];
    });
    return masterData({ operators, stations: [...this.today.stations.values()] });
  }
}
