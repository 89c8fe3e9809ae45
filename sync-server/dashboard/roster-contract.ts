/**
 * The roster on the dashboard (roster.ts, roster-routes.ts): the operators stations log in with, as documents every
 * station pulls. Plain zod, bundled by the screen too. A PIN hash is never part of it; a PIN is sent, never answered,
 * except the one a supervisor asks the server to generate: answered once, never stored in clear nor recorded.
 */
import { z } from 'zod';
import { ANY_PIN_PATTERN } from '../../shared/security/pin-rules';
import { OperatorId } from '../../shared/master';

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
export type PinReset = z.infer<typeof PinReset>;

export const OperatorState = z.object({ id: z.string(), active: z.boolean() });
export type OperatorState = z.infer<typeof OperatorState>;
