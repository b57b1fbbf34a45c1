-- name: GetCustomer :one
SELECT * FROM customers WHERE id = sqlc.arg(id);

-- name: GetCustomerByEmail :one
SELECT id, email, name, tier FROM customers WHERE email = @email;

-- name: ListCustomersByTier :many
SELECT * FROM customers WHERE tier = sqlc.arg(tier) ORDER BY id;

-- name: CreateCustomer :one
INSERT INTO customers (email, name, tier, birthday, marketing_opt_in)
VALUES (@email, @name, @tier, @birthday, @marketing_opt_in)
RETURNING *;

-- name: UpdateCustomerName :exec
UPDATE customers SET name = sqlc.arg(name) WHERE id = sqlc.arg(id);

-- name: SetCustomerBirthday :execrows
UPDATE customers SET birthday = sqlc.narg(birthday) WHERE id = @id;

-- name: DeleteCustomer :execresult
DELETE FROM customers WHERE id = @id;

-- name: CustomersByIds :many
SELECT id, name FROM customers WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: CustomersBornBetween :many
SELECT id, birthday FROM customers WHERE birthday >= @since AND birthday < @until ORDER BY birthday, id;

-- name: CustomerOrderCount :one
SELECT COUNT(*) FROM orders WHERE customer_id = @customer_id;
