-- backward-incompatible: running code still uses the old name.
ALTER TABLE users RENAME COLUMN name TO full_name;

-- destructive: blocks the merge until a maintainer applies the override label.
DROP TABLE legacy_carts;

-- drydock:ignore drop-index-without-concurrently -- the index is tiny and unused (ticket 42)
DROP INDEX orders_status_idx;
