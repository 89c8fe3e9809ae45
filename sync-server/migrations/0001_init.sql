-- Quty Shop Floor sync server: initial schema.
-- Applied by db/migrate.ts inside one transaction; never edit after it has shipped (checksummed): add 0002_... instead.

-- Single-row counter that hands out commit-ordered numbers (see changes.ts for why a row lock and not a sequence).
CREATE TABLE change_counter (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  value bigint NOT NULL,      -- last document change number (documents.version) handed out
  event_seq bigint NOT NULL   -- last events.server_seq handed out
);
INSERT INTO change_counter (id, value, event_seq) VALUES (true, 0, 0);

CREATE TABLE stations (
  id text PRIMARY KEY,
  department text NOT NULL,
  name text NOT NULL,
  token_hash text UNIQUE,           -- hex SHA-256 of the bearer token; the token itself is never stored
  public_key text NOT NULL,         -- base64url raw Ed25519 public key (32 bytes), verifies transfer slips
  enrolled_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE enrollment_codes (
  code_hash text PRIMARY KEY,       -- hex SHA-256 of the normalised one-time code
  station_id text NOT NULL,
  department text NOT NULL,
  name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);

-- Events pushed by stations: insert only, never edited. server_seq is NULL only inside the inserting transaction.
CREATE TABLE events (
  id uuid PRIMARY KEY,
  station_id text NOT NULL REFERENCES stations (id),
  seq bigint NOT NULL,
  hlc text NOT NULL,
  operator_id text,
  type text NOT NULL,
  payload jsonb NOT NULL,
  v integer NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  server_seq bigint UNIQUE,
  status text NOT NULL CHECK (status IN ('applied', 'refused')),
  refusal jsonb,
  UNIQUE (station_id, seq),
  CHECK ((status = 'refused') = (refusal IS NOT NULL))
);
CREATE INDEX events_pending ON events (id) WHERE server_seq IS NULL;
CREATE INDEX events_refused ON events (server_seq) WHERE status = 'refused';

-- Authoritative documents replicated down to stations. version = the change number of the transaction that last
-- wrote the row (all rows of one transaction share it); 0 only inside the writing transaction.
CREATE TABLE documents (
  kind text NOT NULL,
  id text NOT NULL,
  body jsonb NOT NULL,
  scope text[] NOT NULL,            -- who may pull it: 'all', 'dept:<department>', 'station:<id>'
  version bigint NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  PRIMARY KEY (kind, id)
);
CREATE INDEX documents_version ON documents (version);

CREATE TABLE station_progress (
  station_id text PRIMARY KEY REFERENCES stations (id),
  last_applied_seq bigint NOT NULL
);

-- Safety nets: a transaction that writes documents or events but forgets assignVersions() would commit rows that
-- pullers can never see in order. These deferred checks run at COMMIT and make such a transaction fail instead.
CREATE FUNCTION qsf_documents_versioned() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM documents WHERE kind = NEW.kind AND id = NEW.id AND version = 0) THEN
    RAISE EXCEPTION 'document %/% committed without assignVersions()', NEW.kind, NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER documents_versioned AFTER INSERT OR UPDATE ON documents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION qsf_documents_versioned();

CREATE FUNCTION qsf_events_sequenced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM events WHERE id = NEW.id AND server_seq IS NULL) THEN
    RAISE EXCEPTION 'event % committed without assignVersions()', NEW.id;
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER events_sequenced AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION qsf_events_sequenced();
