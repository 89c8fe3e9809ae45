-- The station heartbeat: backlog and device health as the station last reported them (dashboard, alerts).
ALTER TABLE stations ADD COLUMN last_seen_at timestamptz;
ALTER TABLE stations ADD COLUMN backlog integer;
ALTER TABLE stations ADD COLUMN devices jsonb;
