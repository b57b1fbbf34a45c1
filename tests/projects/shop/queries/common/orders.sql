-- name: CreateOrder :one
INSERT INTO orders (customer_id, status, delivery_from, total)
VALUES (@customer_id, @status, sqlc.narg(delivery_from), sqlc.narg(total))
RETURNING *;

-- name: OrderWithCustomer :one
SELECT sqlc.embed(orders), sqlc.embed(customers)
FROM orders JOIN customers ON customers.id = orders.customer_id
WHERE orders.id = @id;

-- name: OrdersWithOptionalCustomer :many
SELECT sqlc.embed(orders), sqlc.embed(customers)
FROM orders LEFT JOIN customers ON customers.id = orders.customer_id
ORDER BY orders.id
LIMIT 20;

-- name: OrderTotals :many
SELECT orders.id, COUNT(order_items.product_id) AS items, SUM(order_items.quantity * order_items.unit_price) AS amount
FROM orders LEFT JOIN order_items ON order_items.order_id = orders.id
GROUP BY orders.id
ORDER BY orders.id;

-- name: SetOrderStatus :batchexec
UPDATE orders SET status = @status WHERE id = @id;

-- name: AddOrderItem :batchone
INSERT INTO order_items (order_id, product_id, quantity, unit_price)
VALUES (@order_id, @product_id, @quantity, @unit_price)
ON CONFLICT (order_id, product_id) DO UPDATE SET quantity = order_items.quantity + excluded.quantity
RETURNING order_id, product_id, quantity;

-- name: ItemsOfOrder :batchmany
SELECT product_id, quantity, unit_price FROM order_items WHERE order_id = @order_id ORDER BY product_id;

-- name: CountOrdersByStatus :many
SELECT status, COUNT(*) AS n FROM orders GROUP BY status ORDER BY status;

-- name: OrdersPlacedBetween :many
SELECT id, placed_at, delivery_from FROM orders WHERE placed_at >= @since AND placed_at < @until ORDER BY id;

-- name: OrdersNotIn :many
SELECT id, status FROM orders WHERE status NOT IN (sqlc.slice(statuses)) ORDER BY id;

-- name: CancelOldOrders :execrows
UPDATE orders SET status = 'cancelled' WHERE status = 'pending' AND placed_at < @before;
