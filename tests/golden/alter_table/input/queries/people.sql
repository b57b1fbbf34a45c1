-- name: GetPerson :one
SELECT * FROM people WHERE id = ?;

-- name: FindByHandle :many
SELECT id, name, handle, email FROM people WHERE handle = ?;

-- name: ListLabels :many
SELECT * FROM labels ORDER BY label;
