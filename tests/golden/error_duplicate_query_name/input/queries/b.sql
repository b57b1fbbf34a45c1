-- name: ListUsers :many
SELECT * FROM users;

-- Names clash case-insensitively, within a file and across files.
-- name: getuser :one
SELECT name FROM users WHERE id = ?;

-- name: ListUsers :many
SELECT id FROM users;
