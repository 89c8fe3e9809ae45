-- What the dashboard shows per station: when it last pushed and how far its clock is off (station wall clock at the
-- push minus the server's). Skew is shown, never used for ordering: the server orders by its own sequence.
ALTER TABLE stations ADD COLUMN last_push_at timestamptz;
ALTER TABLE stations ADD COLUMN clock_skew_ms bigint;
