-- A password someone else set (an admin creating an account or resetting its password, typed or generated and shown
-- once) is known to them: the account changes it at its next login before it may do anything else on the dashboard
-- (dashboard/access.ts refuses every other route with 403 password_change_required). Cleared when the account's owner
-- changes their own password. The first admin (`npm run admin:create`) and the demo login of `npm start` chose or
-- were printed their own: false.
ALTER TABLE dashboard_accounts ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
