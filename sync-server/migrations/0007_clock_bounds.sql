-- Clocks bounded (docs/sync-protocol.md, "Clocks"): an applied event the server flagged (its station's clock far ahead
-- of the server, or before the station first enrolled) keeps the flag with it, {code, message}; NULL when none.
ALTER TABLE events ADD COLUMN flag jsonb;
CREATE INDEX events_flagged ON events (server_seq) WHERE flag IS NOT NULL;

-- The station's FIRST enrollment: re-enrolling (a new token after a revocation) moves enrolled_at, not this, so events
-- recorded between the two are not taken for a slow clock's.
ALTER TABLE stations ADD COLUMN first_enrolled_at timestamptz;
UPDATE stations SET first_enrolled_at = enrolled_at;
ALTER TABLE stations ALTER COLUMN first_enrolled_at SET DEFAULT now();
ALTER TABLE stations ALTER COLUMN first_enrolled_at SET NOT NULL;
