-- Carton numbers (SSCC) leased to packing stations in blocks (sync-server/floor/sscc-leases.ts). One counter per GS1
-- company prefix and extension digit: a lease takes the next block with one UPDATE of its row (the row lock queues
-- concurrent requests), so no two leases ever share a serial reference.
CREATE TABLE sscc_counters (
  company_prefix text NOT NULL CHECK (company_prefix ~ '^[0-9]{7,10}$'),
  extension smallint NOT NULL CHECK (extension BETWEEN 0 AND 9),
  next_serial bigint NOT NULL CHECK (next_serial >= 0),
  PRIMARY KEY (company_prefix, extension)
);

-- Every lease, with the station it went to and when. `request_id` is the station's: asking again with the same id
-- (an answer lost on the way) gets the same lease, not a second block.
CREATE TABLE sscc_leases (
  id bigserial PRIMARY KEY,
  station_id text NOT NULL REFERENCES stations (id),
  request_id uuid NOT NULL,
  company_prefix text NOT NULL,
  extension smallint NOT NULL,
  first_serial bigint NOT NULL,
  last_serial bigint NOT NULL CHECK (last_serial >= first_serial),
  leased_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (station_id, request_id)
);
CREATE INDEX sscc_leases_range ON sscc_leases (company_prefix, extension, first_serial);
