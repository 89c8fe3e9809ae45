-- Seq conflicts are kept, not refused whole (docs/sync-protocol.md, "Seq conflicts"): a station restored from an old
-- copy numbers its new events from where the copy stopped, so they arrive with seqs the server already holds under
-- other events. Each is stored refused 'seq_conflict' beside the event holding its seq, numbered 1, 2, … in
-- conflict_no (0: the event that holds the seq); (station_id, seq, conflict_no) is unique, and its index still serves
-- every lookup by (station_id, seq).
ALTER TABLE events ADD COLUMN conflict_no smallint NOT NULL DEFAULT 0 CHECK (conflict_no >= 0);
ALTER TABLE events DROP CONSTRAINT events_station_id_seq_key;
ALTER TABLE events ADD CONSTRAINT events_station_seq_conflict_key UNIQUE (station_id, seq, conflict_no);
ALTER TABLE events ADD CONSTRAINT events_conflict_refused CHECK (conflict_no = 0 OR (status = 'refused' AND refusal->>'code' = 'seq_conflict'));
