-- name: Fine :many
SELECT id FROM users;

-- name: Broken :many
SELECT id, count(name
FROM users
GROUP BY id;
