-- name: AddEvent :one
INSERT INTO events (user_id, at, at_time, kind, payload, amount) VALUES (?, ?, ?, ?, ?, ?) RETURNING *;

-- name: EventsSince :many
SELECT * FROM events WHERE at >= ? ORDER BY id;

-- name: EventKinds :many
SELECT kind, count(*) AS n, sum(amount) AS total, max(at) AS last_at FROM events GROUP BY kind ORDER BY kind;

-- name: EventPayloads :many
SELECT id, payload, json_extract(payload, '$.a') AS a, payload -> '$.b' AS b FROM events ORDER BY id;

-- name: EventsOfUsers :many
SELECT sqlc.embed(events), sqlc.embed(users) FROM events LEFT JOIN users ON users.id = events.user_id ORDER BY events.id;
