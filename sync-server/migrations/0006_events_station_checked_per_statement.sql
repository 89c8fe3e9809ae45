-- The events -> stations foreign key looked its station up once per inserted event row (and a push group inserts a
-- thousand events in one statement, inside the stretch that holds the change_counter lock every writer queues on).
-- Replaced by the same check done once per statement: after each INSERT into events, the distinct stations of the
-- new rows are looked up and share-locked, as the foreign key did (FOR KEY SHARE: a concurrent delete of the station
-- waits for this transaction), and a station that does not exist fails the statement with the foreign key's error
-- code (23503). The other half of the foreign key, a station that still has events cannot be deleted or renamed, is
-- kept by a trigger on stations. Stations are never deleted by the application (they are revoked).
ALTER TABLE events DROP CONSTRAINT events_station_id_fkey;

CREATE FUNCTION qsf_events_station_known() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing text;
BEGIN
  SELECT n.station_id INTO missing
  FROM (SELECT DISTINCT station_id FROM new_events) n
  LEFT JOIN LATERAL (SELECT 1 AS found FROM stations s WHERE s.id = n.station_id FOR KEY SHARE) k ON true
  WHERE k.found IS NULL
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'insert on table "events" violates foreign key: station "%" is not present in table "stations"', missing
      USING ERRCODE = 'foreign_key_violation', TABLE = 'events', CONSTRAINT = 'events_station_id_fkey';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER events_station_known AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION qsf_events_station_known();

CREATE FUNCTION qsf_station_without_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM events WHERE station_id = OLD.id) THEN
    RAISE EXCEPTION 'station "%" is still referenced from table "events"', OLD.id
      USING ERRCODE = 'foreign_key_violation', TABLE = 'stations', CONSTRAINT = 'events_station_id_fkey';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER stations_keep_events_on_delete BEFORE DELETE ON stations
  FOR EACH ROW EXECUTE FUNCTION qsf_station_without_events();
CREATE TRIGGER stations_keep_events_on_rename BEFORE UPDATE OF id ON stations
  FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION qsf_station_without_events();
