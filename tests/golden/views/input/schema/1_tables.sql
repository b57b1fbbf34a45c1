CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer TEXT NOT NULL,
    total_cents INTEGER NOT NULL,
    shipped_at DATETIME
);
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL,
    body TEXT NOT NULL
);

-- Every column of orders, whatever it is when the view is used.
CREATE VIEW all_orders AS SELECT * FROM orders;

CREATE VIEW big_orders AS
SELECT id, customer, total_cents / 100.0 AS total
FROM orders
WHERE total_cents >= 10000;

-- A view over a view.
CREATE VIEW big_customers AS SELECT DISTINCT customer FROM big_orders;

-- Named columns and an outer join.
CREATE VIEW order_notes (order_id, customer, note) AS
SELECT orders.id, orders.customer, notes.body
FROM orders LEFT JOIN notes ON notes.order_id = orders.id;
