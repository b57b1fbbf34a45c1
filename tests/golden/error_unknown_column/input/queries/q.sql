-- name: GetUser :one
SELECT id, name, email FROM users WHERE id = ?;

-- name: RenameUser :exec
UPDATE users SET nick = ? WHERE id = ?;
