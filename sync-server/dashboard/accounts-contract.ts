/**
 * The contract of an admin's steps on dashboard accounts and of everyone's own password (accounts-routes.ts), beside
 * contract.ts: plain zod, bundled by the screen too. A password is sent, never answered, except the one an admin asks
 * the server to generate: answered once, never stored in clear nor recorded.
 */
import { z } from 'zod';
import { Account, AccountId } from './contract';

export const NewPassword = z.string().min(10, 'at least 10 characters').max(200);

export const AccountParam = z.object({ id: AccountId });

/** An admin's reset: the password they set, or none (the server generates one and answers it once). */
export const PasswordResetBody = z.object({ password: NewPassword.optional() });
export type PasswordResetInput = z.input<typeof PasswordResetBody>;

export const PasswordReset = z.object({
  id: z.string(),
  /** The generated password (shown once), null when the admin set it. */
  generatedPassword: z.string().nullable(),
  /** Sessions of the account that ended with the reset. */
  endedSessions: z.number(),
});
export type PasswordReset = z.infer<typeof PasswordReset>;

/** A new account, and its password if the server generated it (shown once; null when the admin typed one). */
export const AccountCreated = Account.extend({ generatedPassword: z.string().nullable() });
export type AccountCreated = z.infer<typeof AccountCreated>;

/** Disabled or enabled: what the account is now, and the sessions that ended. */
export const AccountState = z.object({ id: z.string(), disabled: z.boolean(), endedSessions: z.number() });
export type AccountState = z.infer<typeof AccountState>;

export const OwnPasswordBody = z
  .object({ currentPassword: z.string().min(1, 'enter your current password').max(200), newPassword: NewPassword })
  .refine((b) => b.newPassword !== b.currentPassword, { path: ['newPassword'], message: 'choose a password other than the current one' });
export type OwnPasswordInput = z.input<typeof OwnPasswordBody>;
