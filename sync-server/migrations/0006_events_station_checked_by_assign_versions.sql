-- The events → stations foreign key looked its station up once per inserted event row, inside the statement that
-- holds the change_counter lock every writer queues on (the push path inserts a group's events there, with their
-- server_seq). assignVersions() (changes.ts), the statement every event goes through (the deferred check of 0005
-- fails a commit whose events did not), now checks the stations of all the transaction's events once, share-locked
-- as the foreign key did (FOR KEY SHARE), before it takes the counter lock: an event of an unknown station fails it.
-- Stations are never deleted.
ALTER TABLE events DROP CONSTRAINT events_station_id_fkey;
