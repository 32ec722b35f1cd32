-- hygiene (info): timestamp without time zone.
ALTER TABLE orders ADD COLUMN shipped_at timestamp;
