-- name: GetProduct :one
SELECT * FROM products WHERE id = @id;

-- name: ListActiveProducts :many
SELECT id, sku, title, price FROM products WHERE active ORDER BY price DESC, id LIMIT @max_rows;

-- name: CreateProduct :one
INSERT INTO products (sku, title, price, weight_kg, thumbnail, active)
VALUES (@sku, @title, @price, sqlc.narg(weight_kg), sqlc.narg(thumbnail), @active)
RETURNING id, sku, price;

-- name: UpdateProductPrice :execrows
UPDATE products SET price = @price WHERE sku = @sku;

-- name: ProductsCheaperThan :many
SELECT id, title, price, weight_kg FROM products
WHERE price < sqlc.arg(max_price) AND weight_kg IS NOT NULL
ORDER BY price, id;

-- name: CopyProducts :copyfrom
INSERT INTO products (sku, title, price, weight_kg, active) VALUES (@sku, @title, @price, @weight_kg, @active);

-- name: ProductAttributes :many
SELECT id, attributes FROM products WHERE attributes IS NOT NULL ORDER BY id;

-- name: Deactivate :batchexec
UPDATE products SET active = FALSE WHERE sku = @sku;
