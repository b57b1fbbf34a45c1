-- name: GetSample :one
SELECT * FROM samples WHERE id = ?;

-- name: SamplesOfKind :many
SELECT id, kind, mood, level FROM samples WHERE kind = ? AND level = ?;

-- name: PutKV :exec
INSERT INTO kv (k, v, n) VALUES (?, ?, ?)
ON CONFLICT (k) DO UPDATE SET v = excluded.v, n = excluded.n;

-- name: GetKV :one
SELECT * FROM kv WHERE k = ?;

-- name: Bump :one
INSERT INTO counters (name, value) VALUES (?, 1)
ON CONFLICT (name) DO UPDATE SET value = counters.value + 1
RETURNING value;

-- name: StrictRow :one
SELECT * FROM strict_only WHERE id = ?;
