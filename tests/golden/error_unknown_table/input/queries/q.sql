-- name: ListUsers :many
SELECT id FROM users;

-- name: ListGroups :many
SELECT id, name FROM groups;
