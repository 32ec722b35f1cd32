-- transaction: the framework wraps each file in a transaction, so CONCURRENTLY fails here.
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
ALTER TYPE order_state ADD VALUE 'refunded';
UPDATE orders SET status = 'refunded' WHERE status = 'cancelled';
