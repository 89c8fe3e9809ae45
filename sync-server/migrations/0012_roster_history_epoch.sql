-- Every version of every operator document, by change number: the roster as a station held it when it recorded an
-- event (the event carries the change number of the station's last applied pull cycle: docs/sync-protocol.md, "The
-- roster a station held"). Work an operator did while the station's roster had them active is applied (flagged) even
-- if the office deactivated them since. Written by a trigger when a document's change number is stamped
-- (assignVersions sets it from 0 just before commit), so every writer of the roster is covered.
CREATE TABLE roster_history (
  operator_id text NOT NULL,
  version bigint NOT NULL,
  body jsonb NOT NULL,
  deleted boolean NOT NULL,
  PRIMARY KEY (operator_id, version)
);

INSERT INTO roster_history (operator_id, version, body, deleted)
  SELECT id, version, body, deleted FROM documents WHERE kind = 'operator' AND version > 0;

CREATE FUNCTION qsf_roster_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO roster_history (operator_id, version, body, deleted)
    VALUES (NEW.id, NEW.version, NEW.body, NEW.deleted)
    ON CONFLICT (operator_id, version) DO UPDATE SET body = EXCLUDED.body, deleted = EXCLUDED.deleted;
  RETURN NULL;
END $$;

CREATE TRIGGER documents_roster_history AFTER INSERT OR UPDATE OF version ON documents
  FOR EACH ROW WHEN (NEW.kind = 'operator' AND NEW.version > 0) EXECUTE FUNCTION qsf_roster_history();

-- The database's epoch: a random id made once, here, and made again by every restore or failover procedure
-- (docs/sync-protocol.md, "A server that went back"). It travels in every pull checkpoint: a station whose checkpoint
-- names another epoch knows the database it pulled from is gone, whatever change numbers the new one has handed out.
CREATE TABLE database_epoch (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  epoch uuid NOT NULL
);
INSERT INTO database_epoch (epoch) VALUES (gen_random_uuid());
