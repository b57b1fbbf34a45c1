-- name: GetEvent :one
SELECT * FROM events WHERE id = ?;

-- name: GetEventName :one
SELECT name FROM events WHERE id = ?;

-- name: CountEvents :one
SELECT COUNT(*) FROM events;

-- name: EventStats :one
SELECT COUNT(*) AS n, MAX(capacity) AS biggest, MIN(starts_at) AS first_start FROM events;

-- name: ListEvents :many
SELECT * FROM events ORDER BY starts_at;

-- name: ListEventSummaries :many
SELECT id, name, venue FROM events WHERE capacity >= ? ORDER BY id;

-- name: ListByIds :many
SELECT id, name FROM events WHERE id IN (sqlc.slice(ids)) ORDER BY id;

-- name: CreateEvent :execlastid
INSERT INTO events (name, venue, capacity, starts_at) VALUES (?, ?, ?, ?);

-- name: RenameEvent :exec
UPDATE events SET name = ? WHERE id = ?;

-- name: DeleteSmallEvents :execrows
DELETE FROM events WHERE capacity < ?;
