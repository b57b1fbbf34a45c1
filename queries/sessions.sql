-- name: GetSession :one
SELECT * FROM sessions
WHERE session_id = @session_id
LIMIT 1;

-- The session to resume: the thread's most recently ended completed session.
-- name: GetLatestCompletedSessionByThread :one
SELECT * FROM sessions
WHERE thread_id = @thread_id AND status = 'completed'
ORDER BY ended_at DESC NULLS LAST, id DESC
LIMIT 1;

-- name: GetActiveSessionByThread :one
SELECT * FROM sessions
WHERE thread_id = @thread_id AND status = 'active'
ORDER BY started_at DESC NULLS LAST, id DESC
LIMIT 1;

-- name: CreateSession :one
INSERT INTO sessions (thread_id, session_id, model)
VALUES (@thread_id, @session_id, @model)
RETURNING *;

-- name: UpdateSessionStatus :execrows
UPDATE sessions
SET status = @status
WHERE session_id = @session_id;

-- Record how a session ended. A NULL model keeps the one already stored.
-- name: UpdateSessionOnComplete :execrows
UPDATE sessions
SET status = @status,
    ended_at = CURRENT_TIMESTAMP,
    total_cost_usd = @total_cost_usd,
    input_tokens = @input_tokens,
    output_tokens = @output_tokens,
    duration_ms = @duration_ms,
    num_turns = @num_turns,
    model = COALESCE(sqlc.narg(model), model)
WHERE session_id = @session_id;

-- name: UpdateSessionModel :execrows
UPDATE sessions
SET model = @model
WHERE session_id = @session_id;

-- Replace a provisional session id with the real one once Claude reports it.
-- name: UpdateSessionID :execrows
UPDATE sessions
SET session_id = sqlc.arg(new_session_id)
WHERE session_id = sqlc.arg(old_session_id);

-- name: ListActiveSessions :many
SELECT * FROM sessions
WHERE status = 'active'
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: CountActiveSessionsByThread :one
SELECT COUNT(*) AS active_sessions FROM sessions
WHERE thread_id = @thread_id AND status = 'active';

-- Newest first.
-- name: ListSessions :many
SELECT * FROM sessions
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: ListSessionsByThreadID :many
SELECT * FROM sessions
WHERE thread_id = @thread_id
ORDER BY started_at DESC NULLS LAST, id DESC;

-- name: ListSessionsPaginated :many
SELECT * FROM sessions
ORDER BY started_at DESC NULLS LAST, id DESC
LIMIT @limit OFFSET @offset;
