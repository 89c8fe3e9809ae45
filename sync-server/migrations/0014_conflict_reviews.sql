-- Reviews of the Conflicts view (dashboard/conflict-reviews.ts): what a supervisor, QC inspector or admin decided
-- about an event the server refused or applied with a flag: accepted as recorded, dismissed, or needing follow-up, each
-- with who, when and a note. A review is a record beside the event, never a change to it: the events table is not
-- touched. Insert only (a trigger refuses UPDATE and DELETE); an event is resolved once (accepted or dismissed), and
-- any number of follow-up notes may come before.
CREATE TABLE conflict_reviews (
  id bigserial PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES events (id),
  decision text NOT NULL CHECK (decision IN ('accepted', 'dismissed', 'follow_up')),
  account_id text NOT NULL REFERENCES dashboard_accounts (id),
  role text NOT NULL,
  note text NOT NULL CHECK (length(btrim(note)) BETWEEN 3 AND 500),
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conflict_reviews_event ON conflict_reviews (event_id, id);
CREATE UNIQUE INDEX conflict_reviews_resolved_once ON conflict_reviews (event_id) WHERE decision <> 'follow_up';

CREATE FUNCTION qsf_conflict_reviews_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'conflict_reviews is append-only';
END $$;
CREATE TRIGGER conflict_reviews_append_only BEFORE UPDATE OR DELETE ON conflict_reviews
  FOR EACH ROW EXECUTE FUNCTION qsf_conflict_reviews_append_only();
