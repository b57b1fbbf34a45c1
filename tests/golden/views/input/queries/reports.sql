-- name: AllOrders :many
SELECT * FROM all_orders ORDER BY id;

-- name: BigCustomers :many
SELECT customer FROM big_customers ORDER BY customer;

-- name: OrderNotes :many
SELECT * FROM order_notes WHERE order_id = ?;

-- name: BigOrderTotal :one
SELECT total FROM big_orders WHERE id = ?;
