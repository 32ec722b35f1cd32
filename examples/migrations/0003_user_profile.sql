-- table-rewrite: a volatile default rewrites the whole table.
ALTER TABLE users ADD COLUMN public_id uuid DEFAULT gen_random_uuid();

-- data-dependent: fails as soon as users has a row.
ALTER TABLE users ADD COLUMN country text NOT NULL;

-- No finding: varchar(100) to text needs no rewrite.
ALTER TABLE orders ALTER COLUMN note TYPE text;

-- table-rewrite: numeric(10,2) to integer rewrites every row.
ALTER TABLE orders ALTER COLUMN total TYPE integer;
