-- The supervisors' dashboard: people who log in with a password (not the floor roster, whose PINs travel to
-- stations), their sessions, failed logins (rate limiting shared by every server instance on this database) and an
-- append-only record of what each person did on the dashboard.

CREATE TABLE dashboard_accounts (
  id text PRIMARY KEY,                  -- the login name
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'ppic', 'supervisor', 'qc')),
  department text,                      -- a supervisor's department (required); a QC inspector's (null: every one)
  password_hash text NOT NULL,          -- scrypt$N$r$p$salt$hash (dashboard/passwords.ts)
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,                      -- null: the one-time first-admin command
  disabled_at timestamptz,
  CHECK (role <> 'supervisor' OR department IS NOT NULL),
  CHECK (role NOT IN ('admin', 'ppic') OR department IS NULL)
);

-- The cookie carries a random token; only its SHA-256 is stored, so a read of this table logs nobody in.
CREATE TABLE dashboard_sessions (
  token_hash text PRIMARY KEY,
  account_id text NOT NULL REFERENCES dashboard_accounts (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  ip text
);
CREATE INDEX dashboard_sessions_account ON dashboard_sessions (account_id);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);

-- One row per failed login, keyed 'account:<id>' and 'ip:<address>'; old rows are deleted as logins go by.
CREATE TABLE dashboard_login_failures (
  key text NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dashboard_login_failures_key_at ON dashboard_login_failures (key, at);

-- What people did on the dashboard (logins, accounts created, alert acknowledgements and investigations): insert only.
CREATE TABLE dashboard_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  account_id text NOT NULL,
  role text NOT NULL,
  action text NOT NULL,
  target text,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX dashboard_audit_target ON dashboard_audit (target, id);

CREATE FUNCTION qsf_dashboard_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'dashboard_audit is append-only';
END $$;
CREATE TRIGGER dashboard_audit_append_only BEFORE UPDATE OR DELETE ON dashboard_audit
  FOR EACH ROW EXECUTE FUNCTION qsf_dashboard_audit_append_only();
