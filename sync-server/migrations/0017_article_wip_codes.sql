-- The article master keeps each article's WIP codes (issue 14): the code the goods carry while in process at cutting,
-- embroidery (Route 1 only; absent otherwise) and sewing, before finishing converts them to the finished-good code
-- (SOP 440-450). Null on articles kept before: shown as not set, asked for on the next edit.
ALTER TABLE articles ADD COLUMN wip_codes jsonb;
