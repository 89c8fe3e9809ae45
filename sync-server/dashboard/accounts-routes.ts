/**
 * An admin's steps on dashboard accounts (list, create, disable, enable, reset the password) and everyone's own password change,
 * each a `dashboardRoute` (access.ts: session, role, CSRF) so the authorization test walks them, each audited in the
 * transaction that makes it and notified (audit.ts), so every admin's open Accounts list shows it (live-views.ts).
 * Passwords are hashed before the transaction (scrypt is slow) and never recorded.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../http/route';
import { BEFORE_PASSWORD_CHANGE, dashboardRoute, sessionOf } from './access';
import { AccountExists, AccountRefused, changeOwnPassword, createAccount, generatedPassword, listAccounts, resetPassword, setAccountDisabled } from './accounts';
import { AccountCreated, AccountParam, AccountState, OwnPasswordBody, PasswordReset, PasswordResetBody } from './accounts-contract';
import { audit } from './audit';
import { dashboardTx } from './write-tx';
import { AccountList, DASHBOARD_ROLES, NewAccountRequest, Ok } from './contract';
import { hashPassword, verifyPassword } from './passwords';
import { DEFAULT_LOGIN_LIMITS, limitKeys, loginRetryAfter, recordLoginFailure, type LoginLimits } from './rate-limit';

/** AccountRefused as the HTTP answer; anything else as it is. */
function answered(err: unknown): never {
  if (err instanceof AccountRefused) throw new HttpError(err.status, err.code, err.message);
  throw err;
}

export function registerAccountRoutes(app: FastifyInstance, limits: LoginLimits = DEFAULT_LOGIN_LIMITS): void {
  dashboardRoute(app, ['admin'], {
    method: 'GET',
    url: '/api/dashboard/accounts',
    response: AccountList,
    async handler() {
      return { accounts: await listAccounts(app.db) };
    },
  });

  // A new account with the password the admin typed, or one generated here and answered once (never recorded).
  dashboardRoute(app, ['admin'], {
    method: 'POST',
    url: '/api/dashboard/accounts',
    status: 201,
    body: NewAccountRequest,
    response: AccountCreated,
    async handler({ body, request }) {
      const by = sessionOf(request).account;
      const generated = body.password === undefined ? generatedPassword() : null;
      try {
        return await dashboardTx(app.db, async (q) => {
          // Its owner changes the admin's password at the first login.
          const created = await createAccount(q, { ...body, password: body.password ?? generated ?? '' }, by.id, true);
          await audit(q, by, 'account.created', created.id, { role: created.role, department: created.department, generated: generated !== null }, true);
          return { ...created, generatedPassword: generated };
        });
      } catch (err) {
        if (err instanceof AccountExists) throw new HttpError(409, 'exists', err.message);
        throw err;
      }
    },
  });

  for (const [step, disabled] of [['disable', true], ['enable', false]] as const) {
    dashboardRoute(app, ['admin'], {
      method: 'POST',
      url: `/api/dashboard/accounts/:id/${step}`,
      params: AccountParam,
      response: AccountState,
      async handler({ params, request }) {
        const by = sessionOf(request).account;
        return dashboardTx(app.db, async (q) => {
          const { changed, endedSessions } = await setAccountDisabled(q, by.id, params.id, disabled);
          if (changed) await audit(q, by, disabled ? 'account.disabled' : 'account.enabled', params.id, { endedSessions }, true);
          return { id: params.id, disabled, endedSessions };
        })
          // Its sessions end here at once (every other instance forgets them on the notice: sessions.ts).
          .finally(() => app.dashboardSessions.forget(params.id))
          .catch(answered);
      },
    });
  }

  dashboardRoute(app, ['admin'], {
    method: 'POST',
    url: '/api/dashboard/accounts/:id/password',
    params: AccountParam,
    body: PasswordResetBody,
    response: PasswordReset,
    async handler({ params, body, request }) {
      const by = sessionOf(request).account;
      const generated = body.password === undefined ? generatedPassword() : null;
      const hash = await hashPassword(body.password ?? generated ?? '');
      return dashboardTx(app.db, async (q) => {
        const { endedSessions } = await resetPassword(q, by.id, params.id, hash);
        await audit(q, by, 'account.password_reset', params.id, { generated: generated !== null, endedSessions }, true);
        return { id: params.id, generatedPassword: generated, endedSessions };
      })
        .finally(() => app.dashboardSessions.forget(params.id))
        .catch(answered);
    },
  });

  // Anyone's own password: the current one is checked (counted as a failed login when wrong, so a session left open
  // on a shared PC is no way to guess it), the new one replaces it and the account's other sessions end.
  // The one step a session whose password an admin set may take (besides reading itself and logging out).
  dashboardRoute(
    app,
    DASHBOARD_ROLES,
    {
      method: 'POST',
      url: '/api/dashboard/session/password',
      body: OwnPasswordBody,
      response: Ok,
      async handler({ body, request }) {
        const session = sessionOf(request);
        const me = session.account;
        const keys = limitKeys(me.id, request.ip);
        const wait = await loginRetryAfter(app.db, keys, limits);
        if (wait !== null) throw new HttpError(429, 'too_many_attempts', `too many wrong passwords: try again in ${wait} s`, undefined, { 'retry-after': String(wait) });
        const hash = await hashPassword(body.newPassword);
        const ok = await dashboardTx(app.db, async (q) => {
          const [row] = await q.query<{ password_hash: string }>('SELECT password_hash FROM dashboard_accounts WHERE id = $1 AND disabled_at IS NULL FOR UPDATE', [me.id]);
          if (!row) throw new HttpError(401, 'login_required', 'log in to the dashboard first');
          if (!(await verifyPassword(body.currentPassword, row.password_hash))) return false;
          const { endedSessions } = await changeOwnPassword(q, me.id, hash, session.tokenHash);
          await audit(q, me, 'account.password_changed', me.id, { endedSessions, required: session.mustChangePassword }, true);
          return true;
        });
        app.dashboardSessions.forget(me.id);
        if (!ok) {
          await recordLoginFailure(app.db, keys, limits);
          throw new HttpError(403, 'wrong_password', 'the current password is wrong: nothing changed');
        }
        return { ok: true as const };
      },
    },
    BEFORE_PASSWORD_CHANGE,
  );
}
