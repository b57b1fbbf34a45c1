-- name: ProductsByTag :many
SELECT id, sku, tags FROM products WHERE $1::text = ANY(tags) ORDER BY id;

-- name: OrderHistory :one
SELECT id, history FROM orders WHERE id = $1;

-- name: AppendHistory :execrows
UPDATE orders SET history = array_append(history, $1::order_status) WHERE id = $2;

-- name: UpdateNotes :exec
UPDATE customers SET notes = $1 WHERE id = $2;

-- name: CustomersNamed :many
SELECT id, name FROM customers WHERE name = :name OR email = :name ORDER BY id;
