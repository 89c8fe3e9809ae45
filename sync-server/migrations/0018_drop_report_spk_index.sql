-- Migration 0016's index on the SPK of cutting and QC events cost the push path more than the 10 % issue 14 allows
-- (bench:sync ingest, same commit with and without it: contended pushes on one work order 34-38k -> 27-30k events/s,
-- every batch inserting into the same rightmost leaf of one SPK's key; the bare INSERT of the same rows ~20 % slower),
-- and at four weeks of history the planner read the SPKs' history by a scan anyway. The BRIN on hlc stays (the range).
DROP INDEX IF EXISTS events_report_spk;
