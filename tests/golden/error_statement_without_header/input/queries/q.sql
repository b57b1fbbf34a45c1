-- A statement before the first header.
SELECT 1;

-- name: ListUsers :many
SELECT id FROM users;
SELECT name FROM users;
