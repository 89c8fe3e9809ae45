-- The station app's version as its heartbeat last reported it (dashboard fleet view; null: never reported).
ALTER TABLE stations ADD COLUMN app_version text;
