-- name: A1 :one
SELECT * FROM nowhere;

-- name: A2 :one
DELETE FROM users;
