-- name: Nicknames :many
SELECT id, nickname FROM users;
