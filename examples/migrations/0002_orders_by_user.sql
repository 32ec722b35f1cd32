-- blocking-lock: a plain CREATE INDEX on an existing table blocks writes while it builds.
SET lock_timeout = '5s';
CREATE INDEX orders_user_id_idx ON orders (user_id);

-- blocking-lock: validating a foreign key scans the table under SHARE ROW EXCLUSIVE.
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
