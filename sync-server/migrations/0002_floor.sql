-- Floor master data lives in documents (kind 'operator', 'station', 'manufacturingOrder'); the push path reloads the
-- roster only when one of them changed, found through this index.
CREATE INDEX documents_kind_version ON documents (kind, version);

-- A station runs one line; the line id reaches every station with the 'station' document written at enrollment.
ALTER TABLE enrollment_codes ADD COLUMN line_id text;
ALTER TABLE stations ADD COLUMN line_id text;
