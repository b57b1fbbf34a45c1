-- name: InsertCustomerOrIgnore :execlastid
INSERT OR IGNORE INTO customers (email, name) VALUES (?1, ?2);

-- name: ProductsInPriceRange :many
SELECT id, price FROM products WHERE price >= ?1 AND price <= ?2 ORDER BY id;

-- name: CustomersNamed :many
SELECT id, name FROM customers WHERE name = :name OR email = :name ORDER BY id;

-- name: CustomerNotes :many
SELECT id, notes FROM customers WHERE notes IS NOT NULL ORDER BY id;

-- name: AddProduct :execlastid
INSERT INTO products (sku, title, price) VALUES (?, ?, ?);
