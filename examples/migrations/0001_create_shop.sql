-- The shop's first schema: everything created here is new, so no lock rules fire.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    status text NOT NULL DEFAULT 'new',
    note varchar(100),
    total numeric(10, 2) NOT NULL DEFAULT 0
);

CREATE INDEX orders_status_idx ON orders (status);

CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped');

CREATE TABLE legacy_carts (id bigint PRIMARY KEY, payload json);
