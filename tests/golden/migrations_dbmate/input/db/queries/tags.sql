-- name: CreateTag :one
INSERT INTO tags (label, color) VALUES (?, ?) RETURNING *;

-- name: TagsByColor :many
SELECT id, label FROM tags WHERE color = ? ORDER BY label;
