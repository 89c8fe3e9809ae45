-- The reports' reads (issue 14; sync-server/dashboard/reports.ts): a chart over a week read every output and QC event
-- by scanning the whole events table, and each SPK's history by scanning it again.
-- A BRIN index on the HLC serves the range ("since the factory's midnight"): events are inserted in about time order
-- (a station offline for hours sends older times, which only widens a block range's minimum), and a BRIN index is a
-- few pages kept up to date at almost no cost on the push path.
CREATE INDEX events_hlc_brin ON events USING brin (hlc);
-- An SPK's cutting and QC history (cutting's complete sets and QC's first-pass yield replay it in server order).
CREATE INDEX events_report_spk ON events ((payload->>'workOrderId'), server_seq)
  WHERE status = 'applied' AND type IN ('cutting.output', 'qc.inline', 'finishing.physicalQc');
