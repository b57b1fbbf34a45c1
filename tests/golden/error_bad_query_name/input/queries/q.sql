-- name: 2Fast :many
SELECT id FROM users;

-- name: get-user :one
SELECT * FROM users WHERE id = ?;

-- name: NoCommand
SELECT id FROM users;

-- name: WrongCommand :all
SELECT id FROM users;
