/**
 * The roster on the dashboard (roster.ts, roster-routes.ts): the operators stations log in with, as documents every
 * station pulls. Plain zod, bundled by the screen too. A PIN hash is never part of it; a PIN is sent, never answered,
 * except the one a supervisor asks the server to generate: answered once, never stored in clear nor recorded.
 */
import { z } from 'zod';
import { ANY_PIN_PATTERN } from '../../shared/security/pin-rules';
import { NewOperator, OperatorId } from '../../shared/master';

export const RosterRow = z.object({
  id: z.string(),
  name: z.string(),
  roles: z.array(z.string()),
  departments: z.array(z.string()),
  active: z.boolean(),
  /** The logged-in person may deactivate, reactivate and reset the PIN of this one. */
  mayManage: z.boolean(),
});
export type RosterRow = z.infer<typeof RosterRow>;

export const RosterView = z.object({ operators: z.array(RosterRow) });
export type RosterView = z.infer<typeof RosterView>;

export const OperatorParam = z.object({ id: OperatorId });

/** A new PIN (4–8 digits; 6–8 for a supervisor or admin, checked against the operator's roles), or none: generated. */
export const PinResetBody = z.object({ pin: z.string().regex(ANY_PIN_PATTERN, 'PIN must be 4-8 digits').optional() });
export type PinResetInput = z.input<typeof PinResetBody>;

export const PinReset = z.object({ id: z.string(), generatedPin: z.string().nullable() });

const { active: _active, pin: _pin, ...operatorFields } = NewOperator.shape;
/**
 * One operator added on the Roster view: the import's fields (shared `NewOperator`: badge, name, roles, departments)
 * and a PIN, or none (six digits generated and answered once). Added active; the PIN's length is checked against the
 * roles by the server (6–8 digits for a supervisor or admin).
 */
export const NewRosterOperatorBody = z.object({ ...operatorFields, pin: PinResetBody.shape.pin });
export type NewRosterOperatorInput = z.input<typeof NewRosterOperatorBody>;
/** The operator added, and its PIN if the server generated it (shown once). */
export const OperatorAdded = PinReset;
export type PinReset = z.infer<typeof PinReset>;

export const OperatorState = z.object({ id: z.string(), active: z.boolean() });
export type OperatorState = z.infer<typeof OperatorState>;
