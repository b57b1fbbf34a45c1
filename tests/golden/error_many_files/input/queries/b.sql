-- name: B1 :many
SELECT nope FROM users;
