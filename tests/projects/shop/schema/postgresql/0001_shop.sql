CREATE TYPE tier AS ENUM ('basic', 'gold', 'platinum');
CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped', 'cancelled');

CREATE TABLE customers (
    id serial PRIMARY KEY,
    email varchar(200) NOT NULL UNIQUE,
    name text NOT NULL,
    tier tier NOT NULL DEFAULT 'basic',
    birthday date,
    created_at timestamptz NOT NULL DEFAULT now(),
    marketing_opt_in boolean NOT NULL DEFAULT false,
    notes jsonb
);

CREATE TABLE products (
    id bigserial PRIMARY KEY,
    sku char(8) NOT NULL UNIQUE,
    title text NOT NULL,
    price numeric(10, 2) NOT NULL,
    weight_kg real,
    attributes json,
    thumbnail bytea,
    active boolean NOT NULL DEFAULT true,
    tags text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers (id),
    status order_status NOT NULL DEFAULT 'pending',
    placed_at timestamp NOT NULL DEFAULT now(),
    delivery_from time,
    total numeric(12, 2),
    history order_status[]
);

CREATE TABLE order_items (
    order_id integer NOT NULL REFERENCES orders (id),
    product_id bigint NOT NULL REFERENCES products (id),
    quantity smallint NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
