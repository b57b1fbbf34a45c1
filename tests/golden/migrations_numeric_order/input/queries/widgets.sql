-- name: ListWidgets :many
SELECT * FROM widgets ORDER BY id;

-- name: SetColour :exec
UPDATE widgets SET colour = ? WHERE id = ?;
