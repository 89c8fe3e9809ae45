-- The safety nets of 0001 (a transaction that writes documents or events but forgets assignVersions() must fail at
-- COMMIT) queued one deferred check per written row, including the rows assignVersions() itself writes already
-- stamped: every event inserted with its server_seq and every document UPDATE that stamps a version. Those checks
-- can never fire, yet they ran at COMMIT, while the transaction holds the change_counter lock every writer queues on
-- (about half of a push group's time under that lock).
-- A constraint trigger's WHEN is evaluated when the row is written, not at COMMIT: only rows written pending
-- (documents with version 0, events with server_seq NULL) are queued now. The check is the same: a row still pending
-- at COMMIT was last written pending (documents) or inserted pending (events are insert-only), so its check is queued.
DROP TRIGGER documents_versioned ON documents;
CREATE CONSTRAINT TRIGGER documents_versioned AFTER INSERT OR UPDATE ON documents
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.version = 0) EXECUTE FUNCTION qsf_documents_versioned();

DROP TRIGGER events_sequenced ON events;
CREATE CONSTRAINT TRIGGER events_sequenced AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.server_seq IS NULL) EXECUTE FUNCTION qsf_events_sequenced();
