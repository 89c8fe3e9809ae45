/**
 * How long a PIN must be, by what its holder may do. Pure (no node:crypto): the roster schemas in shared/master.ts
 * and the screens use it too.
 *
 * Why 6-8 digits for anyone who may release a halted line or a detector hold (supervisor, admin): their PIN signs
 * off food-safety decisions, and a 4-digit PIN was recovered from a copied station file in 79 s. Six digits are
 * 100x the guesses, offline and at the station (where guessing is also slowed: electron/core/pin-guard.ts).
 * Operators keep 4-8 digits: they log in many times a shift, and their PIN only records their own work.
 */
export const OPERATOR_PIN_DIGITS = { min: 4, max: 8 } as const;
export const SUPERVISOR_PIN_DIGITS = { min: 6, max: 8 } as const;

/** Any PIN a roster may hold (what a login form accepts): 4-8 digits. */
export const ANY_PIN_PATTERN = /^\d{4,8}$/;

/** Why `pin` is not acceptable for someone who does (`supervising`) or does not supervise; undefined if it is. */
export function pinRuleProblem(pin: string, supervising: boolean): string | undefined {
  const { min, max } = supervising ? SUPERVISOR_PIN_DIGITS : OPERATOR_PIN_DIGITS;
  if (new RegExp(`^\\d{${min},${max}}$`).test(pin)) return undefined;
  return supervising
    ? `a supervisor's PIN must be ${min}-${max} digits (they release halted lines and holds; a shorter PIN is guessed too easily)`
    : `PIN must be ${min}-${max} digits`;
}
